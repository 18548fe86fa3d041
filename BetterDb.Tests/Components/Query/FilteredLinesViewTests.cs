using BetterDb.Blazor.Components.Query;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;
using Bunit;

namespace BetterDb.Tests.Components.Query;

/// <summary>The filtered stored-lines view over a real imported session.</summary>
public sealed class FilteredLinesViewTests : ComponentTestContext
{
    [Fact]
    public async Task Pages_of_matching_lines_go_next_and_back_and_the_count_arrives()
    {
        var session = await QueryCapture.ImportManyAsync(Service<SessionImport>(), 2_500); // SET on odd lines: 1,250 matches
        var cut = Ctx.Render<FilteredLinesView>(p => p
            .Add(x => x.SessionId, session.Id)
            .Add(x => x.Filter, LineFilter.Create(["SET"]))
            .Add(x => x.PageSize, 500));

        cut.WaitForAssertion(() => Assert.Equal(500, cut.FindAll("[data-testid=tail-line]").Count), TimeSpan.FromSeconds(20));
        Assert.All(cut.FindAll("[data-testid=tail-line] .t-cmd"), c => Assert.Equal("SET", c.TextContent));
        Assert.Contains("k:1 v", cut.FindAll("[data-testid=tail-line]")[0].TextContent);
        Assert.Contains("matching lines 1–500", cut.Find("[data-testid=page-range]").TextContent);
        Assert.True(cut.Find("[data-testid=page-prev]").HasAttribute("disabled"));
        cut.WaitForAssertion(() => Assert.Equal("1250", cut.Find("[data-testid=match-count]").GetAttribute("data-count")), TimeSpan.FromSeconds(20));
        Assert.Contains("1,250 matching lines", cut.Find("[data-testid=match-count]").TextContent);

        cut.Find("[data-testid=page-next]").Click();
        cut.WaitForAssertion(() => Assert.Contains("matching lines 501–1,000", cut.Find("[data-testid=page-range]").TextContent));
        Assert.Contains("k:1001 v", cut.FindAll("[data-testid=tail-line]")[0].TextContent);
        cut.Find("[data-testid=page-next]").Click();

        // The last page is short: next is off.
        cut.WaitForAssertion(() => Assert.Equal(250, cut.FindAll("[data-testid=tail-line]").Count));
        Assert.Contains("matching lines 1,001–1,250", cut.Find("[data-testid=page-range]").TextContent);
        Assert.True(cut.Find("[data-testid=page-next]").HasAttribute("disabled"));
        Assert.Contains("k:2499 v", cut.FindAll("[data-testid=tail-line]")[^1].TextContent);

        cut.Find("[data-testid=page-prev]").Click();
        cut.WaitForAssertion(() => Assert.Contains("matching lines 501–1,000", cut.Find("[data-testid=page-range]").TextContent));
        Assert.False(cut.Find("[data-testid=page-next]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task A_new_filter_starts_over_and_no_match_says_so()
    {
        var session = await QueryCapture.ImportAsync(Service<SessionImport>());
        var cut = Ctx.Render<FilteredLinesView>(p => p.Add(x => x.SessionId, session.Id).Add(x => x.Filter, LineFilter.Create(keyGlob: "user:*")));

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=tail-line]").Count));
        Assert.Equal("4", cut.Find("[data-testid=match-count]").GetAttribute("data-count"));
        Assert.True(cut.Find("[data-testid=page-next]").HasAttribute("disabled"));

        // The text filter also reaches the malformed line.
        cut.Render(p => p.Add(x => x.Filter, LineFilter.Create(text: "not a monitor")));
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=match-count]").GetAttribute("data-count")));
        Assert.Contains("malformed", cut.Find("[data-testid=tail-line]").TextContent);

        cut.Render(p => p.Add(x => x.Filter, LineFilter.Create(db: 7)));
        cut.WaitForAssertion(() => Assert.Contains("No line matches the filter", cut.Find("[data-testid=page-range]").TextContent));
        Assert.Equal("0", cut.Find("[data-testid=match-count]").GetAttribute("data-count"));
        Assert.Empty(cut.FindAll("[data-testid=tail-line]"));
    }
}
