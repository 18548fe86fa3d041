using System.Text;
using BetterDb.Blazor.Components.Pages;
using BetterDb.Blazor.Components.Tail;
using BetterDb.Blazor.Ui;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace BetterDb.Tests.Components;

/// <summary>
/// Issue 12, items 5 and 8-10: the filter in the URL, the line detail panel (session line number, each argument with its
/// length, visible escapes, hex, copies), keys with a newline shown and typed as \n, non-ASCII text search, glob warnings.
/// </summary>
public sealed class ReadingLinesTests : ComponentTestContext
{
    private BunitNavigationManager Navigation => Ctx.Services.GetRequiredService<BunitNavigationManager>();

    /// <summary>Six lines: 0 SET, 1 GET, 2 SET with a newline in its key, 3 GET, 4 SET José, 5 a binary value.</summary>
    private static readonly string[] Lines =
    [
        "1700000000.000000 [0 10.0.0.1:5000] \"SET\" \"user:1\" \"alice\"",
        "1700000000.000100 [0 10.0.0.1:5000] \"GET\" \"user:1\"",
        "1700000000.000200 [0 10.0.0.1:5000] \"SET\" \"user:\\n1\" \"two\\nlines\"",
        "1700000000.000300 [3 10.0.0.2:6000] \"GET\" \"it's\"",
        "1700000000.000400 [0 10.0.0.1:5000] \"SET\" \"name\" \"Jos\\xc3\\xa9 \\xe6\\x97\\xa5\\xe6\\x9c\\xac\"",
        "1700000000.000500 [0 10.0.0.1:5000] \"SET\" \"bin\" \"\\x01\\xff\"",
    ];

    private async Task<CaptureSession> ImportAsync() =>
        await Service<SessionImport>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", Lines) + "\n")), "default", "tests");

