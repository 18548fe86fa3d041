using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Serialization;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;

namespace BetterDb.Tests.Preflight;

/// <summary>The one overall verdict, computed from every section of a report (pure).</summary>
public sealed class PreflightVerdictTests
{
    private static PreflightReport Clean(bool? hasMonitor = true, string user = "capture") =>
        FakePreflightService.SampleReport(hasMonitor: hasMonitor, user: user) with { WarningDetails = [] };

    [Fact]
    public void No_warnings_and_nothing_in_the_way_is_ready()
    {
        var v = Clean().Verdict;
        Assert.Equal(PreflightVerdictLevel.Ready, v.Level);
        Assert.Empty(v.Reasons);
    }

    [Fact]
    public void A_user_the_ACL_denies_MONITOR_will_fail_even_on_a_server_that_offers_it()
    {
        var report = FakePreflightService.SampleReport(hasMonitor: false, user: "capture-bot");
        Assert.True(report.MonitorSupported);
        var v = report.Verdict;
        Assert.Equal(PreflightVerdictLevel.WillFail, v.Level);
        var first = v.Reasons[0];
        Assert.Equal(PreflightWarning.AclMonitorDenied, first.Code);
        Assert.Equal(PreflightVerdictLevel.WillFail, first.Level);
        Assert.Contains("'capture-bot'", first.Message);
        Assert.Contains("-monitor", first.Message);
        Assert.Contains("ACL SETUSER capture-bot +monitor", first.Message);
        // The other warnings are still there, after it, as risks.
        Assert.Contains(v.Reasons, r => r.Code == "unbounded_monitor_buffer" && r.Level == PreflightVerdictLevel.Risky);
        Assert.DoesNotContain(v.Reasons, r => r.Code == PreflightVerdict.MonitorUnconfirmed);
    }

    [Fact]
    public void A_server_that_does_not_offer_MONITOR_will_fail_with_its_words()
    {
        var report = Clean() with { MonitorSupported = false, MonitorSupportDetail = "MONITOR is not available on this server: it answered \"ERR MONITOR is disabled\"." };
        var v = report.Verdict;
        Assert.Equal(PreflightVerdictLevel.WillFail, v.Level);
        var reason = Assert.Single(v.Reasons);
        Assert.Equal(PreflightWarning.MonitorUnsupported, reason.Code);
        Assert.Contains("ERR MONITOR is disabled", reason.Message);
    }

    [Fact]
    public void Unconfirmed_support_or_an_unverified_user_is_risky_not_a_failure()
    {
        var unconfirmed = (Clean() with { MonitorSupported = null }).Verdict;
        Assert.Equal(PreflightVerdictLevel.Risky, unconfirmed.Level);
        Assert.Equal(PreflightVerdict.MonitorUnconfirmed, Assert.Single(unconfirmed.Reasons).Code);

        var report = Clean(hasMonitor: null, user: "ops") with
        {
            WarningDetails = [new(PreflightWarning.AclUnverified, "Could not verify whether 'ops' may run MONITOR: ...")],
        };
        var v = report.Verdict;
        Assert.Equal(PreflightVerdictLevel.Risky, v.Level);
        Assert.Contains("'ops'", Assert.Single(v.Reasons).Message);
    }

    [Theory]
    [InlineData(PreflightWarning.HealthGateClosed)]
    [InlineData(PreflightWarning.HealthUnmeasured)]
    [InlineData(PreflightWarning.ConfigUnreadable)]
    [InlineData(ConfigHazards.DefaultUserOffWithAof)]
    [InlineData(ConfigHazards.DefaultUserUnverifiedWithAof)]
    [InlineData(ConfigHazards.ClientEvictionEnabled)]
    [InlineData("a_code_added_later")]
    public void Every_other_warning_makes_it_risky(string code)
    {
        var v = (Clean() with { WarningDetails = [new(code, "the whole story")] }).Verdict;
        Assert.Equal(PreflightVerdictLevel.Risky, v.Level);
        var reason = Assert.Single(v.Reasons);
        Assert.Equal(code, reason.Code);
        Assert.False(string.IsNullOrWhiteSpace(reason.Message));
    }

