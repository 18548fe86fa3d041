using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Storage;

/// <summary>
/// The chunk store's reads and deletes, through EF Core and so the same on every provider; each provider writes
/// chunks its own fastest way (<see cref="AppendManyAsync"/>).
/// </summary>
public abstract class DbChunkStore(IDbContextFactory<BetterDbContext> contexts) : IChunkStore
{
    /// <summary>The columns a chunk insert fills, in the order of <see cref="Values"/>.</summary>
    protected static readonly string[] Columns =
        ["SessionId", "NodeId", "ChunkIndex", "FirstLine", "LineCount", "ByteCount", "FirstTsMicros", "LastTsMicros",
         "MinTsMicros", "MaxTsMicros", "MalformedLines", "Codec", "Data"];

    protected static object?[] Values(ChunkEntity c) =>
        [c.SessionId, c.NodeId, c.ChunkIndex, c.FirstLine, c.LineCount, c.ByteCount, c.FirstTsMicros, c.LastTsMicros,
         c.MinTsMicros, c.MaxTsMicros, c.MalformedLines, c.Codec, c.Data];

    private string? _connectionString;

    /// <summary>The context's connection string, for a store that writes past EF.</summary>
    protected string ConnectionString()
    {
        if (_connectionString is { } known) return known;
        using var db = contexts.CreateDbContext();
        return _connectionString = db.Database.GetConnectionString()
            ?? throw new InvalidOperationException("The database context has no connection string.");
    }

    public async Task AppendAsync(ChunkEntity chunk, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Chunks.Add(chunk);
        await db.SaveChangesAsync(ct);
        db.Entry(chunk).State = EntityState.Detached;
    }

    /// <summary>Stores a batch in one transaction (one commit), filling each chunk's <see cref="ChunkEntity.Id"/>.</summary>
    public abstract Task AppendManyAsync(IReadOnlyList<ChunkEntity> chunks, CancellationToken ct = default);

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