    private IRenderedComponent<IComponent> RenderSession(string id, string query = "")
    {
        Navigation.NavigateTo($"monitor/sessions/{id}{query}");
        return Ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<CascadingValue<TimeZoneInfo>>(1);
            builder.AddAttribute(2, "Value", TimeZoneInfo.Utc);
            builder.AddAttribute(3, "ChildContent", (RenderFragment)(b =>
            {
                b.OpenComponent<SessionPage>(0);
                b.AddAttribute(1, nameof(SessionPage.Id), id);
                b.CloseComponent();
            }));
            builder.CloseComponent();
        });
    }

    private static List<string> Seqs(IRenderedComponent<IComponent> cut) =>
        cut.FindAll("[data-testid=tail-line]").Select(l => l.GetAttribute("data-seq")!).ToList();

    [Fact]
    public async Task The_filter_comes_from_the_url_and_a_new_one_is_a_new_url()
    {
        var session = await ImportAsync();
        var cut = RenderSession(session.Id, "?command=GET");
        await cut.WaitForAssertionAsync(() => Assert.Equal(["1", "3"], Seqs(cut)), Patience);
        Assert.Equal("GET", cut.Find("[data-testid=filter-command]").GetAttribute("value"));

        await cut.Find("[data-testid=filter-command]").InputAsync("set");
        await cut.Find("[data-testid=filter-client]").InputAsync("10.0.0.1");
        await cut.Find("[data-testid=filter-apply]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Contains("command=SET", Navigation.Uri), Patience);
        Assert.Contains("client=10.0.0.1", Navigation.Uri);
        await cut.WaitForAssertionAsync(() => Assert.Equal(["0", "2", "4", "5"], Seqs(cut)), Patience);

        // Back (the previous URL) brings the previous filter back.
        Navigation.NavigateTo($"monitor/sessions/{session.Id}?command=GET");
        await cut.WaitForAssertionAsync(() => Assert.Equal(["1", "3"], Seqs(cut)), Patience);
        Assert.Equal("GET", cut.Find("[data-testid=filter-command]").GetAttribute("value"));

        // A bad value in a hand-edited link is said, and the page still opens.
        Navigation.NavigateTo($"monitor/sessions/{session.Id}?db=-1");
        await cut.WaitForAssertionAsync(() => Assert.Contains("database", cut.Find("[data-testid=url-filter-error]").TextContent), Patience);
    }

    [Fact]
    public async Task The_detail_of_a_filtered_line_gives_its_session_number_each_argument_and_copies()
    {
        var session = await ImportAsync();
        var copy = Ctx.JSInterop.SetupModule().Setup<bool>("copyText", _ => true);
        copy.SetResult(true);
        var cut = RenderSession(session.Id, "?command=SET&db=0");
        await cut.WaitForAssertionAsync(() => Assert.Equal(["0", "2", "4", "5"], Seqs(cut)), Patience);

        await cut.WaitForAssertionAsync(() => Assert.Equal("4", cut.Find("[data-testid=match-count]").GetAttribute("data-count")), Patience);
        await cut.InvokeAsync(() => cut.FindAll("[data-testid=tail-line]")[1].Click()); // the second match
        var detail = await cut.WaitForElementAsync("[data-testid=tail-line-detail]", Patience);
        // Its number in the session (line 3), not "Line 2" of the matches.
        Assert.Equal("Line 3", cut.Find("[data-testid=line-detail-number]").TextContent.Trim());
        Assert.Equal("2", detail.GetAttribute("data-seq"));
        var args = cut.FindAll("[data-testid=detail-arg]");
        Assert.Equal(["3", "7", "9"], args.Select(a => a.GetAttribute("data-bytes")));
        var texts = cut.FindAll("[data-testid=detail-arg-text]").Select(t => t.TextContent).ToList();
        Assert.Equal(["SET", @"user:\n1", @"two\nlines"], texts); // the newline visible, not a space

        await cut.InvokeAsync(() => cut.Find("[data-testid=detail-view-hex]").Click());
        await cut.WaitForAssertionAsync(() => Assert.Contains("75 73 65 72 3a 0a 31", cut.FindAll("[data-testid=detail-arg-hex]")[1].TextContent), Patience);

        await cut.Find("[data-testid=copy-cli]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Equal(@"redis-cli SET $'user:\n1' $'two\nlines'", cut.Find("[data-testid=line-detail-cli]").TextContent), Patience);
        Assert.Contains(copy.Invocations, i => (string?)i.Arguments[0] == @"redis-cli SET $'user:\n1' $'two\nlines'");
        await cut.Find("[data-testid=copy-raw]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Contains(copy.Invocations, i => (string?)i.Arguments[0] == Lines[2]), Patience);

        // Next goes to the next match: line 5, José in its own argument.
        await cut.Find("[data-testid=line-detail-next]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Equal("Line 5", cut.Find("[data-testid=line-detail-number]").TextContent.Trim()), Patience);
        Assert.NotEmpty(cut.FindAll("[data-testid=detail-arg-hex]")); // the view chosen stays chosen
        await cut.InvokeAsync(() => cut.Find("[data-testid=detail-view-text]").Click());
        Assert.Equal("José 日本", cut.FindAll("[data-testid=detail-arg-text]")[2].TextContent);
        Assert.Equal("12", cut.FindAll("[data-testid=detail-arg]")[2].GetAttribute("data-bytes")); // 5 + 1 + 6 UTF-8 bytes

        await cut.Find("[data-testid=line-detail-close]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Empty(cut.FindAll("[data-testid=tail-line-detail]")), Patience);
    }

    [Fact]
    public async Task A_key_with_a_newline_reads_with_its_escape_and_the_pattern_typed_from_it_finds_it()
    {
        var session = await ImportAsync();
        var cut = RenderSession(session.Id);
        await cut.WaitForAssertionAsync(() => Assert.Equal(6, Seqs(cut).Count), Patience);
        var row = cut.FindAll("[data-testid=tail-line]")[2];
        Assert.Equal(@"user:\n1 two\nlines", row.QuerySelector(".t-args")!.TextContent);
        Assert.Contains(@"\x01\xff", cut.FindAll("[data-testid=tail-line]")[5].TextContent);

        await cut.Find("[data-testid=filter-key]").InputAsync(@"user:\n1");
        await cut.Find("[data-testid=filter-apply]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Equal(["2"], Seqs(cut)), Patience);
        // The URL (and the API) carry the plain Redis glob; the field shows it as typed.
        Assert.Contains("key=user%3A%0A1", Navigation.Uri);
        Assert.Equal(@"user:\n1", cut.Find("[data-testid=filter-key]").GetAttribute("value"));
    }

    [Theory]
    [InlineData("José")]
    [InlineData("日本")]
    public async Task Text_search_finds_decoded_non_ascii(string text)
    {
        var session = await ImportAsync();
        var cut = RenderSession(session.Id, "?text=" + Uri.EscapeDataString(text));
        await cut.WaitForAssertionAsync(() => Assert.Equal(["4"], Seqs(cut)), Patience);
        Assert.Contains("José 日本", cut.Find("[data-testid=tail-line]").TextContent);
    }

    [Fact]
    public async Task A_glob_redis_reads_oddly_is_explained_as_it_is_typed()
    {
        var session = await ImportAsync();
        var cut = RenderSession(session.Id);
        await cut.WaitForAssertionAsync(() => Assert.Equal(6, Seqs(cut).Count), Patience);
        Assert.Empty(cut.FindAll("[data-testid=filter-warning]"));

        await cut.Find("[data-testid=filter-key]").InputAsync("user:[");
        await cut.WaitForAssertionAsync(() => Assert.Contains("never closed", cut.Find("[data-testid=filter-warning]").TextContent), Patience);
        await cut.Find("[data-testid=filter-key]").InputAsync("user\\");
        await cut.WaitForAssertionAsync(() => Assert.Contains("literal backslash", cut.Find("[data-testid=filter-warning]").TextContent), Patience);
        await cut.Find("[data-testid=filter-apply]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Contains("No line matches", cut.Find("[data-testid=page-range]").TextContent), Patience);
        Assert.Contains("Redis", cut.Find("[data-testid=filter-warning]").TextContent);
    }
}

/// <summary>Issue 12, items 7 and 11: the live tail's own filter, and a capture that ends while the view is held.</summary>
public sealed class LiveViewTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public LiveViewTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
    }

    private async Task<IRenderedComponent<LiveTailView>> RenderTail(LiveTail tail, LineFilter? filter = null, string? reason = null, Action? shown = null)
    {
        var cut = _ctx.Render<LiveTailView>(p => p
            .Add(v => v.Tail, tail)
            .Add(v => v.Filter, filter)
            .Add(v => v.EndedReason, reason)
            .Add(v => v.OnShowStored, () => shown?.Invoke()));
        await cut.WaitForStateAsync(() => cut.Instance.Feed is not null, Patience);
        return cut;
    }

    private static List<long> Seqs(IRenderedComponent<LiveTailView> cut) =>
        cut.FindAll("[data-testid=tail-line]").Select(l => long.Parse(l.GetAttribute("data-seq")!)).ToList();

    [Fact]
    public async Task A_filter_narrows_the_view_only_and_counts_what_it_hides()
    {
        var tail = new LiveTail();
        TailLines.Publish(tail, 0, 100, perBlock: 25); // in view before the filter: re-filtered at once
        var cut = await RenderTail(tail, LineFilter.Create(keyGlob: "key:1?"));
        await cut.WaitForAssertionAsync(() => Assert.Equal(Enumerable.Range(10, 10).Select(i => (long)i), Seqs(cut)), Patience);
        Assert.Equal("90", cut.Find("[data-testid=tail-hidden]").GetAttribute("data-count"));
        Assert.Contains("the capture keeps them all", cut.Find("[data-testid=tail-filter-counts]").TextContent);

        TailLines.Publish(tail, 100, 100, perBlock: 50);
        await cut.WaitForAssertionAsync(() => Assert.Equal("190", cut.Find("[data-testid=tail-hidden]").GetAttribute("data-count")), Patience);
        Assert.Equal(10, Seqs(cut).Count); // key:100..199 do not match key:1?
        Assert.Equal(200, cut.Instance.Feed!.Recent.Count); // the view still received every line

        // A new filter applies to what is already in view; none shows everything.
        cut.Render(p => p.Add(v => v.Filter, LineFilter.Create(text: "key:15")));
        await cut.WaitForAssertionAsync(() => Assert.Equal([15L, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159], Seqs(cut)), Patience);
        cut.Render(p => p.Add(v => v.Filter, null));
        await cut.WaitForAssertionAsync(() => Assert.Equal(200, cut.Instance.Feed!.Lines.Count), Patience);
        Assert.Equal(199, Seqs(cut).Last());
        Assert.Empty(cut.FindAll("[data-testid=tail-hidden]"));
    }

    [Fact]
    public async Task A_capture_that_ends_while_paused_says_so_with_its_reason_and_waits_for_the_reader()
    {
        var tail = new LiveTail();
        var storedAsked = false;
        var cut = await RenderTail(tail, shown: () => storedAsked = true);
        TailLines.Publish(tail, 0, 10, perBlock: 10);
        await cut.WaitForAssertionAsync(() => Assert.Equal(10, Seqs(cut).Count), Patience);
        await cut.Find("[data-testid=pause-tail]").ClickAsync(new MouseEventArgs());
        TailLines.Publish(tail, 10, 5, perBlock: 5);
        tail.Complete();
        cut.Render(p => p.Add(v => v.EndedReason, "byte_cap"));

        var banner = await cut.WaitForElementAsync("[data-testid=tail-ended-banner]", Patience);
        Assert.Contains("The capture ended", banner.TextContent);
        Assert.Contains("reached its byte cap", banner.TextContent);
        Assert.Contains("paused", banner.TextContent);
        Assert.Equal("byte_cap", banner.GetAttribute("data-reason"));

        // Resumed, the held lines show and the banner stays (the page does not jump away); the stored lines on request.
        await cut.Find("[data-testid=tail-ended-resume]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Equal(15, Seqs(cut).Count), Patience);
        Assert.NotNull(cut.Find("[data-testid=tail-ended-banner]"));
        await cut.Find("[data-testid=tail-ended-stored]").ClickAsync(new MouseEventArgs());
        Assert.True(storedAsked);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();
}
