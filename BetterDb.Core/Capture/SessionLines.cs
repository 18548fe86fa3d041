using System.Buffers;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;
using BetterDb.Core.Memory;
using BetterDb.Core.Storage;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Capture;

/// <summary>Receives a session's stored lines in capture order, one chunk at a time.</summary>
public interface ILineVisitor
{
    /// <summary>One stored line (without its '\n'); return false to stop.</summary>
    bool Visit(ReadOnlySpan<byte> raw, string? nodeId);

    /// <summary>Called after each chunk: the place to flush output.</summary>
    ValueTask AfterChunkAsync(CancellationToken ct);
}

/// <summary>Reads a session's stored lines back: pages of line objects, filtered scans, exports.</summary>
public sealed class SessionLines(IChunkStore chunks)
{
    public SessionLines(IChunkStore chunks, IOptions<BetterDbOptions> options) : this(chunks) =>
        MaxArgumentBytesShown = options.Value.Monitor.MaxArgumentBytesShown;

    /// <summary>Bytes of each argument a line object shows (<c>BetterDb:Monitor:MaxArgumentBytesShown</c>); see <see cref="MonitorLine"/>.</summary>
    public int MaxArgumentBytesShown { get; init; } = MonitorLine.DefaultMaxArgumentBytesShown;

    /// <summary>The line object of a stored line, bounded as configured.</summary>
    public MonitorLine ToLine(ReadOnlySpan<byte> raw, string? nodeId, KeySpecTable? keySpecs = null) =>
        MonitorLine.FromRaw(raw, nodeId, keySpecs, MaxArgumentBytesShown);

    /// <summary>Lines [offset, offset+limit) of those that pass <paramref name="filter"/>, in capture order.</summary>
    /// <param name="keySpecs">the session's server key specs (keys of each line); the built-in table when null</param>
    public async Task<IReadOnlyList<MonitorLine>> ReadAsync(string sessionId, long offset, int limit, LineFilter? filter = null,
        CancellationToken ct = default, KeySpecTable? keySpecs = null)
    {
        filter ??= LineFilter.None;
        // Unfiltered, the offset is a line number and whole chunks before it are skipped undecoded.
        var page = new PageVisitor(this, filter.IsEmpty ? 0 : offset, limit, keySpecs ?? KeySpecTable.BuiltIn);
        if (limit > 0) await ScanAsync(sessionId, filter, page, ct, filter.IsEmpty ? offset : 0);
        return page.Lines;
    }

    /// <summary>
    /// Calls <paramref name="visitor"/> for each stored line that passes the filter. Unfiltered scans
    /// start at the chunk holding <paramref name="fromLine"/>; time filters skip whole chunks by their
    /// time range without decompressing them. A session of several nodes (fan-out) is read as one stream,
    /// the nodes' lines merged in timestamp order, unless the filter picks one node.
    /// Memory stays at one chunk per node whatever the session size.
    /// </summary>
    public async Task ScanAsync(string sessionId, LineFilter filter, ILineVisitor visitor, CancellationToken ct = default, long fromLine = 0)
    {
        var nodes = await chunks.NodesAsync(sessionId, ct);
        if (filter.Node is { } node) nodes = nodes.Contains(node) ? [node] : [];
        if (nodes.Count > 1)
        {
            await ScanMergedAsync(sessionId, nodes, filter, visitor, fromLine, ct);
            return;
        }
        if (nodes.Count == 0) return;
        byte[]? buffer = null;
        long largest = 0;
        try
        {
            await foreach (var chunk in chunks.ReadNodeAsync(sessionId, nodes[0], filter.IsEmpty ? fromLine : 0, ct))
            {
                if (!filter.MayMatchChunk(chunk.MinTsMicros, chunk.MaxTsMicros)) continue;
                var raw = Decompress(chunk, ref buffer);
                largest = Math.Max(largest, raw.Length);
                var more = VisitChunk(raw.Span, NodeOf(chunk), filter, visitor, filter.IsEmpty ? Math.Max(0, fromLine - chunk.FirstLine) : 0);
                await visitor.AfterChunkAsync(ct);
                if (!more) return;
            }
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
            if (largest > PooledChunkBytes) HugeBuffers.Dropped(largest);
        }
    }

    /// <summary>The node of a chunk as lines carry it: null for a session of one server.</summary>
    private static string? NodeOf(ChunkEntity chunk) => chunk.NodeId.Length == 0 ? null : chunk.NodeId;

