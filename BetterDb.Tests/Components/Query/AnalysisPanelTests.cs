using BetterDb.Blazor.Components.Query;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace BetterDb.Tests.Components.Query;

/// <summary>The analysis panel over a real imported session (real core services, temporary SQLite).</summary>
public sealed class AnalysisPanelTests : ComponentTestContext
{
    private IRenderedComponent<AnalysisPanel> Render(string sessionId, LineFilter? filter = null, bool autoLoad = true) =>
        Ctx.Render<CascadingValue<TimeZoneInfo>>(p => p
            .Add(c => c.Value, TimeZoneInfo.Utc)
            .AddChildContent<AnalysisPanel>(a => a
                .Add(x => x.SessionId, sessionId)
                .Add(x => x.Filter, filter)
                .Add(x => x.AutoLoad, autoLoad)))
        .FindComponent<AnalysisPanel>();

    private static void WaitReady(IRenderedComponent<AnalysisPanel> cut) =>
        cut.WaitForAssertion(() => Assert.Equal("ready", cut.Find("[data-testid=analysis-panel]").GetAttribute("data-state")), TimeSpan.FromSeconds(20));

    [Fact]
    public async Task The_figures_of_a_real_session_are_rendered()
    {
        var session = await QueryCapture.ImportAsync(Service<SessionImport>());
        var cut = Render(session.Id);
        WaitReady(cut);

        Assert.Equal("6", cut.Find("[data-testid=analysis-lines]").GetAttribute("data-count"));
        Assert.Equal("3000", cut.Find("[data-testid=analysis-duration]").GetAttribute("data-ms"));
        Assert.Equal("2", cut.Find("[data-testid=analysis-rate]").TextContent.Trim());
        Assert.Equal("1", cut.Find("[data-testid=analysis-malformed]").TextContent.Trim());

        // Command mix: the table, in count order, with shares.
        var commands = cut.FindAll("[data-testid=analysis-commands] tbody tr");
        Assert.Equal(["GET", "DEL", "HSET", "SET"], commands.Select(r => r.GetAttribute("data-cmd")));
        Assert.Equal("3", commands[0].GetAttribute("data-count"));
        Assert.Contains("50%", commands[0].TextContent);
        Assert.Contains("16.7%", commands[1].TextContent);
        // ... and the donut chart got a slice per command.
        Assert.NotEmpty(cut.FindAll(".mix-chart path"));

        Assert.Equal(("user:1", "3"), Row(cut, "analysis-top-keys", 0));
        Assert.Equal(["plain", "session:9", "user:2"], Names(cut, "analysis-top-keys").Skip(1).Order());
        Assert.Equal(("user:", "4"), Row(cut, "analysis-prefixes", 0));
        Assert.Contains("session:", Names(cut, "analysis-prefixes"));
        Assert.Equal(("10.0.0.1:5000", "4"), Row(cut, "analysis-clients", 0));
        Assert.Equal(("10.0.0.2:6000", "2"), Row(cut, "analysis-clients", 1));
        Assert.Equal(("db 0", "5"), Row(cut, "analysis-dbs", 0));
        Assert.Equal(("db 1", "1"), Row(cut, "analysis-dbs", 1));

        // One point per second from the first to the last (4 s), zero-filled.
        var timeline = cut.Find("[data-testid=analysis-timeline]");
        Assert.Equal("4", timeline.GetAttribute("data-points"));
        Assert.Equal("1", timeline.GetAttribute("data-bucket"));

        var inferred = cut.Find("[data-testid=analysis-inferred]");
        var note = cut.Find("[data-testid=analysis-inferred-note]").TextContent;
        Assert.Contains("Inferred from the gap", note);
        Assert.Contains("busy stretches", note);
        // Gaps: 100 µs, 499.9 ms, 500 ms, 1 s, 1 s. The median (500 ms) puts the busy threshold at its 1 ms ceiling:
        // only SET's 100 µs gap (SET at .000000, GET at .000100) is a command's time; the other four are idle.
        Assert.Equal("1023", inferred.GetAttribute("data-threshold-us"));
        Assert.Equal("1", inferred.GetAttribute("data-busy-gaps"));
        var set = Assert.Single(cut.FindAll("[data-testid=analysis-inferred-row]"));
        Assert.Equal("SET", set.GetAttribute("data-cmd"));
        Assert.Equal("100", set.QuerySelector("td[data-us]")!.GetAttribute("data-us"));
        Assert.Contains("100 µs", set.TextContent);
        Assert.Contains("4 longer gaps", cut.Find("[data-testid=analysis-idle]").TextContent);
        Assert.Equal("100%", cut.Find("[data-testid=heaviest-share]").TextContent.Trim());

        var largest = cut.FindAll("[data-testid=analysis-largest-row]")[0];
        Assert.Equal("2048", largest.GetAttribute("data-bytes"));
        Assert.Contains("2 KB", largest.TextContent);
        Assert.Contains("HSET", largest.TextContent);
        Assert.Contains("session:9", largest.TextContent);
    }

