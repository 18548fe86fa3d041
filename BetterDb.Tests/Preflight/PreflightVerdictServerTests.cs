using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;

namespace BetterDb.Tests.Preflight;

/// <summary>The overall verdict against real redis-server instances (see <see cref="PreflightServersFixture"/>), and over HTTP.</summary>
[Collection(PreflightServersCollection.Name)]
public sealed class PreflightVerdictServerTests(PreflightServersFixture fx)
{
    private const string Url = "/api/monitor/sessions/preflight";

    [Fact]
    public async Task A_healthy_server_and_a_user_who_may_run_MONITOR_is_ready()
    {
        var report = await fx.Preflight.RunAsync(new PreflightRequest("default", 30_000));
        Assert.True(report.Verdict.Level == PreflightVerdictLevel.Ready, string.Join(" | ", report.Verdict.Reasons.Select(r => r.Message)));
        Assert.Empty(report.Verdict.Reasons);
    }

    [Fact]
    public async Task A_user_with_minus_monitor_will_fail_although_the_server_offers_MONITOR()
    {
        var report = await fx.Preflight.RunAsync(new PreflightRequest(fx.CaptureUserId));
        Assert.True(report.MonitorSupported); // the server has it ...
        Assert.False(report.Acl.HasMonitor);   // ... this user may not run it: one verdict says so
        Assert.Equal(PreflightVerdictLevel.WillFail, report.Verdict.Level);
        var reason = Assert.Single(report.Verdict.Reasons, r => r.Level == PreflightVerdictLevel.WillFail);
        Assert.Equal(PreflightWarning.AclMonitorDenied, reason.Code);
        Assert.Contains("ACL SETUSER capture +monitor", reason.Message);

        // And it is right: the live probe the start path runs is refused with NOPERM.
        var live = await fx.MonitorSupport.ProbeLiveAsync((await fx.Connections.GetAsync(fx.CaptureUserId))!);
        Assert.Equal(MonitorSupport.Denied, live.State);
    }

    [Fact]
    public async Task A_renamed_MONITOR_will_fail()
    {
        var report = await fx.Preflight.RunAsync(new PreflightRequest(fx.RenamedId));
        Assert.Equal(PreflightVerdictLevel.WillFail, report.Verdict.Level);
        Assert.Contains(report.Verdict.Reasons, r => r.Code == PreflightWarning.MonitorUnsupported && r.Message.Contains("renamed or disabled"));
    }

    [Fact]
    public async Task A_monitor_only_user_is_risky_not_a_failure_since_it_can_capture()
    {
        var report = await fx.Preflight.RunAsync(new PreflightRequest(fx.TapperUserId));
        Assert.Equal(PreflightVerdictLevel.Risky, report.Verdict.Level);
        var codes = report.Verdict.Reasons.Select(r => r.Code).ToList();
        Assert.Contains(PreflightWarning.AclUnverified, codes);
        Assert.Contains(PreflightWarning.HealthUnmeasured, codes);
        Assert.Contains(PreflightWarning.ConfigUnreadable, codes);
        Assert.Contains(PreflightVerdict.MonitorUnconfirmed, codes);
    }

    [Fact]
    public async Task Configuration_hazards_make_it_risky()
    {
        var report = await fx.Preflight.RunAsync(new PreflightRequest(fx.HazardsId));
        Assert.Equal(PreflightVerdictLevel.Risky, report.Verdict.Level);
        Assert.Contains(report.Verdict.Reasons, r => r.Code == ConfigHazards.ClientEvictionEnabled);
        Assert.Contains(report.Verdict.Reasons, r => r.Code == ConfigHazards.DefaultUserOffWithAof);
    }

    [Fact]
    public async Task An_unreachable_server_or_TLS_on_a_plain_port_will_fail_with_the_error_text()
    {
        var refused = await Assert.ThrowsAsync<TargetUnreachableException>(() => fx.Preflight.RunAsync(new PreflightRequest(fx.DeadId)));
        var v = PreflightVerdict.Failed(refused);
        Assert.Equal(PreflightVerdictLevel.WillFail, v.Level);
        Assert.Equal(PreflightVerdict.TargetUnreachable, v.Reasons[0].Code);
        Assert.Contains("refused", v.Reasons[0].Message, StringComparison.OrdinalIgnoreCase);

        var tlsToPlain = await fx.Connections.CreateAsync(new ConnectionInput("tls to a plain port " + Guid.NewGuid().ToString("N")[..6],
            "127.0.0.1", fx.Main.Port, null, null, true, 0));
        var tls = await Assert.ThrowsAsync<TargetUnreachableException>(() => fx.Preflight.RunAsync(new PreflightRequest(tlsToPlain.Id)));
        var tv = PreflightVerdict.Failed(tls);
        Assert.Equal(PreflightVerdictLevel.WillFail, tv.Level);
        Assert.Equal(PreflightVerdict.TlsFailed, tv.Reasons[0].Code);
        Assert.Contains("TLS", tv.Reasons[0].Message);
    }

    [Fact]
    public async Task Over_HTTP_the_report_carries_the_verdict()
    {
        using (var ok = await fx.Http.PostAsJsonAsync(Url, new { connectionId = "default", durationMs = 30_000 }))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            using var doc = JsonDocument.Parse(await ok.Content.ReadAsStringAsync());
            var verdict = doc.RootElement.GetProperty("verdict");
            Assert.Equal("ready", verdict.GetProperty("level").GetString());
            Assert.Equal(0, verdict.GetProperty("reasons").GetArrayLength());
        }

        using var denied = await fx.Http.PostAsJsonAsync(Url, new { connectionId = fx.CaptureUserId });
        Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
        using var d = JsonDocument.Parse(await denied.Content.ReadAsStringAsync());
        var v = d.RootElement.GetProperty("verdict");
        Assert.Equal("will_fail", v.GetProperty("level").GetString());
        var first = v.GetProperty("reasons")[0];
        Assert.Equal("will_fail", first.GetProperty("level").GetString());
        Assert.Equal("acl_monitor_denied", first.GetProperty("code").GetString());
        Assert.Contains("ACL SETUSER capture +monitor", first.GetProperty("message").GetString());
    }
}
