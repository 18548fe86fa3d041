using System.Text;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;
using BetterDb.Testing;

namespace BetterDb.Tests.Capture;

/// <summary>
/// Issue 11 item 1: several writers (one per cluster node) feed one session; each numbers its own chunks and
/// lines, and reading merges them in timestamp order or picks one node.
/// </summary>
public sealed class NodeChunkTests
{
    private const long T0 = 1_796_155_161_000_000;

    private static string Line(long micros, string key) =>
        $"{micros / 1_000_000}.{micros % 1_000_000:D6} [0 10.0.0.1:5000] \"GET\" \"{key}\"";

    private static async Task<MemoryChunkStore> TwoNodesAsync()
    {
        var store = new MemoryChunkStore();
        var settings = new CaptureWriterSettings { ChunkMaxLines = 3, FlushInterval = TimeSpan.FromHours(1) };
        await using (var a = new CaptureWriter("s", "node-a", long.MaxValue, long.MaxValue, store, settings: settings))
        await using (var b = new CaptureWriter("s", "node-b", long.MaxValue, long.MaxValue, store, settings: settings))
        {
            // Node a has the even microseconds, node b the odd ones: merged, they alternate.
            for (var i = 0; i < 10; i++)
            {
                Assert.True(a.Append(Encoding.ASCII.GetBytes(Line(T0 + 2 * i, $"a{i}"))));
                Assert.True(b.Append(Encoding.ASCII.GetBytes(Line(T0 + 2 * i + 1, $"b{i}"))));
            }
            Assert.True(b.Append("not monitor output"u8));
        }
        return store;
    }

    [Fact]
    public async Task Each_node_numbers_its_own_chunks_and_both_are_stored()
    {
        var store = await TwoNodesAsync();
        var chunks = store.Chunks;
        Assert.Equal([0, 1, 2, 3], chunks.Where(c => c.NodeId == "node-a").Select(c => c.ChunkIndex));
        Assert.Equal([0, 1, 2, 3], chunks.Where(c => c.NodeId == "node-b").Select(c => c.ChunkIndex));
        Assert.Equal(0, chunks.Single(c => c.NodeId == "node-b" && c.ChunkIndex == 0).FirstLine);
        Assert.Equal(["node-a", "node-b"], await store.NodesAsync("s"));
    }

    [Fact]
    public async Task Reading_merges_the_nodes_in_timestamp_order_and_a_node_filter_reads_one()
    {
        var lines = new SessionLines(await TwoNodesAsync());
        var all = await lines.ReadAsync("s", 0, 100);
        var expected = Enumerable.Range(0, 10).SelectMany(i => new[] { ($"a{i}", "node-a"), ($"b{i}", "node-b") }).ToList();
        // The malformed line stays next to the line before it on its node: the last one.
        Assert.Equal(expected, all.Take(20).Select(l => (l.Args[0], l.NodeId!)));
        Assert.Equal(("not monitor output", "node-b"), (all[20].Raw, all[20].NodeId!));

        var page = await lines.ReadAsync("s", 5, 4);
        Assert.Equal(["b2", "a3", "b3", "a4"], page.Select(l => l.Args[0]));

        var onlyB = await lines.ReadAsync("s", 0, 100, LineFilter.None.ForNode("node-b"));
        Assert.Equal(11, onlyB.Count);
        Assert.All(onlyB, l => Assert.Equal("node-b", l.NodeId));
        Assert.Empty(await lines.ReadAsync("s", 0, 100, LineFilter.None.ForNode("node-z")));

        var filtered = await lines.ReadAsync("s", 0, 100, LineFilter.Create(keyGlob: "?1"));
        Assert.Equal([("a1", "node-a"), ("b1", "node-b")], filtered.Select(l => (l.Args[0], l.NodeId!)));
    }

    [Fact]
    public async Task A_session_of_one_server_has_no_node_on_its_lines()
    {
        var store = new MemoryChunkStore();
        await using (var w = new CaptureWriter("one", null, long.MaxValue, long.MaxValue, store))
            Assert.True(w.Append(Encoding.ASCII.GetBytes(Line(T0, "k"))));
        var line = Assert.Single(await new SessionLines(store).ReadAsync("one", 0, 10));
        Assert.Null(line.NodeId);
        Assert.Equal("", Assert.Single(store.Chunks).NodeId);
    }
}
