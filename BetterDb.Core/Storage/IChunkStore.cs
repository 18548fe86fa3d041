namespace BetterDb.Core.Storage;

/// <summary>
/// Where compressed chunks live. One small interface so another backend
/// (PostgreSQL, object storage) is configuration, not a rewrite.
/// </summary>
public interface IChunkStore
{
    Task AppendAsync(ChunkEntity chunk, CancellationToken ct = default);

    /// <summary>Chunks of a session in capture order, optionally starting at the chunk holding line <paramref name="fromLine"/>.</summary>
    IAsyncEnumerable<ChunkEntity> ReadAsync(string sessionId, long fromLine = 0, CancellationToken ct = default);

    Task DeleteSessionAsync(string sessionId, CancellationToken ct = default);
}
