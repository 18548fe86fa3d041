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

    /// <summary>Chunks of a session in capture order, optionally starting at the chunk holding line <paramref name="fromLine"/>.</summary>
    IAsyncEnumerable<ChunkEntity> ReadAsync(string sessionId, long fromLine = 0, CancellationToken ct = default);

    Task DeleteSessionAsync(string sessionId, CancellationToken ct = default);
}
