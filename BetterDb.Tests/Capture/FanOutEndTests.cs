using BetterDb.Core.Capture;
using BetterDb.Core.Connections;
using BetterDb.Testing;

namespace BetterDb.Tests.Capture;

/// <summary>How a fan-out session's status and reason follow from its nodes' (pure), and the caps its writers share.</summary>
public sealed class FanOutEndTests
{
    private static ClusterNode Node(string id, int port) => new(id, $"10.0.0.5:{port}", "primary", true);

    private static readonly ClusterNode A = Node("aaaaaaaa11112222", 7000), B = Node("bbbbbbbb33334444", 7001), C = Node("cccccccc55556666", 7002);

    [Fact]
    public void The_worst_segment_decides_and_its_reason_names_the_node()
    {
        var end = FanOutEnd.Combine([(A, CaptureEnd.ManualStop), (B, CaptureEnd.SourceError("connection reset")), (C, CaptureEnd.ManualStop)]);
        Assert.Equal(CaptureStatus.Failed, end.Status);
        Assert.Equal("source_error: node 10.0.0.5:7001 (bbbbbbbb): connection reset", end.Reason);
        Assert.Equal(EndReasonKind.SourceError, EndReasonKind.KindOf(end.Reason));
    }

    [Fact]
    public void Failed_beats_interrupted_beats_truncated_beats_completed_and_more_nodes_are_counted()
    {
        Assert.Equal(CaptureStatus.Interrupted,
            FanOutEnd.Combine([(A, CaptureEnd.ByteCap), (B, CaptureEnd.AppShutdown), (C, CaptureEnd.DurationCap)]).Status);
        var two = FanOutEnd.Combine([(A, CaptureEnd.MonitorOpenFailed("refused")), (B, CaptureEnd.SourceError("reset")), (C, CaptureEnd.ByteCap)]);
        Assert.Equal("monitor_open_failed: node 10.0.0.5:7000 (aaaaaaaa): refused (and 1 more node)", two.Reason);
    }

    [Fact]
    public void Nodes_that_all_ended_alike_give_the_plain_reason()
    {
        Assert.Equal(CaptureEnd.LineCap, FanOutEnd.Combine([(A, CaptureEnd.LineCap), (B, CaptureEnd.LineCap), (C, CaptureEnd.LineCap)]));
        Assert.Equal(CaptureEnd.DurationCap, FanOutEnd.Combine([(A, CaptureEnd.DurationCap), (B, CaptureEnd.ManualStop)]));
    }

    [Fact]
    public async Task Writers_sharing_caps_store_at_most_the_sessions_lines_and_bytes_between_them()
    {
        var store = new MemoryChunkStore();
        var caps = new SharedCaps(long.MaxValue, 25);
        await using var a = new CaptureWriter("s", "a", long.MaxValue, long.MaxValue, store, shared: caps);
        await using var b = new CaptureWriter("s", "b", long.MaxValue, long.MaxValue, store, shared: caps);
        var tasks = new[] { a, b }.Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 100 && w.Append("1796155161.000001 [0 10.0.0.1:5000] \"GET\" \"k\""u8); i++) { }
        }));
        await Task.WhenAll(tasks);
        Assert.Equal(25, a.LineCount + b.LineCount);
        Assert.Equal(CaptureEnd.LineCap, a.CapReached ?? b.CapReached);
        Assert.True(a.CapReached is not null && b.CapReached is not null, "both writers stop once the session's cap is reached");

        var bytes = new SharedCaps(100, long.MaxValue);
        await using var c = new CaptureWriter("t", "c", long.MaxValue, long.MaxValue, store, shared: bytes);
        await using var d = new CaptureWriter("t", "d", long.MaxValue, long.MaxValue, store, shared: bytes);
        var line = "1796155161.000001 [0 10.0.0.1:5000] \"GET\" \"k\""u8.ToArray(); // 45 bytes and its '\n': two fit in 100, not three
        Assert.True(c.Append(line));
        Assert.True(d.Append(line));
        Assert.False(c.Append(line));
        Assert.Equal(CaptureEnd.ByteCap, c.CapReached);
        Assert.Equal(2 * (line.Length + 1), c.ByteCount + d.ByteCount);
    }
}
