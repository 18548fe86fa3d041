using BetterDb.Core.Storage;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Storage.Sqlite;

public sealed class SqliteChunkStore(IDbContextFactory<BetterDbContext> contexts) : IChunkStore
{
    public async Task AppendAsync(ChunkEntity chunk, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Chunks.Add(chunk);
        await db.SaveChangesAsync(ct);
        db.Entry(chunk).State = EntityState.Detached;
    }

    /// <summary>One SaveChanges (one transaction, one commit) for a whole batch: per-chunk commits were the ingest bottleneck.</summary>
    public async Task AppendManyAsync(IReadOnlyList<ChunkEntity> chunks, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.Chunks.AddRange(chunks);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    public IAsyncEnumerable<ChunkEntity> ReadAsync(string sessionId, long fromLine = 0, CancellationToken ct = default) =>
        ReadAsync(sessionId, null, fromLine, ct);

    public IAsyncEnumerable<ChunkEntity> ReadNodeAsync(string sessionId, string nodeId, long fromLine = 0, CancellationToken ct = default) =>
        ReadAsync(sessionId, nodeId, fromLine, ct);

    private async IAsyncEnumerable<ChunkEntity> ReadAsync(string sessionId, string? nodeId, long fromLine, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.Chunks.AsNoTracking().Where(c => c.SessionId == sessionId);
        if (nodeId is not null) query = query.Where(c => c.NodeId == nodeId);
        if (fromLine > 0)
            query = query.Where(c => c.FirstLine + c.LineCount > fromLine);
        await foreach (var chunk in query.OrderBy(c => c.ChunkIndex).ThenBy(c => c.NodeId).AsAsyncEnumerable().WithCancellation(ct))
            yield return chunk;
    }

    public async Task<IReadOnlyList<string>> NodesAsync(string sessionId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Chunks.Where(c => c.SessionId == sessionId).Select(c => c.NodeId).Distinct().OrderBy(n => n).ToListAsync(ct);
    }

    public async Task DeleteSessionAsync(string sessionId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Chunks.Where(c => c.SessionId == sessionId).ExecuteDeleteAsync(ct);
    }
}
