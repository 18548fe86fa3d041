using BetterDb.Core.Connections;
using BetterDb.Blazor.Components.Preflight;
using BetterDb.Core.Preflight;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace BetterDb.Tests.Preflight;

public sealed class PreflightPanelTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();
    private readonly FakePreflightService _preflight = new();

    public PreflightPanelTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
        _ctx.Services.AddSingleton<IPreflightService>(_preflight);
        _ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();

    /// <summary>Every verdict the panel reported through VerdictChanged, in order.</summary>
    private readonly List<PreflightVerdict?> _verdicts = [];

    private IRenderedComponent<PreflightPanel> RenderPanel(string connectionId = "c1", long durationMs = 30_000, TimeSpan? debounce = null,
        Action<bool>? canStart = null) =>
        _ctx.Render<PreflightPanel>(p => p
            .Add(x => x.ConnectionId, connectionId)
            .Add(x => x.DurationMs, durationMs)
            .Add(x => x.EstimateDebounce, debounce ?? TimeSpan.FromMilliseconds(150))
            .Add(x => x.CanStartChanged, v => canStart?.Invoke(v))
            .Add(x => x.VerdictChanged, v => { lock (_verdicts) _verdicts.Add(v); }));

    private PreflightVerdict? LastVerdict { get { lock (_verdicts) return _verdicts.Count == 0 ? null : _verdicts[^1]; } }

    private static string? Level(IRenderedComponent<PreflightPanel> cut) => cut.Find("[data-testid=preflight-verdict]").GetAttribute("data-level");

    private static List<string?> ReasonCodes(IRenderedComponent<PreflightPanel> cut) =>
        cut.FindAll("[data-testid=verdict-reason]").Select(r => r.GetAttribute("data-code")).ToList();

    [Fact]
    public void The_four_sections_and_the_warnings_render_from_a_report()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!, allow: false);
        var cut = RenderPanel();

        cut.WaitForAssertion(() => Assert.Equal("ready", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state")));
        Assert.Contains("AWS ElastiCache", cut.Find("[data-testid=preflight-provider]").TextContent);
        Assert.Contains("MONITOR may be unavailable", cut.Find("[data-testid=provider-restrictions]").TextContent);
        Assert.Contains("capture", cut.Find("[data-testid=acl-user]").TextContent);
        Assert.Contains("MONITOR allowed", cut.Find("[data-testid=preflight-acl]").TextContent);
        var health = cut.Find("[data-testid=preflight-health]");
        Assert.Contains("memory_above_threshold", cut.Find("[data-testid=health-status]").TextContent);
        Assert.Contains("97% of maxmemory (threshold 85%)", health.TextContent);
        Assert.Contains("~3,000 lines", cut.Find("[data-testid=estimate-projection]").TextContent);
        Assert.Contains("100 commands/s", cut.Find("[data-testid=estimate-ops]").TextContent);
        Assert.Contains("assumed", cut.Find("[data-testid=estimate-line-size]").TextContent);
        var warnings = cut.Find("[data-testid=preflight-warnings]");
        Assert.Contains("client-output-buffer-limit", warnings.TextContent);
        Assert.Contains("80 bytes per MONITOR line", warnings.TextContent);
        Assert.Empty(cut.FindAll("[data-testid=acl-snippet]"));
        Assert.Empty(cut.FindAll("[data-testid=estimate-error]"));
        Assert.Equal("c1", Assert.Single(_preflight.RunCalls).Request.ConnectionId);
    }

    [Fact]
    public void Unsupported_MONITOR_shows_why()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!) with
        {
            MonitorSupported = false,
            MonitorSupportDetail = "COMMAND INFO MONITOR returned nil: MONITOR is renamed or disabled on this server.",
        };
        var cut = RenderPanel();
        cut.WaitForAssertion(() => Assert.Contains("not available — COMMAND INFO MONITOR returned nil", cut.Find("[data-testid=monitor-support]").TextContent));
    }

    [Fact]
    public async Task An_out_of_range_duration_asks_for_a_valid_one_without_a_request()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!);
        var cut = RenderPanel(debounce: TimeSpan.FromMilliseconds(20));
        cut.WaitForAssertion(() => Assert.Equal("ready", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state")));
        cut.Render(p => p.Add(x => x.DurationMs, 0));
        Assert.Contains("between 1 s and 24 h", cut.Find("[data-testid=estimate-error]").TextContent);
        await Task.Delay(100);
        Assert.Empty(_preflight.EstimateCalls);
    }

    [Fact]
    public void The_snippet_and_its_copy_button_show_when_monitor_is_not_allowed()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!, hasMonitor: false, user: "capture-bot");
        var module = _ctx.JSInterop.SetupModule(AclSection.ModulePath);
        var copy = module.Setup<bool>("copyText", "ACL SETUSER capture-bot +monitor");
        copy.SetResult(true);
        var cut = RenderPanel();

        cut.WaitForAssertion(() => Assert.Equal("ACL SETUSER capture-bot +monitor", cut.Find("[data-testid=acl-snippet]").TextContent.Trim()));
        Assert.Contains("MONITOR not allowed", cut.Find("[data-testid=preflight-acl]").TextContent);
        Assert.Contains("+@all -monitor", cut.Find("[data-testid=acl-rules]").TextContent);

        cut.Find("[data-testid=copy-snippet]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Copied", cut.Find("[data-testid=copy-snippet]").TextContent));
        Assert.Single(copy.Invocations);
    }

    [Fact]
    public void Prerendering_does_not_run_a_pre_flight()
    {
        _ctx.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var cut = RenderPanel();
        Assert.Equal("loading", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state"));
        Assert.Empty(_preflight.RunCalls);
    }

    [Fact]
    public void A_clean_report_says_there_are_no_warnings()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!) with { WarningDetails = [], Notes = [] };
        var cut = RenderPanel();
        cut.WaitForAssertion(() => Assert.Equal("0", cut.Find("[data-testid=preflight-warnings]").GetAttribute("data-count")));
        Assert.Contains("No warnings", cut.Find("[data-testid=preflight-warnings]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=preflight-warning]"));
    }

    [Fact]
    public void An_unverified_user_also_gets_the_snippet()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!, hasMonitor: null, user: "ops");
        var cut = RenderPanel();
        cut.WaitForAssertion(() => Assert.Equal("ACL SETUSER ops +monitor", cut.Find("[data-testid=acl-snippet]").TextContent.Trim()));
        Assert.Contains("could not verify", cut.Find("[data-testid=acl-status]").TextContent);
    }

    [Fact]
    public void A_failed_pre_flight_shows_the_error_text()
    {
        var cut = RenderPanel();
        var call = Assert.Single(_preflight.RunCalls);
        call.Answer.SetException(new TargetUnreachableException("127.0.0.1:1: Connection refused"));
        cut.WaitForAssertion(() => Assert.Contains("Connection refused", cut.Find("[data-testid=preflight-error]").TextContent));
    }

    [Fact]
    public async Task Duration_changes_are_debounced_into_one_estimate_request()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!);
        _preflight.Estimate = r => FakePreflightService.EstimateFor(r.DurationMs!.Value);
        var cut = RenderPanel(debounce: TimeSpan.FromMilliseconds(300));
        cut.WaitForAssertion(() => Assert.Equal("ready", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state")));

        cut.Render(p => p.Add(x => x.DurationMs, 60_000));
        cut.Render(p => p.Add(x => x.DurationMs, 90_000));
        cut.Render(p => p.Add(x => x.DurationMs, 120_000));

        cut.WaitForAssertion(() => Assert.Contains("~12,000 lines", cut.Find("[data-testid=estimate-projection]").TextContent));
        await Task.Delay(400);
        var only = Assert.Single(_preflight.EstimateCalls);
        Assert.Equal(120_000, only.Request.DurationMs);
        Assert.Single(_preflight.RunCalls); // the full report is not re-run for a duration change
    }

    /// <summary>For conditions no render announces (a request was made): ask again until it holds.</summary>
    private static Task Eventually(Func<bool> condition, string what) =>
        BetterDb.Testing.Poll.UntilAsync(condition, what, TimeSpan.FromSeconds(5));

    [Fact]
    public async Task A_newer_duration_cancels_the_request_in_flight_and_its_late_answer_is_ignored()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!);
        var cut = RenderPanel(debounce: TimeSpan.FromMilliseconds(20));
        cut.WaitForAssertion(() => Assert.Equal("ready", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state")));

        cut.Render(p => p.Add(x => x.DurationMs, 60_000));
        await Eventually(() => _preflight.EstimateCalls.Count == 1, "the first estimate request");
        _preflight.EstimateCalls.TryPeek(out var first);

        cut.Render(p => p.Add(x => x.DurationMs, 600_000));
        await Eventually(() => _preflight.EstimateCalls.Count == 2, "the second estimate request");
        var second = _preflight.EstimateCalls.Last();
        Assert.True(first!.Token.IsCancellationRequested, "the older request was cancelled");

        // The newer answer lands first, then the stale one arrives late: the newer stays.
        await cut.InvokeAsync(() => second.Answer.SetResult(FakePreflightService.EstimateFor(600_000)));
        cut.WaitForAssertion(() => Assert.Contains("~60,000 lines", cut.Find("[data-testid=estimate-projection]").TextContent));
        await cut.InvokeAsync(() => first.Answer.SetResult(FakePreflightService.EstimateFor(60_000)));
        await Task.Delay(200); // room for a (wrong) render of the stale answer
        Assert.Equal("ready", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state"));
        Assert.Contains("~60,000 lines", cut.Find("[data-testid=estimate-projection]").TextContent);
        Assert.DoesNotContain("~6,000 lines", cut.Markup);
    }

    [Fact]
    public async Task A_stale_answer_that_arrives_first_is_ignored_too()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!);
        var cut = RenderPanel(debounce: TimeSpan.FromMilliseconds(20));
        cut.WaitForAssertion(() => Assert.Equal("ready", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state")));

        cut.Render(p => p.Add(x => x.DurationMs, 60_000));
        await Eventually(() => _preflight.EstimateCalls.Count == 1, "the first estimate request");
        cut.Render(p => p.Add(x => x.DurationMs, 600_000));
        await Eventually(() => _preflight.EstimateCalls.Count == 2, "the second estimate request");
        var calls = _preflight.EstimateCalls.ToArray();

        await cut.InvokeAsync(() => calls[0].Answer.SetResult(FakePreflightService.EstimateFor(60_000)));
        await Task.Delay(200); // room for a (wrong) render of the stale answer
        Assert.Contains("~3,000 lines", cut.Find("[data-testid=estimate-projection]").TextContent); // still the report's
        Assert.Equal("refreshing", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state"));

        await cut.InvokeAsync(() => calls[1].Answer.SetResult(FakePreflightService.EstimateFor(600_000)));
        cut.WaitForAssertion(() => Assert.Contains("~60,000 lines", cut.Find("[data-testid=estimate-projection]").TextContent));
        Assert.Equal("ready", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state"));
    }

    [Fact]
    public void The_estimate_warning_follows_the_new_estimate()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!, opsPerSec: 20_000);
        _preflight.Estimate = r => FakePreflightService.EstimateFor(r.DurationMs!.Value, opsPerSec: 20_000);
        var cut = RenderPanel(durationMs: 10_000, debounce: TimeSpan.FromMilliseconds(20));
        cut.WaitForAssertion(() => Assert.Equal("ready", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state")));
        // 20,000 ops/s * 80 B = 1.6 MB/s: 10 s stays under the 50 MB cap.
        Assert.DoesNotContain(cut.FindAll("[data-testid=estimate-warning]"), w => w.TextContent.Contains("byte cap"));

        cut.Render(p => p.Add(x => x.DurationMs, 300_000));
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=estimate-warning]"), w => w.TextContent.Contains("byte cap")));
        Assert.Contains("byte cap", cut.Find("[data-testid=estimate-ends]").TextContent);
        // The report's own (older) cap warning is not repeated among the general warnings.
        Assert.DoesNotContain(cut.FindAll("[data-testid=preflight-warning]"), w => w.GetAttribute("data-code") == PreflightWarning.CapHit);
    }

    [Fact]
    public async Task A_new_connection_resets_the_panel_and_ignores_the_old_connections_answers()
    {
        var cut = RenderPanel(connectionId: "c1", durationMs: 600_000);
        var c1 = Assert.Single(_preflight.RunCalls);
        await cut.InvokeAsync(() => c1.Answer.SetResult(FakePreflightService.SampleReport("c1", user: "user-one")));
        cut.WaitForAssertion(() => Assert.Contains("user-one", cut.Find("[data-testid=acl-user]").TextContent));
        // Awaited, not the fire-and-forget Change(): WaitForAssertion above returns as soon as the render with
        // "user-one" lands, while the renderer may still be finishing that work item; a Change() dispatched then
        // is queued behind it and has not run (nor re-rendered) when the next line looks.
        await cut.Find("[data-testid=confirm-long]").ChangeAsync(new ChangeEventArgs { Value = true });
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".mud-checkbox-true")));

        cut.Render(p => p.Add(x => x.ConnectionId, "c2"));
        Assert.True(c1.Token.IsCancellationRequested || c1.Answer.Task.IsCompleted);
        Assert.Equal("loading", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state"));
        Assert.Empty(cut.FindAll("[data-testid=acl-user]"));
        Assert.Empty(cut.FindAll(".mud-checkbox-true")); // the confirmation starts over
        Assert.Single(cut.FindAll("[data-testid=confirm-long]"));

        var c2 = _preflight.RunCalls.Last();
        Assert.Equal("c2", c2.Request.ConnectionId);

        // Switched again before c2 answered: c2's request is cancelled and its late answer ignored.
        cut.Render(p => p.Add(x => x.ConnectionId, "c3"));
        Assert.True(c2.Token.IsCancellationRequested);
        var c3 = _preflight.RunCalls.Last();
        Assert.Equal("c3", c3.Request.ConnectionId);
        await cut.InvokeAsync(() => c2.Answer.SetResult(FakePreflightService.SampleReport("c2", user: "user-two")));
        await Task.Delay(200);
        Assert.Equal("loading", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state"));
        Assert.DoesNotContain("user-two", cut.Markup);

        await cut.InvokeAsync(() => c3.Answer.SetResult(FakePreflightService.SampleReport("c3", user: "user-three")));
        cut.WaitForAssertion(() => Assert.Contains("user-three", cut.Find("[data-testid=acl-user]").TextContent));
    }

    [Fact]
    public void A_clean_report_is_ready_at_the_top()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!) with { WarningDetails = [] };
        var cut = RenderPanel();
        cut.WaitForAssertion(() => Assert.Equal("ready", Level(cut)));
        Assert.Contains("Ready", cut.Find("[data-testid=verdict-headline]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=verdict-reason]"));
        Assert.Equal("ready", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-verdict"));
        // The verdict comes first in the panel.
        Assert.StartsWith("preflight-verdict", cut.Find("[data-testid=preflight-panel]").Children.First(e => e.HasAttribute("data-testid")).GetAttribute("data-testid"));
        Assert.Equal(PreflightVerdictLevel.Ready, LastVerdict?.Level);
    }

    [Fact]
    public void A_user_with_minus_monitor_will_fail_and_no_section_says_otherwise()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!, hasMonitor: false, user: "capture");
        var cut = RenderPanel();

        cut.WaitForAssertion(() => Assert.Equal("will_fail", Level(cut)));
        Assert.Contains("Will fail", cut.Find("[data-testid=verdict-headline]").TextContent);
        Assert.Equal(PreflightWarning.AclMonitorDenied, ReasonCodes(cut)[0]);
        Assert.Contains("ACL SETUSER capture +monitor", cut.FindAll("[data-testid=verdict-reason]")[0].TextContent);
        Assert.Contains("MONITOR not allowed", cut.Find("[data-testid=acl-status]").TextContent);
        var provider = cut.Find("[data-testid=monitor-support]").TextContent;
        Assert.Contains("available on this server, but not for this user", provider);
        Assert.DoesNotContain("MONITOR: available", provider.Replace("available on this server", ""));
        Assert.Equal(PreflightVerdictLevel.WillFail, LastVerdict?.Level);
        Assert.Contains(LastVerdict!.Reasons, r => r.Code == PreflightWarning.AclMonitorDenied);
    }

    [Fact]
    public void A_server_without_MONITOR_will_fail_and_Access_does_not_say_allowed()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!) with
        {
            MonitorSupported = false,
            MonitorSupportDetail = "MONITOR is not available on this server: it answered \"ERR MONITOR is disabled\".",
        };
        var cut = RenderPanel();
        cut.WaitForAssertion(() => Assert.Equal("will_fail", Level(cut)));
        Assert.Contains("ERR MONITOR is disabled", cut.FindAll("[data-testid=verdict-reason]")[0].TextContent);
        Assert.Contains("does not offer", cut.Find("[data-testid=acl-status]").TextContent);
    }

    [Fact]
    public void Ambiguous_findings_are_risky_with_their_reasons()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!, allow: false) with
        {
            WarningDetails = [new(PreflightWarning.HealthGateClosed, "Health gate: an automated capture would be skipped now (memory_above_threshold)."),
                              new("unbounded_monitor_buffer", "client-output-buffer-limit for normal clients is 0 0 0")],
        };
        var cut = RenderPanel();
        cut.WaitForAssertion(() => Assert.Equal("risky", Level(cut)));
        Assert.Contains("Risky", cut.Find("[data-testid=verdict-headline]").TextContent);
        Assert.Equal([PreflightWarning.HealthGateClosed, "unbounded_monitor_buffer"], ReasonCodes(cut));
        Assert.Contains("memory_above_threshold", cut.FindAll("[data-testid=verdict-reason]")[0].TextContent);
    }

    [Fact]
    public void An_unreachable_server_will_fail_with_the_error_and_a_retry()
    {
        var cut = RenderPanel();
        Assert.Empty(cut.FindAll("[data-testid=preflight-verdict]")); // nothing to say while it loads
        Assert.Null(LastVerdict);
        Assert.Single(_preflight.RunCalls).Answer.SetException(new TargetUnreachableException("127.0.0.1:1: Connection refused"));

        cut.WaitForAssertion(() => Assert.Equal("will_fail", Level(cut)));
        Assert.Equal([PreflightVerdict.TargetUnreachable], ReasonCodes(cut));
        Assert.Contains("Connection refused", cut.Find("[data-testid=preflight-error]").TextContent);
        Assert.Equal(PreflightVerdict.TargetUnreachable, LastVerdict?.Reasons[0].Code);

        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!) with { WarningDetails = [] };
        cut.Find("[data-testid=preflight-retry]").Click();
        cut.WaitForAssertion(() => Assert.Equal("ready", Level(cut)));
        Assert.Empty(cut.FindAll("[data-testid=preflight-error]"));
    }

    [Fact]
    public void The_verdict_follows_the_duration_a_cap_makes_it_risky_and_an_invalid_one_will_fail()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!, durationMs: 10_000) with { WarningDetails = [] };
        _preflight.Estimate = r => FakePreflightService.EstimateFor(r.DurationMs!.Value, opsPerSec: 5_000);
        var cut = RenderPanel(durationMs: 10_000, debounce: TimeSpan.FromMilliseconds(20));
        cut.WaitForAssertion(() => Assert.Equal("ready", Level(cut)));

        // 5,000 ops/s * 80 B: the 50 MB byte cap ends a 10-minute capture after about 2 min.
        cut.Render(p => p.Add(x => x.DurationMs, 600_000));
        cut.WaitForAssertion(() => Assert.Equal("risky", Level(cut)));
        Assert.Equal([PreflightWarning.CapHit], ReasonCodes(cut));
        Assert.Equal(PreflightVerdictLevel.Risky, LastVerdict?.Level);

        cut.Render(p => p.Add(x => x.DurationMs, 0));
        cut.WaitForAssertion(() => Assert.Equal("will_fail", Level(cut)));
        Assert.Equal([PreflightVerdict.InvalidInput], ReasonCodes(cut)); // and not the stale estimate's cap
        Assert.Equal(PreflightVerdictLevel.WillFail, LastVerdict?.Level);

        cut.Render(p => p.Add(x => x.DurationMs, 20_000));
        cut.WaitForAssertion(() => Assert.Equal("ready", Level(cut)));
        Assert.Equal(PreflightVerdictLevel.Ready, LastVerdict?.Level);
    }

    [Fact]
    public async Task A_new_connection_clears_the_verdict_until_its_own_report_arrives()
    {
        var cut = RenderPanel(connectionId: "c1");
        await cut.InvokeAsync(() => Assert.Single(_preflight.RunCalls).Answer.SetResult(FakePreflightService.SampleReport("c1", hasMonitor: false)));
        cut.WaitForAssertion(() => Assert.Equal("will_fail", Level(cut)));

        cut.Render(p => p.Add(x => x.ConnectionId, "c2"));
        Assert.Empty(cut.FindAll("[data-testid=preflight-verdict]"));
        cut.WaitForAssertion(() => Assert.Null(LastVerdict));

        await cut.InvokeAsync(() => _preflight.RunCalls.Last().Answer.SetResult(FakePreflightService.SampleReport("c2") with { WarningDetails = [] }));
        cut.WaitForAssertion(() => Assert.Equal("ready", Level(cut)));
        lock (_verdicts) Assert.Equal([PreflightVerdictLevel.WillFail, null, PreflightVerdictLevel.Ready], _verdicts.Select(v => v?.Level));
    }

    [Fact]
    public void The_verdict_is_reported_once_per_change_not_per_render()
    {
        _preflight.Report = r => FakePreflightService.SampleReport(r.ConnectionId!) with { WarningDetails = [] };
        _preflight.Estimate = r => FakePreflightService.EstimateFor(r.DurationMs!.Value);
        var cut = RenderPanel(debounce: TimeSpan.FromMilliseconds(20));
        cut.WaitForAssertion(() => Assert.Equal("ready", Level(cut)));
        cut.Render(p => p.Add(x => x.DurationMs, 60_000));
        cut.WaitForAssertion(() => Assert.Contains("~6,000 lines", cut.Find("[data-testid=estimate-projection]").TextContent));
        lock (_verdicts) Assert.Equal([PreflightVerdictLevel.Ready], _verdicts.Select(v => v?.Level));
    }
}
