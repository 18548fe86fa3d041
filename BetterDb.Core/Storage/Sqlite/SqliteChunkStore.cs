using BetterDb.Core.Storage;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Storage.Sqlite;

public sealed class SqliteChunkStore(IDbContextFactory<BetterDbContext> contexts, StorageHealth? health = null) : IChunkStore
{
    /// <summary>The columns a chunk insert fills, in the order of <see cref="Values"/>; the parameters are named after them.</summary>
    private static readonly string[] Columns =
        ["SessionId", "NodeId", "ChunkIndex", "FirstLine", "LineCount", "ByteCount", "FirstTsMicros", "LastTsMicros",
         "MinTsMicros", "MaxTsMicros", "MalformedLines", "Codec", "Data"];

    private static readonly string InsertSql =
        $"INSERT INTO chunks ({string.Join(", ", Columns)}) VALUES ({string.Join(", ", Columns.Select(c => "$" + c))}) RETURNING Id";

    private static object?[] Values(ChunkEntity c) =>
        [c.SessionId, c.NodeId, c.ChunkIndex, c.FirstLine, c.LineCount, c.ByteCount, c.FirstTsMicros, c.LastTsMicros,
         c.MinTsMicros, c.MaxTsMicros, c.MalformedLines, c.Codec, c.Data];

    private string? _connectionString;

    public async Task AppendAsync(ChunkEntity chunk, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Chunks.Add(chunk);
        await db.SaveChangesAsync(ct);
        db.Entry(chunk).State = EntityState.Detached;
    }

    /// <summary>
    /// One transaction (one commit) for a whole batch: per-chunk commits were the ingest bottleneck. A prepared
    /// INSERT on a pooled connection rather than EF's SaveChanges: a capture stores a batch every few tens of
    /// milliseconds, and a context, its change tracker and its SQL generation per batch cost the store thread
    /// five times the compression of the chunks (4 KB values). Synchronous: the capture's store thread waits anyway.
    /// </summary>
    public Task AppendManyAsync(IReadOnlyList<ChunkEntity> chunks, CancellationToken ct = default)
    {
        try
        {
            ct.ThrowIfCancellationRequested();
            AppendMany(chunks);
            return Task.CompletedTask;
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    private void AppendMany(IReadOnlyList<ChunkEntity> chunks)
    {
        // What the context's StorageGuard does for EF's writes.
        health?.ThrowIfUnusable();
        if (chunks.Count == 0) return;
        using var connection = new SqliteConnection(_connectionString ??= ConnectionString());
        connection.Open();
        SqlitePragmas.Apply(connection);
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = InsertSql;
        var parameters = Columns.Select(c => insert.Parameters.Add(new SqliteParameter { ParameterName = "$" + c })).ToArray();
        foreach (var chunk in chunks)
        {
            var values = Values(chunk);
            for (var i = 0; i < values.Length; i++) parameters[i].Value = values[i] ?? DBNull.Value;
            chunk.Id = (long)insert.ExecuteScalar()!;
        }
        transaction.Commit();
    }

    private string ConnectionString()
    {
        using var db = contexts.CreateDbContext();
        return db.Database.GetConnectionString()
            ?? throw new InvalidOperationException("The database context has no connection string.");
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
