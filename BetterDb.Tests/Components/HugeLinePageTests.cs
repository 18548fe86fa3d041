using System.Text;
using BetterDb.Blazor.Components.Pages;
using BetterDb.Core.Capture;
using Bunit;
using Microsoft.AspNetCore.Components.Web;

namespace BetterDb.Tests.Components;

/// <summary>
/// The session page with lines far longer than a screen (issue 9, item 5): the list and the line detail show the start
/// of such a line with "… (N bytes in all)", and the page's HTML stays small whatever the lines' size.
/// </summary>
public sealed class HugeLinePageTests : ComponentTestContext
{
    private const int Huge = 8 * 1024 * 1024;

    [Fact]
    public async Task A_huge_line_is_shown_cut_with_its_size_in_the_list_and_the_detail()
    {
        var file = new MemoryStream();
        file.Write("1700000000.000001 [0 127.0.0.1:1] \"SET\" \"big\" \""u8);
        file.Write(Enumerable.Repeat((byte)'v', Huge).ToArray());
        file.Write("\"\n"u8);
        file.Write(Enumerable.Repeat((byte)'x', Huge).ToArray()); // a huge malformed line
        file.Write("\n1700000000.000002 [0 127.0.0.1:1] \"GET\" \"small\"\n"u8);
        file.Position = 0;
        var session = await Service<SessionImport>().ImportAsync(file, "default", "test", force: true);
        var bigBytes = 47 + Huge + 1;

        var cut = Ctx.Render<SessionPage>(p => p.Add(s => s.Id, session.Id));
        await cut.WaitForAssertionAsync(() => Assert.Equal(3, cut.FindAll("[data-testid=tail-line]").Count), Patience);

        // The whole page: nowhere near the 16 MB of the two lines.
        Assert.True(cut.Markup.Length < 64 * 1024, $"the page is {cut.Markup.Length} characters");
        var rows = cut.FindAll("[data-testid=tail-line]");
        Assert.Contains($"… ({bigBytes:#,0} bytes in all)", rows[0].TextContent);
        Assert.Contains($"xxxx… ({Huge:#,0} bytes in all)", rows[1].TextContent);
        Assert.DoesNotContain("bytes in all", rows[2].TextContent);
        Assert.Contains("small", rows[2].TextContent);

        await rows[0].ClickAsync(new MouseEventArgs());
        var raw = cut.WaitForElement("[data-testid=tail-raw]", Patience);
        Assert.StartsWith("1700000000.000001 [0 127.0.0.1:1] \"SET\" \"big\" \"vvvv", raw.TextContent);
        Assert.EndsWith("v…", raw.TextContent);
        Assert.Contains($"({bigBytes:#,0} bytes in all)", cut.Find("[data-testid=tail-raw-size]").TextContent);
        Assert.True(cut.Markup.Length < 128 * 1024, $"the page with the detail open is {cut.Markup.Length} characters");
    }
}
