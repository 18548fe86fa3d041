using System.Text;
using BetterDb.Blazor.Components.Pages;
using BetterDb.Core.Capture;
using Bunit;
using Microsoft.AspNetCore.Components.Web;

namespace BetterDb.Tests.Components;

/// <summary>A finished session's page reads its stored lines back a page at a time.</summary>
public sealed class StoredLinesTests : ComponentTestContext
{
    [Fact]
    public async Task A_finished_session_shows_its_stored_lines_in_pages_of_five_hundred()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 1_200; i++) text.Append($"1732958593.{i:000000} [0 127.0.0.1:5000] \"set\" \"key:{i}\" \"v{i}\"\n");
        var session = await Service<SessionImport>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), "default", "test");

        var cut = Ctx.Render<SessionPage>(p => p.Add(s => s.Id, session.Id));

        await cut.WaitForAssertionAsync(() => Assert.Equal(500, cut.FindAll("[data-testid=tail-line]").Count), Patience);
        Assert.Equal("stored", cut.Find("[data-testid=tail]").GetAttribute("data-mode"));
        Assert.Equal("completed", cut.Find("[data-testid=session-status]").TextContent.Trim());
        Assert.Equal("1,200", cut.Find("[data-testid=line-count]").TextContent.Trim()); // as every table writes a count
        Assert.Empty(cut.FindAll("[data-testid=stop-session]"));
        Assert.Contains("key:0 v0", cut.FindAll("[data-testid=tail-line]")[0].TextContent);
        Assert.Contains("lines 1–500 of 1,200", cut.Find("[data-testid=page-range]").TextContent);
        Assert.True(cut.Find("[data-testid=page-prev]").HasAttribute("disabled"));

        await cut.Find("[data-testid=page-next]").ClickAsync(new MouseEventArgs());
        await cut.Find("[data-testid=page-next]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Equal(200, cut.FindAll("[data-testid=tail-line]").Count), Patience);
        Assert.Contains("key:1000 v1000", cut.FindAll("[data-testid=tail-line]")[0].TextContent);
        Assert.Contains("key:1199 v1199", cut.FindAll("[data-testid=tail-line]")[^1].TextContent);
        Assert.True(cut.Find("[data-testid=page-next]").HasAttribute("disabled"));

        await cut.Find("[data-testid=page-prev]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Contains("key:500 v500", cut.FindAll("[data-testid=tail-line]")[0].TextContent), Patience);
    }

    [Fact]
    public async Task An_unknown_session_says_so()
    {
        var cut = Ctx.Render<SessionPage>(p => p.Add(s => s.Id, "nope"));

        await cut.WaitForElementAsync("[data-testid=session-missing]", Patience);
        Assert.Empty(cut.FindAll("[data-testid=tail]"));
    }
}
