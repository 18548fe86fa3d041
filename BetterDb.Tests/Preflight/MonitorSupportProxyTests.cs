using BetterDb.Core.Preflight;
using static BetterDb.Tests.Preflight.ScriptedRespServer;

namespace BetterDb.Tests.Preflight;

/// <summary>
/// MONITOR support behind proxies and managed services, whose replies no real redis-server sends: a
/// scripted RESP server on loopback answers COMMAND INFO and MONITOR their way, the rest like Redis 7.
/// (What real servers answer is in <see cref="PreflightServerTests"/>: those must not change.)
/// </summary>
[Collection(PreflightServersCollection.Name)]
public sealed class MonitorSupportProxyTests(PreflightServersFixture fx)
{
    private async Task<(ScriptedRespServer Server, string ConnectionId)> ProxyAsync(string commandInfo, string monitor)
    {
        var server = new ScriptedRespServer(args => args[0] switch
        {
            "COMMAND" => commandInfo,
            "MONITOR" => monitor,
            _ => null,
        });
        var profile = await fx.Create("proxy " + Guid.NewGuid().ToString("N")[..6], server.Port);
        return (server, profile.Id);
    }

    public static TheoryData<string, string> InconclusiveCommandInfo => new()
    {
        { EmptyArray, "an empty array" },
        { NilArray, "a nil array" },
        { Simple("OK"), "\"OK\"" },
        { Bulk(null), "a nil string" },
        { ":0\r\n", "the integer 0" },
        { Array(MonitorCommandInfo, MonitorCommandInfo), "an array of 2" },
    };

    [Theory]
    [MemberData(nameof(InconclusiveCommandInfo))]
    public async Task An_inconclusive_COMMAND_INFO_is_unknown_never_cached_and_the_live_probe_decides(string commandInfo, string shape)
    {
        var (server, id) = await ProxyAsync(commandInfo, Simple("OK"));
        await using var _ = server;

        var report = await fx.Preflight.RunAsync(new PreflightRequest(id));
        Assert.Null(report.MonitorSupported);
        Assert.Contains(shape, report.MonitorSupportDetail);
        Assert.DoesNotContain(report.WarningDetails, w => w.Code == PreflightWarning.MonitorUnsupported);
        Assert.Contains(report.Notes, n => n.Contains("live probe"));
        Assert.Null(fx.MonitorSupport.GetCached((await fx.Connections.GetAsync(id))!));
        Assert.Equal(0, server.Count("MONITOR")); // the pre-flight itself never runs MONITOR
        Assert.NotEqual(PreflightVerdictLevel.WillFail, report.Verdict.Level);
        Assert.Contains(report.Verdict.Reasons, r => r.Code == PreflightVerdict.MonitorUnconfirmed);

        var live = await fx.MonitorSupport.ConfirmBeforeStartAsync(id);
        Assert.Equal(MonitorSupport.Supported, live.State);
        Assert.Equal(MonitorSupportClassifier.LiveProbe, live.Source);
        Assert.Equal(1, server.Count("MONITOR"));

        // Now it is known, from the live probe: the next pre-flight says so and no second probe runs.
        var again = await fx.Preflight.RunAsync(new PreflightRequest(id));
        Assert.True(again.MonitorSupported);
        Assert.Equal(MonitorSupport.Supported, (await fx.MonitorSupport.ConfirmBeforeStartAsync(id)).State);
        Assert.Equal(1, server.Count("MONITOR"));
    }

    [Theory]
    [InlineData("ERR command 'monitor' is not allowed")]
    [InlineData("ERR MONITOR is disabled")]
    [InlineData("ERR MONITOR is not available on your current plan")]
    [InlineData("ERR your subscription does not allow this command")]
    [InlineData("ERR unknown command 'monitor'")]
    [InlineData("ERR unknown command 'MONITOR', with args beginning with: ")]
    public async Task A_refusal_by_a_proxy_or_managed_service_is_a_clear_no_in_the_servers_words(string refusal)
    {
        var (server, id) = await ProxyAsync(EmptyArray, Error(refusal));
        await using var _ = server;

        var live = await fx.MonitorSupport.ConfirmBeforeStartAsync(id);
        Assert.Equal(MonitorSupport.Unsupported, live.State);
        Assert.Equal(MonitorSupportClassifier.LiveProbe, live.Source);
        Assert.Contains($"\"{refusal}\"", live.Detail); // exactly what the server said (the start dialog shows this)

        // Definite, so remembered: the next pre-flight says "will fail" with the same words, without probing again.
        var report = await fx.Preflight.RunAsync(new PreflightRequest(id));
        Assert.False(report.MonitorSupported);
        Assert.Contains(refusal, report.MonitorSupportDetail);
        Assert.Contains(report.WarningDetails, w => w.Code == PreflightWarning.MonitorUnsupported && w.Message.Contains(refusal));
        Assert.Equal(PreflightVerdictLevel.WillFail, report.Verdict.Level);
        Assert.Contains(report.Verdict.Reasons, r => r.Code == PreflightWarning.MonitorUnsupported && r.Message.Contains(refusal));
        Assert.Equal(1, server.Count("MONITOR"));
    }

    [Fact]
    public async Task A_COMMAND_INFO_refusal_that_names_MONITOR_is_a_no_but_one_about_COMMAND_is_not()
    {
        var (refusing, refusingId) = await ProxyAsync(Error("ERR command 'monitor' is not allowed"), Simple("OK"));
        await using (refusing)
        {
            var report = await fx.Preflight.RunAsync(new PreflightRequest(refusingId));
            Assert.False(report.MonitorSupported);
            Assert.Contains("ERR command 'monitor' is not allowed", report.MonitorSupportDetail);
        }

        var (noCommand, noCommandId) = await ProxyAsync(Error("ERR unknown command 'COMMAND', with args beginning with: 'INFO' 'MONITOR' "), Simple("OK"));
        await using (noCommand)
        {
            var report = await fx.Preflight.RunAsync(new PreflightRequest(noCommandId));
            Assert.Null(report.MonitorSupported);
            Assert.Equal(MonitorSupport.Supported, (await fx.MonitorSupport.ConfirmBeforeStartAsync(noCommandId)).State);
        }
    }

    [Fact]
    public async Task A_transient_error_from_the_live_probe_is_not_remembered()
    {
        var (server, id) = await ProxyAsync(EmptyArray, Error("LOADING Redis is loading the dataset in memory"));
        await using var _ = server;

        var live = await fx.MonitorSupport.ConfirmBeforeStartAsync(id);
        Assert.Equal(MonitorSupport.Unknown, live.State);
        Assert.Contains("LOADING", live.Detail);
        Assert.Null(fx.MonitorSupport.GetCached((await fx.Connections.GetAsync(id))!));
    }
}
