using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Storage;

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

    public async IAsyncEnumerable<ChunkEntity> ReadAsync(string sessionId, long fromLine = 0,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.Chunks.AsNoTracking().Where(c => c.SessionId == sessionId);
        if (fromLine > 0)
            query = query.Where(c => c.FirstLine + c.LineCount > fromLine);
        await foreach (var chunk in query.OrderBy(c => c.ChunkIndex).AsAsyncEnumerable().WithCancellation(ct))
            yield return chunk;
    }

    public async Task DeleteSessionAsync(string sessionId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Chunks.Where(c => c.SessionId == sessionId).ExecuteDeleteAsync(ct);
    }
}