    [Fact]
    public void The_estimate_reasons_follow_the_estimate_now_on_screen()
    {
        // 20,000 ops/s at 80 B a line reaches the 50 MB byte cap after ~33 s.
        var report = FakePreflightService.SampleReport(opsPerSec: 20_000, durationMs: 10_000) with { WarningDetails = [] };
        var shortOne = report.Verdict;
        Assert.Equal(PreflightVerdictLevel.Risky, shortOne.Level); // busy, but the cap is not reached in 10 s
        Assert.Equal([PreflightWarning.BusyServer], shortOne.Reasons.Select(r => r.Code));

        var longOne = PreflightVerdict.From(report, FakePreflightService.EstimateFor(300_000, opsPerSec: 20_000));
        Assert.Contains(longOne.Reasons, r => r.Code == PreflightWarning.CapHit && r.Message.Contains("byte cap") && r.Message.Contains("5 min"));

        // The report's own cap warning (for its older estimate) is not taken over.
        var withOld = report with { WarningDetails = PreflightService.EstimateWarnings(FakePreflightService.EstimateFor(300_000, opsPerSec: 20_000)) };
        Assert.DoesNotContain(PreflightVerdict.From(withOld, FakePreflightService.EstimateFor(10_000, opsPerSec: 20_000)).Reasons,
            r => r.Code == PreflightWarning.CapHit);
        Assert.DoesNotContain(PreflightVerdict.From(withOld, estimate: null).Reasons, r => r.Code is PreflightWarning.CapHit or PreflightWarning.BusyServer);
    }

    [Fact]
    public void A_pre_flight_that_could_not_run_says_why_the_capture_would_fail()
    {
        var refused = PreflightVerdict.Failed(new TargetUnreachableException("127.0.0.1:1: Connection refused (127.0.0.1:1)"));
        Assert.Equal(PreflightVerdictLevel.WillFail, refused.Level);
        Assert.Equal(PreflightVerdict.TargetUnreachable, refused.Reasons[0].Code);
        Assert.Contains("Connection refused", refused.Reasons[0].Message);

        var tlsTimeout = PreflightVerdict.Failed(new TargetUnreachableException("127.0.0.1:6379: TLS handshake did not complete within 5 s: is this a TLS port?",
            TlsClientSettings.HandshakeTimedOut(TimeSpan.FromSeconds(5))));
        Assert.Equal(PreflightVerdict.TlsFailed, tlsTimeout.Reasons[0].Code);
        var tlsRejected = PreflightVerdict.Failed(new TargetUnreachableException("x: handshake failed", new AuthenticationException("remote certificate is invalid")));
        Assert.Equal(PreflightVerdict.TlsFailed, tlsRejected.Reasons[0].Code);

        Assert.Equal(PreflightVerdict.ConnectionNotFound, PreflightVerdict.Failed(new KeyNotFoundException("No connection 'x'.")).Reasons[0].Code);
        Assert.Equal(PreflightVerdictLevel.WillFail, PreflightVerdict.Failed(new InvalidInputException("durationMs", "too long")).Level);

        var unexpected = PreflightVerdict.Failed(new InvalidOperationException("boom"));
        Assert.Equal(PreflightVerdictLevel.Risky, unexpected.Level);
        Assert.Equal(PreflightVerdict.PreflightFailed, unexpected.Reasons[0].Code);
    }

    [Fact]
    public void Failures_come_first_then_risks_in_section_order()
    {
        var v = PreflightVerdict.Of([
            PreflightVerdict.Risk("b", "risk one"),
            PreflightVerdict.Fail("a", "fail"),
            PreflightVerdict.Risk("c", "risk two"),
        ]);
        Assert.Equal(PreflightVerdictLevel.WillFail, v.Level);
        Assert.Equal(["a", "b", "c"], v.Reasons.Select(r => r.Code));
        Assert.True(v.SameAs(PreflightVerdict.Of(v.Reasons.ToList())));
        Assert.False(v.SameAs(v.With(PreflightVerdict.Risk("d", "more"))));
        Assert.Equal(PreflightVerdictLevel.Ready, PreflightVerdict.Of([]).Level);
    }

    [Fact]
    public void In_JSON_it_is_level_and_reasons_with_snake_case_levels()
    {
        // The options the HTTP layer uses (WebSetup): camelCase names, enums as snake_case strings.
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        var json = JsonSerializer.Serialize(FakePreflightService.SampleReport(hasMonitor: false), options);
        using var doc = JsonDocument.Parse(json);
        var verdict = doc.RootElement.GetProperty("verdict");
        Assert.Equal(["level", "reasons"], verdict.EnumerateObject().Select(p => p.Name));
        Assert.Equal("will_fail", verdict.GetProperty("level").GetString());
        var first = verdict.GetProperty("reasons")[0];
        Assert.Equal(["level", "code", "message"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal("will_fail", first.GetProperty("level").GetString());
        Assert.Equal("acl_monitor_denied", first.GetProperty("code").GetString());
        Assert.Contains(verdict.GetProperty("reasons").EnumerateArray(), r => r.GetProperty("level").GetString() == "risky");
    }
}