    [Fact]
    public async Task A_filter_narrows_the_analysis_and_a_new_delimiter_recounts_the_prefixes()
    {
        var session = await QueryCapture.ImportAsync(Service<SessionImport>());
        var cut = Render(session.Id, LineFilter.Create(["GET"]));
        WaitReady(cut);

        Assert.Equal("3", cut.Find("[data-testid=analysis-lines]").GetAttribute("data-count"));
        Assert.Equal(["GET"], cut.FindAll("[data-testid=analysis-commands] tbody tr").Select(r => r.GetAttribute("data-cmd")));
        Assert.Equal(("10.0.0.1:5000", "2"), Row(cut, "analysis-clients", 0));
        Assert.Contains("matching the filter", cut.Find("[data-testid=analysis-panel]").TextContent);

        cut.Find("[data-testid=analysis-delimiter]").Input("1");
        cut.WaitForAssertion(() => Assert.Equal("user:1", Row(cut, "analysis-prefixes", 0).Name), TimeSpan.FromSeconds(20));
        WaitReady(cut);
        Assert.Equal("2", Row(cut, "analysis-prefixes", 0).Count);
    }

    [Fact]
    public async Task On_demand_it_waits_for_the_button_and_a_bad_delimiter_is_refused()
    {
        var session = await QueryCapture.ImportAsync(Service<SessionImport>());
        var cut = Render(session.Id, autoLoad: false);
        await Task.Delay(200);
        Assert.Equal("idle", cut.Find("[data-testid=analysis-panel]").GetAttribute("data-state"));
        Assert.Empty(cut.FindAll("[data-testid=analysis-lines]"));

        cut.Find("[data-testid=analysis-refresh]").Click();
        WaitReady(cut);
        Assert.Equal("6", cut.Find("[data-testid=analysis-lines]").GetAttribute("data-count"));

        // A bad delimiter never reaches the core.
        cut.Find("[data-testid=analysis-delimiter]").Input("é");
        cut.WaitForAssertion(() => Assert.Contains("single ASCII character", cut.Find("[data-testid=analysis-panel]").TextContent));
        Assert.Equal("ready", cut.Find("[data-testid=analysis-panel]").GetAttribute("data-state")); // the report stays
    }

    [Fact]
    public async Task A_bigger_session_draws_one_point_per_second()
    {
        // 6,000 lines, one per 10 ms: 60 one-second points.
        var session = await QueryCapture.ImportManyAsync(Service<SessionImport>(), 6_000);
        var cut = Render(session.Id);
        WaitReady(cut);
        Assert.Equal("60", cut.Find("[data-testid=analysis-timeline]").GetAttribute("data-points"));
        Assert.Equal(("GET", "3000"), (cut.FindAll("[data-testid=analysis-commands] tbody tr")[0].GetAttribute("data-cmd"),
            cut.FindAll("[data-testid=analysis-commands] tbody tr")[0].GetAttribute("data-count")));
    }

    private static (string Name, string Count) Row(IRenderedComponent<AnalysisPanel> cut, string testId, int index)
    {
        var row = cut.FindAll($"[data-testid={testId}] tbody tr")[index];
        return (row.GetAttribute("data-name")!, row.GetAttribute("data-count")!);
    }

    private static List<string> Names(IRenderedComponent<AnalysisPanel> cut, string testId) =>
        cut.FindAll($"[data-testid={testId}] tbody tr").Select(r => r.GetAttribute("data-name")!).ToList();
}
