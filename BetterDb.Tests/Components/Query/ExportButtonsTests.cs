using System.Web;
using BetterDb.Blazor.Components.Query;
using BetterDb.Core.Lines;
using Bunit;
using MudBlazor.Services;

namespace BetterDb.Tests.Components.Query;

public sealed class ExportButtonsTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();

    public ExportButtonsTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
    }

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _ctx.DisposeAsync();

    [Fact]
    public void Each_format_links_the_export_endpoint_with_the_filter_url_encoded()
    {
        var filter = LineFilter.Create(["GET", "SET"], client: "10.0.0.1:50", keyGlob: "user:[a&b]* x", db: 1,
            afterTs: 1_700_000_000_000, beforeTs: 1_700_000_009_999, text: "a=b&c");
        var cut = _ctx.Render<ExportButtons>(p => p.Add(x => x.SessionId, "s1").Add(x => x.Filter, filter));

        foreach (var format in new[] { "json", "ndjson", "csv", "txt" })
        {
            var link = cut.Find($"[data-testid=export-{format}]");
            Assert.Equal("A", link.TagName);
            Assert.True(link.HasAttribute("download"));
            var href = new Uri(link.GetAttribute("href")!);
            Assert.Equal("/api/monitor/sessions/s1/export", href.AbsolutePath);
            var query = HttpUtility.ParseQueryString(href.Query);
            Assert.Equal(format, query["format"]);
            Assert.Equal("GET,SET", query["command"]);
            Assert.Equal("10.0.0.1:50", query["client"]);
            Assert.Equal("user:[a&b]* x", query["key"]);
            Assert.Equal("1", query["db"]);
            Assert.Equal("1700000000000", query["afterTs"]);
            Assert.Equal("1700000009999", query["beforeTs"]);
            Assert.Equal("a=b&c", query["text"]);
            // What the server will read back is the same filter.
            var parsed = LineFilter.Parse(name => query[name]);
            Assert.Equal(filter.ToQuery(), parsed.ToQuery());
        }
    }

    [Fact]
    public void Without_a_filter_the_links_carry_only_the_format_and_follow_a_new_filter()
    {
        var cut = _ctx.Render<ExportButtons>(p => p.Add(x => x.SessionId, "abc"));
        Assert.EndsWith("/api/monitor/sessions/abc/export?format=csv", cut.Find("[data-testid=export-csv]").GetAttribute("href"));

        cut.Render(p => p.Add(x => x.Filter, LineFilter.Create(db: 4)));
        Assert.EndsWith("/api/monitor/sessions/abc/export?format=csv&db=4", cut.Find("[data-testid=export-csv]").GetAttribute("href"));
    }
}
