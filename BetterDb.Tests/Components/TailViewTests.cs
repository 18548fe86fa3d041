using System.Diagnostics;
using BetterDb.Blazor.Components.Tail;
using BetterDb.Blazor.Ui;
using BetterDb.Core.Capture;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor.Services;

namespace BetterDb.Tests.Components;

/// <summary>The live tail view over a real in-memory <see cref="LiveTail"/>.</summary>
public sealed class TailViewTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();

    public TailViewTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
    }

    private async Task<IRenderedComponent<LiveTailView>> RenderTail(LiveTail tail, Action? onEnded = null)
    {
        var cut = _ctx.Render<LiveTailView>(p => p
            .Add(v => v.Tail, tail)
            .Add(v => v.FrameInterval, TailFeed.DefaultFrameInterval)
            .Add(v => v.OnEnded, () => onEnded?.Invoke()));
        await cut.WaitForStateAsync(() => cut.Instance.Feed is not null, Patience);
        return cut;
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static long[] RenderedSeqs(IRenderedComponent<LiveTailView> cut) =>
        cut.FindAll("[data-testid=tail-line]").Select(l => long.Parse(l.GetAttribute("data-seq")!)).ToArray();

    private static long Count(IRenderedComponent<LiveTailView> cut, string testId) =>
        long.Parse(cut.Find($"[data-testid={testId}]").TextContent.Trim().Replace(",", ""));

    [Fact]
    public async Task A_flood_of_publishes_renders_in_a_few_batched_frames()
    {
        var tail = new LiveTail();
        var cut = await RenderTail(tail);
        var rendersBefore = cut.RenderCount;

        var clock = Stopwatch.StartNew();
        for (var block = 0; block < 3_000; block++)
        {
            tail.Publish(TailLines.Block(block * 3L, 3)); // 9,000 lines in all: within the viewer's queue, so none can be lost
            if (block % 300 == 0) await Task.Delay(15);
        }
        await cut.WaitForAssertionAsync(() => Assert.Equal(8_999, RenderedSeqs(cut).Last()), Patience);
        var elapsedMs = clock.Elapsed.TotalMilliseconds;

        // 3,000 publishes; the view asks for at most one render per ~100 ms frame (plus the first one).
        var frames = cut.Instance.Feed!.Frames;
        Assert.True(frames >= 1 && frames <= (int)(elapsedMs / 100) + 2, $"{frames} frames in {elapsedMs:0} ms");
        // All the renderer did (the view and its children, MudBlazor's included) stays far from one per publish.
        var renders = cut.RenderCount - rendersBefore;
        Assert.True(renders < 60, $"{renders} renders for 3,000 publishes");

        // The view holds the newest 5,000; the older 4,000 are noted, none were lost.
        var feed = cut.Instance.Feed!;
        Assert.Equal(TailFeed.ViewLines, feed.Lines.Count);
        Assert.Equal(4_000, feed.Lines[0].Seq);
        Assert.Equal("4000", cut.Find("[data-testid=tail-scrolled-out]").GetAttribute("data-count"));
        Assert.Equal(0, Count(cut, "tail-dropped"));
        Assert.Equal("live", cut.Find("[data-testid=tail]").GetAttribute("data-mode"));
    }

    [Fact]
    public async Task Each_line_shows_time_db_client_the_highlighted_verb_and_its_arguments()
    {
        var tail = new LiveTail();
        var cut = await RenderTail(tail);
        var raw = "1732958593.123456 [3 10.0.0.7:6000] \"hset\" \"user:1\" \"name\" \"Ada Lovelace\"\n"u8.ToArray();
        tail.Publish(new TailBlock(raw, [raw.Length], 0));

        await cut.WaitForAssertionAsync(() => Assert.Single(cut.FindAll("[data-testid=tail-line]")), Patience);
        var line = cut.Find("[data-testid=tail-line]");
        Assert.EndsWith(".123456", line.QuerySelector(".t-time")!.TextContent);
        Assert.Equal("3", line.QuerySelector(".t-db")!.TextContent);
        Assert.Equal("10.0.0.7:6000", line.QuerySelector(".t-addr")!.TextContent);
        Assert.Equal("HSET", line.QuerySelector(".t-cmd")!.TextContent);
        Assert.Equal("user:1 name \"Ada Lovelace\"", line.QuerySelector(".t-args")!.TextContent);

        await line.ClickAsync(new MouseEventArgs());
        Assert.Contains("\"hset\" \"user:1\" \"name\" \"Ada Lovelace\"", cut.Find("[data-testid=tail-line-detail]").TextContent);
    }

    [Fact]
    public async Task Joining_mid_session_shows_the_recent_backlog_first()
    {
        var tail = new LiveTail();
        TailLines.Publish(tail, 0, 7_000, perBlock: 500);

        var cut = await RenderTail(tail);
        await cut.WaitForAssertionAsync(() => Assert.Equal(6_999, RenderedSeqs(cut).Last()), Patience);
        tail.Publish(TailLines.Block(7_000, 3));

        await cut.WaitForAssertionAsync(() => Assert.Equal(7_002, RenderedSeqs(cut).Last()), Patience);
        var feed = cut.Instance.Feed!;
        Assert.Equal(Enumerable.Range(2_003, 5_000).Select(i => (long)i), feed.Lines.Select(l => l.Seq));
        Assert.Equal(0, feed.Dropped);
    }

    [Fact]
    public async Task Pause_holds_new_lines_and_resume_shows_them_in_order()
    {
        var tail = new LiveTail();
        var cut = await RenderTail(tail);
        TailLines.Publish(tail, 0, 100, perBlock: 50);
        await cut.WaitForAssertionAsync(() => Assert.Equal(99, RenderedSeqs(cut).Last()), Patience);

        await cut.Find("[data-testid=pause-tail]").ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=resume-tail]", Patience);
        TailLines.Publish(tail, 100, 300, perBlock: 100);

        await cut.WaitForAssertionAsync(() => Assert.Equal(300, Count(cut, "tail-held")), Patience);
        Assert.Equal(99, RenderedSeqs(cut).Last()); // frozen
        Assert.Empty(cut.FindAll("[data-testid=pause-tail]"));

        await cut.Find("[data-testid=resume-tail]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Equal(399, RenderedSeqs(cut).Last()), Patience);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => (long)i), cut.Instance.Feed!.Lines.Select(l => l.Seq));
        Assert.Empty(cut.FindAll("[data-testid=tail-held]"));
        Assert.NotNull(cut.Find("[data-testid=pause-tail]"));
        Assert.Equal(0, Count(cut, "tail-dropped"));
    }

    [Fact]
    public async Task A_pause_keeps_fifty_thousand_lines_and_tells_how_many_it_dropped()
    {
        var tail = new LiveTail();
        var cut = await RenderTail(tail);
        await cut.Find("[data-testid=pause-tail]").ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=resume-tail]", Patience);

        TailLines.Publish(tail, 0, 60_000, perBlock: 1_000);

        await cut.WaitForAssertionAsync(() =>
        {
            Assert.Equal(TailFeed.PausedCapacity, Count(cut, "tail-held"));
            Assert.Equal(10_000, Count(cut, "tail-dropped"));
        }, Patience);
        await cut.Find("[data-testid=resume-tail]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Equal(59_999, RenderedSeqs(cut).Last()), Patience);
        var feed = cut.Instance.Feed!;
        Assert.Equal(Enumerable.Range(55_000, 5_000).Select(i => (long)i), feed.Lines.Select(l => l.Seq));
        Assert.Equal(10_000, Count(cut, "tail-dropped"));
        Assert.Equal(50_000, feed.Received);
    }

    [Fact]
    public async Task A_viewer_that_falls_behind_loses_its_own_oldest_lines_and_says_how_many()
    {
        var tail = new LiveTail();
        var cut = await RenderTail(tail);

        // One block larger than the live queue (10,000) arrives between two frames.
        tail.Publish(TailLines.Block(0, 15_000));

        await cut.WaitForAssertionAsync(() => Assert.Equal(5_000, Count(cut, "tail-dropped")), Patience);
        Assert.Equal(14_999, RenderedSeqs(cut).Last());
    }

    [Fact]
    public async Task The_end_of_the_capture_is_reported_once_the_view_has_shown_everything()
    {
        var tail = new LiveTail();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cut = await RenderTail(tail, () => ended.TrySetResult());
        TailLines.Publish(tail, 0, 20, perBlock: 20);

        tail.Complete();

        await ended.Task.WaitAsync(Patience);
        Assert.Equal(19, RenderedSeqs(cut).Last());
        Assert.Empty(cut.FindAll("[data-testid=pause-tail]"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();
}
