using System.Text;
using BetterDb.Core.Capture;

namespace BetterDb.Tests.Capture;

public sealed class LiveTailTests
{
    private long _nextSeq;

    /// <summary>A block of <paramref name="lines"/> consecutive lines "line-N".</summary>
    private TailBlock Block(int lines)
    {
        var data = new MemoryStream();
        var ends = new int[lines];
        var first = _nextSeq;
        for (var i = 0; i < lines; i++)
        {
            data.Write(Encoding.ASCII.GetBytes($"line-{_nextSeq++}\n"));
            ends[i] = (int)data.Length;
        }
        return new TailBlock(data.ToArray(), ends, first);
    }

    private static List<(long Seq, string Text)> Read(TailViewer viewer, int max, out long dropped, out bool more)
    {
        var slices = new List<TailSlice>();
        more = viewer.TryRead(slices, max, out dropped);
        var result = new List<(long, string)>();
        foreach (var s in slices)
            for (var i = 0; i < s.Count; i++)
                result.Add((s.Seq(i), Encoding.ASCII.GetString(s.Line(i))));
        return result;
    }

    private static IEnumerable<(long, string)> Expected(long from, long toExclusive)
    {
        for (var i = from; i < toExclusive; i++) yield return (i, $"line-{i}");
    }

    [Fact]
    public void A_viewer_joining_gets_the_backlog_first()
    {
        var tail = new LiveTail(backlogLines: 100);
        for (var i = 0; i < 10; i++) tail.Publish(Block(30));

        using var last50 = tail.Subscribe(capacityLines: 1_000, backlogLines: 50);
        Assert.Equal(Expected(250, 300), Read(last50, 1_000, out var dropped, out _));
        Assert.Equal(0, dropped);

        using var last100 = tail.Subscribe(capacityLines: 1_000, backlogLines: 100);
        Assert.Equal(Expected(200, 300), Read(last100, 1_000, out dropped, out _));
        Assert.Equal(0, dropped);

        using var none = tail.Subscribe(capacityLines: 1_000, backlogLines: 0);
        Assert.Empty(Read(none, 1_000, out _, out _));

        // After the backlog, new lines follow in order.
        tail.Publish(Block(5));
        Assert.Equal(Expected(300, 305), Read(last50, 1_000, out _, out _));
        Assert.Equal(Expected(300, 305), Read(none, 1_000, out _, out _));
    }

    [Fact]
    public void The_backlog_of_big_lines_ends_at_its_byte_bound_and_keeps_the_newest()
    {
        var tail = new LiveTail(backlogLines: 5_000, backlogBytes: 64 * 1024);
        var pad = new string('x', 4000);
        for (var b = 0; b < 100; b++)
        {
            var data = new MemoryStream();
            var ends = new int[10];
            var first = _nextSeq;
            for (var i = 0; i < 10; i++)
            {
                data.Write(Encoding.ASCII.GetBytes($"line-{_nextSeq++} {pad}\n"));
                ends[i] = (int)data.Length;
            }
            tail.Publish(new TailBlock(data.ToArray(), ends, first));
        }

        using var viewer = tail.Subscribe(capacityLines: 10_000, backlogLines: 5_000);
        var lines = Read(viewer, 10_000, out _, out _);
        // 64 KB of ~4 KB lines is 16 of them; the oldest block kept may reach further back by less than a block.
        Assert.InRange(lines.Count, 16, 16 + 10);
        Assert.Equal(999, lines[^1].Seq);
        Assert.Equal(Enumerable.Range(1000 - lines.Count, lines.Count).Select(i => (long)i), lines.Select(l => l.Seq));

        // One block bigger than the bound is still shown whole.
        var huge = new LiveTail(backlogLines: 5_000, backlogBytes: 1024);
        huge.Publish(Block(1));
        huge.Publish(new TailBlock(Encoding.ASCII.GetBytes(pad + "\n"), [pad.Length + 1], _nextSeq++));
        using var one = huge.Subscribe(capacityLines: 100, backlogLines: 100);
        Assert.Single(Read(one, 100, out _, out _));
    }

