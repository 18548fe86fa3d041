using System.Diagnostics;
using BetterDb.Blazor.Ui;
using BetterDb.Core.Capture;

namespace BetterDb.Tests.Components;

/// <summary>The live tail's batching, pause and hold logic, without a browser or a renderer.</summary>
public sealed class TailFeedTests
{
    [Fact]
    public async Task Many_small_publishes_become_few_frames_with_every_line_in_order()
    {
        var tail = new LiveTail();
        using var feed = new TailFeed(tail, TimeSpan.FromMilliseconds(50));
        using var stop = new CancellationTokenSource();
        var frames = 0;
        var run = feed.RunAsync(() => { Interlocked.Increment(ref frames); return Task.CompletedTask; }, stop.Token);

        var clock = Stopwatch.StartNew();
        for (var block = 0; block < 2_000; block++)
        {
            tail.Publish(TailLines.Block(block * 2L, 2));
            if (block % 200 == 0) await Task.Delay(20);
        }
        await WaitUntilAsync(() => feed.Received == 4_000);
        var elapsed = clock.Elapsed;

        // One frame per 50 ms at most (plus the first one), never one per publish.
        Assert.InRange(frames, 1, (int)(elapsed.TotalMilliseconds / 50) + 3);
        Assert.Equal(Enumerable.Range(0, 4_000).Select(i => (long)i), feed.Lines.Select(l => l.Seq));
        Assert.Equal("SET", feed.Lines[^1].Cmd);
        Assert.Contains("key:3999", feed.Lines[^1].ArgsPreview);
        Assert.Equal(0, feed.Dropped);
        stop.Cancel();
        await run;
    }

    [Fact]
    public async Task The_view_keeps_the_newest_five_thousand_and_counts_the_rest()
    {
        var tail = new LiveTail();
        using var feed = new TailFeed(tail, TimeSpan.FromMilliseconds(10));
        using var stop = new CancellationTokenSource();
        var run = feed.RunAsync(() => Task.CompletedTask, stop.Token);

        TailLines.Publish(tail, 0, 8_000, perBlock: 1_000);
        await WaitUntilAsync(() => feed.Received == 8_000);

        Assert.Equal(TailFeed.ViewLines, feed.Lines.Count);
        Assert.Equal(3_000, feed.Lines[0].Seq);
        Assert.Equal(7_999, feed.Lines[^1].Seq);
        Assert.Equal(3_000, feed.ScrolledOut);
        Assert.Equal(0, feed.Dropped);
        stop.Cancel();
        await run;
    }

    [Fact]
    public async Task Scrolled_away_the_view_holds_still_and_catches_up_in_order_when_back()
    {
        var tail = new LiveTail();
        using var feed = new TailFeed(tail, TimeSpan.FromMilliseconds(10));
        using var stop = new CancellationTokenSource();
        var run = feed.RunAsync(() => Task.CompletedTask, stop.Token);
        TailLines.Publish(tail, 0, 10, perBlock: 10);
        await WaitUntilAsync(() => feed.Received == 10);

        feed.SetFollowing(false);
        TailLines.Publish(tail, 10, 20, perBlock: 5);
        await Task.Delay(200);
        Assert.Equal(10, feed.Lines.Count); // nothing moved under the reader
        Assert.Equal(20, feed.Waiting);
        Assert.True(feed.IsAway);

        feed.SetFollowing(true);
        await WaitUntilAsync(() => feed.Received == 30);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), feed.Lines.Select(l => l.Seq));
        stop.Cancel();
        await run;
    }

    [Fact]
    public async Task When_the_capture_ends_a_reader_who_scrolled_away_keeps_their_place_until_they_come_back()
    {
        var tail = new LiveTail();
        using var feed = new TailFeed(tail, TimeSpan.FromMilliseconds(10));
        var run = feed.RunAsync(() => Task.CompletedTask, CancellationToken.None);
        feed.SetFollowing(false);
        TailLines.Publish(tail, 0, 7, perBlock: 7);

        tail.Complete();

        // The capture ended: the view says so (CaptureEnded), but the lines the reader looks at stay put.
        await Task.Delay(700);
        Assert.True(feed.CaptureEnded);
        Assert.False(feed.IsEnded);
        Assert.False(run.IsCompleted);

        // Back at the newest line, the held lines come in and the feed ends.
        feed.SetFollowing(true);
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(feed.IsEnded);
        Assert.Equal(7, feed.Lines.Count);
    }

    [Fact]
    public void Disposing_the_feed_unsubscribes_its_viewer_only()
    {
        var tail = new LiveTail();
        var first = new TailFeed(tail);
        using var second = new TailFeed(tail);
        Assert.Equal(2, tail.ViewerCount);

        first.Dispose();

        Assert.Equal(1, tail.ViewerCount);
        Assert.False(tail.IsCompleted);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(10);
        }
    }
}
