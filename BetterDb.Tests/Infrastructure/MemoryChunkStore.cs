using System.Runtime.CompilerServices;
using BetterDb.Core.Storage;

namespace BetterDb.Testing;

/// <summary>
/// A chunk store in memory for unit tests of the writer (pure logic; integration tests use
/// the real SQLite store). <see cref="BeforeAppend"/> can slow an append down or make it fail.
/// </summary>
public sealed class MemoryChunkStore : IChunkStore
{
    private readonly object _gate = new();
    private readonly List<ChunkEntity> _chunks = [];
    private int _appendsInFlight;

    /// <summary>Runs before each append is recorded (delay, throw...). Receives the 0-based append number.</summary>
    public Func<ChunkEntity, int, Task>? BeforeAppend { get; set; }

    public int AppendCalls { get; private set; }

    /// <summary>True if two appends ever ran at the same time (the writer promises one at a time).</summary>
    public bool SawConcurrentAppends { get; private set; }

    /// <summary>Chunks in the order they were appended.</summary>
    public IReadOnlyList<ChunkEntity> Chunks
    {
        get { lock (_gate) return _chunks.ToList(); }
    }

    public async Task AppendAsync(ChunkEntity chunk, CancellationToken ct = default)
    {
        int call;
        lock (_gate)
        {
            call = AppendCalls++;
            if (++_appendsInFlight > 1) SawConcurrentAppends = true;
        }
        try
        {
            if (BeforeAppend is { } before) await before(chunk, call);
            lock (_gate) _chunks.Add(chunk);
        }
        finally
        {
            lock (_gate) _appendsInFlight--;
        }
    }

    /// <summary>All or nothing, as the SQLite store's single transaction: every chunk's <see cref="BeforeAppend"/> runs first.</summary>
    public async Task AppendManyAsync(IReadOnlyList<ChunkEntity> chunks, CancellationToken ct = default)
    {
        lock (_gate)
            if (++_appendsInFlight > 1) SawConcurrentAppends = true;
        try
        {
            foreach (var chunk in chunks)
            {
                int call;
                lock (_gate) call = AppendCalls++;
                if (BeforeAppend is { } before) await before(chunk, call);
            }
            lock (_gate) _chunks.AddRange(chunks);
        }
        finally
        {
            lock (_gate) _appendsInFlight--;
        }
    }

    public IAsyncEnumerable<ChunkEntity> ReadAsync(string sessionId, long fromLine = 0, CancellationToken ct = default) =>
        Read(sessionId, null, fromLine, ct);

    public IAsyncEnumerable<ChunkEntity> ReadNodeAsync(string sessionId, string nodeId, long fromLine = 0, CancellationToken ct = default) =>
        Read(sessionId, nodeId, fromLine, ct);

    public Task<IReadOnlyList<string>> NodesAsync(string sessionId, CancellationToken ct = default)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<string>>(_chunks.Where(c => c.SessionId == sessionId).Select(c => c.NodeId).Distinct().Order().ToList());
    }

    private async IAsyncEnumerable<ChunkEntity> Read(string sessionId, string? nodeId, long fromLine, [EnumeratorCancellation] CancellationToken ct)
    {
        List<ChunkEntity> chunks;
        lock (_gate)
            chunks = _chunks.Where(c => c.SessionId == sessionId && (nodeId is null || c.NodeId == nodeId) && c.FirstLine + c.LineCount > fromLine)
                .OrderBy(c => c.ChunkIndex).ThenBy(c => c.NodeId).ToList();
        foreach (var c in chunks)
        {
            ct.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return c;
        }
    }

    public Task DeleteSessionAsync(string sessionId, CancellationToken ct = default)
    {
        lock (_gate) _chunks.RemoveAll(c => c.SessionId == sessionId);
        return Task.CompletedTask;
    }

    /// <summary>All stored bytes of a session, decompressed, in chunk order.</summary>
    public byte[] StoredBytes(string sessionId)
    {
        var output = new MemoryStream();
        foreach (var c in Chunks.Where(c => c.SessionId == sessionId).OrderBy(c => c.ChunkIndex))
            output.Write(ChunkCodec.Decompress(c));
        return output.ToArray();
    }
}