    /// <summary><paramref name="lines"/> lines "line-N" padded to about <paramref name="pad"/> bytes, as the writer hands them over: bytes and line ends.</summary>
    private (byte[] Data, int[] Ends, long First) Lines(int lines, int pad = 0)
    {
        var data = new MemoryStream();
        var ends = new int[lines];
        var first = _nextSeq;
        for (var i = 0; i < lines; i++)
        {
            data.Write(Encoding.ASCII.GetBytes($"line-{_nextSeq++}{new string(' ', pad)}\n"));
            ends[i] = (int)data.Length;
        }
        return (data.ToArray(), ends, first);
    }

    private void PublishSpan(LiveTail tail, int lines)
    {
        var (data, ends, first) = Lines(lines);
        tail.Publish(data, ends, first);
    }

    [Fact]
    public void While_nobody_watches_the_backlog_reuses_its_arrays_and_still_holds_the_newest_lines()
    {
        var tail = new LiveTail(backlogLines: 5_000, backlogBytes: 256 * 1024);
        // 16 lines of ~4 KB a block: 64 KB each, like 4 KB values.
        var blocks = Enumerable.Range(0, 250).Select(_ => Lines(16, pad: 4_000)).ToList();
        foreach (var (data, ends, first) in blocks.Take(50)) tail.Publish(data, ends, first);
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var (data, ends, first) in blocks.Skip(50)) tail.Publish(data, ends, first);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // A copy of each block would be 200 x 64 KB.
        Assert.True(allocated < 200 * 64 * 1024 / 20, $"publishing 200 blocks of 64 KB with nobody watching allocated {allocated:N0} bytes");

