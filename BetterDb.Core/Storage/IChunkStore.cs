namespace BetterDb.Core.Storage;

/// <summary>
/// Where compressed chunks live. One small interface so another backend
/// (PostgreSQL, object storage) is configuration, not a rewrite.
/// </summary>
public interface IChunkStore
{
    Task AppendAsync(ChunkEntity chunk, CancellationToken ct = default);

    /// <summary>Stores several chunks at once (one transaction where the store has them).</summary>
    async Task AppendManyAsync(IReadOnlyList<ChunkEntity> chunks, CancellationToken ct = default)
    {
        foreach (var chunk in chunks) await AppendAsync(chunk, ct);
    }

    /// <summary>
    /// Chunks of a session in capture order, optionally starting at the chunk holding line <paramref name="fromLine"/>;
    /// with several nodes (fan-out), every node's chunks, by chunk index.
    /// </summary>
    IAsyncEnumerable<ChunkEntity> ReadAsync(string sessionId, long fromLine = 0, CancellationToken ct = default);

    /// <summary>One node's chunks in its capture order ("" for a session of one server), from the chunk holding its line <paramref name="fromLine"/>.</summary>
    IAsyncEnumerable<ChunkEntity> ReadNodeAsync(string sessionId, string nodeId, long fromLine = 0, CancellationToken ct = default);

    /// <summary>The nodes a session has chunks of ("" for a session of one server).</summary>
    Task<IReadOnlyList<string>> NodesAsync(string sessionId, CancellationToken ct = default);

    Task DeleteSessionAsync(string sessionId, CancellationToken ct = default);
}
