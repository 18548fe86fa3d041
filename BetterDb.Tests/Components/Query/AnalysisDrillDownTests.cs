using System.Text;
using System.Web;
using BetterDb.Blazor.Components.Query;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Components.Query;

/// <summary>
/// Issue 12, item 12: every row of the analysis is a link to the Lines tab with that filter added; inferred time only
/// in busy stretches (and said when there are none); an empty prefix delimiter is refused.
/// </summary>
public sealed class AnalysisDrillDownTests : ComponentTestContext
{
    private IRenderedComponent<AnalysisPanel> Render(string sessionId, LineFilter? filter = null) =>
        Ctx.Render<CascadingValue<TimeZoneInfo>>(p => p
            .Add(c => c.Value, TimeZoneInfo.Utc)
            .AddChildContent<AnalysisPanel>(a => a.Add(x => x.SessionId, sessionId).Add(x => x.Filter, filter)))
        .FindComponent<AnalysisPanel>();

    private static void WaitReady(IRenderedComponent<AnalysisPanel> cut) =>
        cut.WaitForAssertion(() => Assert.Equal("ready", cut.Find("[data-testid=analysis-panel]").GetAttribute("data-state")), TimeSpan.FromSeconds(20));

    private static Dictionary<string, string?> Query(string? href)
    {
        Assert.NotNull(href);
        var q = HttpUtility.ParseQueryString(href[(href.IndexOf('?') + 1)..]);
        return q.AllKeys.ToDictionary(k => k!, k => q[k]);
    }

    [Fact]
    public async Task Commands_keys_prefixes_clients_and_dbs_link_to_the_lines_with_that_filter_added()
    {
        var session = await QueryCapture.ImportAsync(Service<SessionImport>());
        var cut = Render(session.Id, LineFilter.Create(client: "10.0.0"));
        WaitReady(cut);

        var get = cut.Find("[data-testid=analysis-commands] tr[data-cmd=GET] a");
        Assert.StartsWith($"monitor/sessions/{session.Id}?", get.GetAttribute("href"));
        Assert.Equal(new Dictionary<string, string?> { ["command"] = "GET", ["client"] = "10.0.0" }, Query(get.GetAttribute("href")));
        Assert.Equal("user:1", Query(cut.Find("[data-testid=analysis-top-keys] tr[data-name='user:1'] a").GetAttribute("href"))["key"]);
        Assert.Equal("user:*", Query(cut.Find("[data-testid=analysis-prefixes] tr[data-name='user:'] a").GetAttribute("href"))["key"]);
        Assert.Equal("10.0.0.2:6000", Query(cut.Find("[data-testid=analysis-clients] tr[data-name='10.0.0.2:6000'] a").GetAttribute("href"))["client"]);
        Assert.Equal("1", Query(cut.Find("[data-testid=analysis-dbs] tr[data-name='db 1'] a").GetAttribute("href"))["db"]);
        // The largest argument opens its own millisecond of its client.
        var largest = Query(cut.Find("[data-testid=analysis-largest-row] a").GetAttribute("href"));
        Assert.Equal((largest["afterTs"], "10.0.0.2:6000", "HSET"), (largest["beforeTs"], largest["client"], largest["command"]));
    }

    [Fact]
    public async Task A_range_of_the_rate_chart_opens_those_seconds()
    {
        var session = await QueryCapture.ImportManyAsync(Service<SessionImport>(), 6_000); // 60 s, 1700000000 .. 1700000059
        var cut = Render(session.Id);
        WaitReady(cut);
        Assert.Equal("60", cut.Find("[data-testid=analysis-timeline]").GetAttribute("data-points"));

        await cut.InvokeAsync(() => cut.Instance.OnRangeSelected(0.5, 0.75)); // what the chart's drag reports
        var navigation = Ctx.Services.GetRequiredService<BunitNavigationManager>();
        var q = Query(navigation.Uri);
        var from = long.Parse(q["afterTs"]!);
        var to = long.Parse(q["beforeTs"]!);
        Assert.Equal(1_700_000_029_000, from); // 0.5 of the 59 s between the first and the last point
        Assert.Equal(0, (to + 1) % 1000); // whole seconds, the last one included
        Assert.InRange(to, 1_700_000_044_000, 1_700_000_046_999);
    }

    [Fact]
    public async Task A_quiet_capture_says_it_has_no_busy_stretch_instead_of_a_headline()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 5; i++) text.Append($"{1_700_000_000 + i}.000000 [0 127.0.0.1:5000] \"SET\" \"k{i}\" \"v\"\n");
        var session = await Service<SessionImport>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), null, "tests");
        var cut = Render(session.Id);
        WaitReady(cut);

        Assert.Contains("No busy stretches", cut.Find("[data-testid=analysis-no-busy]").TextContent);
        Assert.Contains("1 s", cut.Find("[data-testid=analysis-no-busy]").TextContent); // the median gap, said
        Assert.Empty(cut.FindAll("[data-testid=analysis-heaviest]"));
        Assert.Empty(cut.FindAll("[data-testid=analysis-slowest]"));
        Assert.Empty(cut.FindAll("[data-testid=analysis-inferred-row]"));
    }

    [Fact]
    public async Task An_empty_prefix_delimiter_is_an_error_on_the_field()
    {
        var session = await QueryCapture.ImportAsync(Service<SessionImport>());
        var cut = Render(session.Id);
        WaitReady(cut);

        cut.Find("[data-testid=analysis-delimiter]").Input("");
        cut.WaitForAssertion(() => Assert.Contains("The prefix delimiter is empty", cut.Find("[data-testid=analysis-panel]").TextContent));
        Assert.Equal("ready", cut.Find("[data-testid=analysis-panel]").GetAttribute("data-state")); // the report stays
    }
}