        using var viewer = tail.Subscribe(capacityLines: 10_000, backlogLines: 5_000);
        var lines = Read(viewer, 10_000, out _, out _);
        Assert.Equal(_nextSeq - 1, lines[^1].Seq);
        Assert.Equal(Enumerable.Range((int)(_nextSeq - lines.Count), lines.Count).Select(i => (long)i), lines.Select(l => l.Seq));
        Assert.All(lines, l => Assert.StartsWith($"line-{l.Seq} ", l.Text));
        Assert.InRange(lines.Count, 64, 64 + 16);
    }

    [Fact]
    public void Lines_a_viewer_was_handed_are_never_overwritten_by_recycling()
    {
        var tail = new LiveTail(backlogLines: 64, backlogBytes: 1024 * 1024);
        for (var i = 0; i < 10; i++) PublishSpan(tail, 16);
        var viewer = tail.Subscribe(capacityLines: 1_000, backlogLines: 64);
        PublishSpan(tail, 16);
        var held = new List<TailSlice>();
        viewer.TryRead(held, 1_000, out _);
        viewer.Dispose();
        // Nobody watches now: blocks leaving the backlog are recycled, but never the ones handed to the viewer.
        for (var i = 0; i < 100; i++) PublishSpan(tail, 16);

        var text = held.SelectMany(s => Enumerable.Range(0, s.Count).Select(i => (s.Seq(i), Encoding.ASCII.GetString(s.Line(i))))).ToList();
        Assert.Equal(Expected(96, 176), text);
    }

    [Fact]
    public void A_viewer_behind_loses_its_own_oldest_lines_and_is_told_how_many()
    {
        var tail = new LiveTail();
        using var slow = tail.Subscribe(capacityLines: 100, backlogLines: 0);
        using var fast = tail.Subscribe(capacityLines: 10_000, backlogLines: 0);
        for (var i = 0; i < 25; i++) tail.Publish(Block(10));

        Assert.Equal(100, slow.QueuedLines);
        Assert.Equal(Expected(150, 250), Read(slow, 1_000, out var dropped, out var more));
        Assert.Equal(150, dropped);
        Assert.True(more);
        // The count is reported once.
        Assert.Empty(Read(slow, 1_000, out dropped, out _));
        Assert.Equal(0, dropped);

        // The other viewer lost nothing.
        Assert.Equal(Expected(0, 250), Read(fast, 1_000, out dropped, out _));
        Assert.Equal(0, dropped);
    }

    [Fact]
    public void Reading_in_small_pieces_keeps_order_across_block_boundaries()
    {
        var tail = new LiveTail();
        using var viewer = tail.Subscribe(capacityLines: 1_000, backlogLines: 0);
        for (var i = 0; i < 7; i++) tail.Publish(Block(13));

        var seen = new List<(long, string)>();
        while (seen.Count < 91)
        {
            var piece = Read(viewer, 4, out var dropped, out _);
            Assert.Equal(0, dropped);
            Assert.InRange(piece.Count, 1, 4);
            seen.AddRange(piece);
        }
        Assert.Equal(Expected(0, 91), seen);
    }

    [Fact]
    public void Lowering_a_viewers_capacity_drops_its_oldest_on_the_next_read()
    {
        var tail = new LiveTail();
        using var viewer = tail.Subscribe(capacityLines: 1_000, backlogLines: 0);
        tail.Publish(Block(50));
        viewer.CapacityLines = 20;
        Assert.Equal(Expected(30, 50), Read(viewer, 1_000, out var dropped, out _));
        Assert.Equal(30, dropped);
    }

    [ThreadStatic] private static bool _publishing;

    [Fact]
    public async Task A_viewer_that_never_reads_never_blocks_publishing()
    {
        var tail = new LiveTail();
        using var stuck = tail.Subscribe(capacityLines: 1_000, backlogLines: 0);
        // A viewer's wake-up code must never run on the publisher's thread (where a slow handler would stall the capture).
        var ranOnPublisher = false;
        var woken = stuck.WaitAsync().ContinueWith(_ => ranOnPublisher = _publishing, TaskContinuationOptions.ExecuteSynchronously);

        var publisher = Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                _publishing = true;
                tail.Publish(Block(50));
                _publishing = false;
            }
        });
        await publisher.WaitAsync(TimeSpan.FromSeconds(20));
        await woken.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(ranOnPublisher, "the viewer's continuation ran inside Publish");

        Assert.Equal(1_000, stuck.QueuedLines);
        Assert.Equal(Expected(249_000, 250_000), Read(stuck, 10_000, out var dropped, out _));
        Assert.Equal(249_000, dropped);
    }

    [Fact]
    public void Dispose_unsubscribes()
    {
        var tail = new LiveTail();
        var viewer = tail.Subscribe(capacityLines: 100, backlogLines: 0);
        var other = tail.Subscribe(capacityLines: 100, backlogLines: 0);
        Assert.Equal(2, tail.ViewerCount);

        viewer.Dispose();
        Assert.Equal(1, tail.ViewerCount);
        tail.Publish(Block(10));
        Assert.Equal(0, viewer.QueuedLines);
        Assert.Equal(10, other.QueuedLines);

        other.Dispose();
        Assert.Equal(0, tail.ViewerCount);
    }

    [Fact]
    public async Task Completion_lets_viewers_drain_then_ends_the_feed()
    {
        var tail = new LiveTail();
        using var viewer = tail.Subscribe(capacityLines: 1_000, backlogLines: 0);
        var wait = viewer.WaitAsync();
        Assert.False(wait.IsCompleted);

        tail.Publish(Block(5));
        await wait.WaitAsync(TimeSpan.FromSeconds(5));

        tail.Complete();
        Assert.True(tail.IsCompleted);
        tail.Publish(Block(5)); // ignored once complete
        Assert.False(viewer.IsCompleted, "lines are still queued");

        Assert.Equal(Expected(0, 5), Read(viewer, 1_000, out _, out var more));
        Assert.True(more);
        Assert.Empty(Read(viewer, 1_000, out _, out more));
        Assert.False(more);
        Assert.True(viewer.IsCompleted);
        Assert.True(viewer.WaitAsync().IsCompleted);

        // A viewer joining afterwards still gets the backlog, and is complete.
        using var late = tail.Subscribe(capacityLines: 1_000, backlogLines: 100);
        Assert.Equal(Expected(0, 5), Read(late, 1_000, out _, out _));
        Assert.True(late.IsCompleted);
    }

    [Fact]
    public async Task WaitAsync_wakes_on_completion_and_honours_cancellation()
    {
        var tail = new LiveTail();
        using var viewer = tail.Subscribe(backlogLines: 0);
        using var cts = new CancellationTokenSource();
        var cancelled = viewer.WaitAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        var wait = viewer.WaitAsync();
        tail.Complete();
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