    /// <summary>
    /// Several nodes' lines as one stream in timestamp order: each node is read chunk by chunk, and the next line
    /// is always the earliest of the nodes' current ones. A malformed line (no timestamp) goes with the line
    /// before it on its node. <paramref name="skip"/> unfiltered lines are passed over first.
    /// </summary>
    private async Task ScanMergedAsync(string sessionId, IReadOnlyList<string> nodes, LineFilter filter, ILineVisitor visitor, long skip,
        CancellationToken ct)
    {
        var cursors = new List<NodeCursor>();
        try
        {
            foreach (var node in nodes)
            {
                var cursor = new NodeCursor(chunks.ReadNodeAsync(sessionId, node, 0, ct).GetAsyncEnumerator(ct), filter);
                if (await cursor.AdvanceAsync()) cursors.Add(cursor);
                else await cursor.DisposeAsync();
            }
            while (cursors.Count > 0)
            {
                var next = cursors[0];
                foreach (var c in cursors)
                    if (c.Ts < next.Ts) next = c;
                var line = next.Line;
                if (skip > 0 && filter.IsEmpty) skip--;
                else if (filter.Matches(line) && !visitor.Visit(line, next.Node)) return;
                if (!await next.AdvanceAsync(visitor))
                {
                    cursors.Remove(next);
                    await next.DisposeAsync();
                }
            }
        }
        finally
        {
            foreach (var c in cursors) await c.DisposeAsync();
        }
    }

    /// <summary>One node's place in a merged read: its current chunk and line.</summary>
    private sealed class NodeCursor(IAsyncEnumerator<ChunkEntity> chunks, LineFilter filter) : IAsyncDisposable
    {
        private byte[] _data = [];
        private int _next, _start, _end;

        public string? Node { get; private set; }
        /// <summary>The current line's timestamp, or the last one before it on this node.</summary>
        public long Ts { get; private set; }
        public ReadOnlySpan<byte> Line => _data.AsSpan(_start, _end - _start);

        /// <summary>Moves to the node's next line, opening its next chunk when needed; false at the node's end.</summary>
        public async ValueTask<bool> AdvanceAsync(ILineVisitor? visitor = null)
        {
            while (_next >= _data.Length)
            {
                if (!await chunks.MoveNextAsync()) return false;
                var chunk = chunks.Current;
                if (!filter.MayMatchChunk(chunk.MinTsMicros, chunk.MaxTsMicros)) continue;
                Node = NodeOf(chunk);
                _data = ChunkCodec.Decompress(chunk);
                _next = 0;
                if (visitor is not null) await visitor.AfterChunkAsync(default);
            }
            _start = _next;
            var nl = _data.AsSpan(_next).IndexOf((byte)'\n');
            _end = nl < 0 ? _data.Length : _next + nl;
            _next = _end + 1;
            if (MonitorLineParser.TryReadTimestamp(Line, out var ts)) Ts = ts;
            return true;
        }

        public ValueTask DisposeAsync() => chunks.DisposeAsync();
    }

    // Chunks up to this size decompress into one pooled buffer per scan; a bigger one (a huge line) gets an array of
    // its own that the GC takes back, rather than a pooled one the pool would keep for good.
    private const int PooledChunkBytes = 4 * 1024 * 1024;

    private static ReadOnlyMemory<byte> Decompress(ChunkEntity chunk, ref byte[]? buffer)
    {
        if (chunk.ByteCount > PooledChunkBytes)
        {
            var own = GC.AllocateUninitializedArray<byte>(chunk.ByteCount);
            ChunkCodec.Decompress(chunk.Data, chunk.Codec, own);
            return own;
        }
        if (buffer is null || buffer.Length < chunk.ByteCount)
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(Math.Max(chunk.ByteCount, 64 * 1024));
        }
        ChunkCodec.Decompress(chunk.Data, chunk.Codec, buffer.AsSpan(0, chunk.ByteCount));
        return buffer.AsMemory(0, chunk.ByteCount);
    }

    private static bool VisitChunk(ReadOnlySpan<byte> span, string? nodeId, LineFilter filter, ILineVisitor visitor, long skip)
    {
        while (span.Length > 0)
        {
            var nl = span.IndexOf((byte)'\n');
            var line = nl < 0 ? span : span[..nl];
            span = nl < 0 ? default : span[(nl + 1)..];
            if (skip > 0) { skip--; continue; }
            if (!filter.Matches(line)) continue;
            if (!visitor.Visit(line, nodeId)) return false;
        }
        return true;
    }

    private sealed class PageVisitor(SessionLines lines, long offset, int limit, KeySpecTable keySpecs) : ILineVisitor
    {
        private long _skip = offset;
        public List<MonitorLine> Lines { get; } = new(Math.Min(limit, 1024));

        public bool Visit(ReadOnlySpan<byte> raw, string? nodeId)
        {
            if (_skip > 0) { _skip--; return true; }
            Lines.Add(lines.ToLine(raw, nodeId, keySpecs));
            return Lines.Count < limit;
        }

        public ValueTask AfterChunkAsync(CancellationToken ct) => ValueTask.CompletedTask;
    }
}
