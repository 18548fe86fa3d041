using System.Web;
using BetterDb.Blazor.Components.Pages;
using BetterDb.Core.Capture;
using BetterDb.Tests.Components.Query;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace BetterDb.Tests.Components;

/// <summary>The session page's filter, exports and analysis tab, and the monitor page's import button, over real services.</summary>
public sealed class SessionQueryPageTests : ComponentTestContext
{
    [Fact]
    public async Task The_filter_drives_the_stored_lines_and_the_export_links_and_clear_brings_all_back()
    {
        var session = await QueryCapture.ImportAsync(Service<SessionImport>());
        var cut = Ctx.Render<SessionPage>(p => p.Add(s => s.Id, session.Id));
        await cut.WaitForAssertionAsync(() => Assert.Equal(7, cut.FindAll("[data-testid=tail-line]").Count), Patience);
        Assert.EndsWith($"/api/monitor/sessions/{session.Id}/export?format=txt", cut.Find("[data-testid=export-txt]").GetAttribute("href"));

        await cut.Find("[data-testid=filter-command]").InputAsync("get");
        await cut.Find("[data-testid=filter-client]").InputAsync("10.0.0.1");
        await cut.Find("[data-testid=filter-apply]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Equal("2", cut.Find("[data-testid=match-count]").GetAttribute("data-count")), Patience);
        var lines = cut.FindAll("[data-testid=tail-line]");
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal("GET", l.QuerySelector(".t-cmd")!.TextContent));
        Assert.Contains("2 matching lines", cut.Find("[data-testid=match-count]").TextContent);
        Assert.True(cut.Find("[data-testid=page-next]").HasAttribute("disabled"));
        var query = HttpUtility.ParseQueryString(new Uri(cut.Find("[data-testid=export-ndjson]").GetAttribute("href")!).Query);
        Assert.Equal(("ndjson", "GET", "10.0.0.1"), (query["format"], query["command"], query["client"]));

        await cut.Find("[data-testid=filter-clear]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Equal(7, cut.FindAll("[data-testid=tail-line]").Count), Patience);
        Assert.Contains("lines 1–7 of 7", cut.Find("[data-testid=page-range]").TextContent);
        Assert.EndsWith("export?format=csv", cut.Find("[data-testid=export-csv]").GetAttribute("href"));
    }

    [Fact]
    public async Task The_analysis_tab_analyses_the_filtered_lines_only_once_opened()
    {
        var session = await QueryCapture.ImportAsync(Service<SessionImport>());
        var cut = Ctx.Render<SessionPage>(p => p.Add(s => s.Id, session.Id));
        await cut.WaitForAssertionAsync(() => Assert.Equal(7, cut.FindAll("[data-testid=tail-line]").Count), Patience);
        Assert.Empty(cut.FindAll("[data-testid=analysis-panel]")); // nothing computed before the tab opens

        await cut.Find("[data-testid=filter-key]").InputAsync("user:*");
        await cut.Find("[data-testid=filter-apply]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Equal("4", cut.Find("[data-testid=match-count]").GetAttribute("data-count")), Patience);

        await cut.FindAll(".mud-tab").Single(t => t.TextContent.Contains("Analysis")).ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Equal("ready", cut.Find("[data-testid=analysis-panel]").GetAttribute("data-state")), Patience);
        Assert.Equal("4", cut.Find("[data-testid=analysis-lines]").GetAttribute("data-count"));
        Assert.Equal(["GET", "SET"], cut.FindAll("[data-testid=analysis-commands] tbody tr").Select(r => r.GetAttribute("data-cmd")));

        // Back on Lines, the filter and its lines are still there.
        await cut.FindAll(".mud-tab").Single(t => t.TextContent.Contains("Lines")).ClickAsync(new MouseEventArgs());
        Assert.Equal("user:*", cut.Find("[data-testid=filter-key]").GetAttribute("value"));
        Assert.Equal(4, cut.FindAll("[data-testid=tail-line]").Count);
    }

    [Fact]
    public async Task The_monitor_page_opens_the_import_dialog()
    {
        var cut = Ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MonitorPage>(2);
            builder.CloseComponent();
        });
        _ = (await cut.WaitForElementAsync("[data-testid=import-open]", Patience)).ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=import-file]", Patience);
        Assert.Equal("file", cut.Find("[data-testid=import-file]").GetAttribute("type"));
        Assert.Equal("default", cut.Find("[data-testid=import-connection]").GetAttribute("value")); // the selected connection's name
    }
}
