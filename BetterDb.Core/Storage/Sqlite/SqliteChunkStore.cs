using BetterDb.Core.Storage;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Storage.Sqlite;

public sealed class SqliteChunkStore(IDbContextFactory<BetterDbContext> contexts, StorageHealth? health = null) : IChunkStore
{
    private const string InsertSql =
        "INSERT INTO chunks (SessionId, NodeId, ChunkIndex, FirstLine, LineCount, ByteCount, FirstTsMicros, LastTsMicros, " +
        "MinTsMicros, MaxTsMicros, MalformedLines, Codec, Data) VALUES " +
        "($session, $node, $index, $firstLine, $lines, $bytes, $firstTs, $lastTs, $minTs, $maxTs, $malformed, $codec, $data) RETURNING Id";

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
        var session = insert.Parameters.Add("$session", SqliteType.Text);
        var node = insert.Parameters.Add("$node", SqliteType.Text);
        var index = insert.Parameters.Add("$index", SqliteType.Integer);
        var firstLine = insert.Parameters.Add("$firstLine", SqliteType.Integer);
        var lines = insert.Parameters.Add("$lines", SqliteType.Integer);
        var bytes = insert.Parameters.Add("$bytes", SqliteType.Integer);
        var firstTs = insert.Parameters.Add("$firstTs", SqliteType.Integer);
        var lastTs = insert.Parameters.Add("$lastTs", SqliteType.Integer);
        var minTs = insert.Parameters.Add("$minTs", SqliteType.Integer);
        var maxTs = insert.Parameters.Add("$maxTs", SqliteType.Integer);
        var malformed = insert.Parameters.Add("$malformed", SqliteType.Integer);
        var codec = insert.Parameters.Add("$codec", SqliteType.Integer);
        var data = insert.Parameters.Add("$data", SqliteType.Blob);
        foreach (var chunk in chunks)
        {
            session.Value = chunk.SessionId;
            node.Value = chunk.NodeId;
            index.Value = chunk.ChunkIndex;
            firstLine.Value = chunk.FirstLine;
            lines.Value = chunk.LineCount;
            bytes.Value = chunk.ByteCount;
            firstTs.Value = chunk.FirstTsMicros;
            lastTs.Value = chunk.LastTsMicros;
            minTs.Value = (object?)chunk.MinTsMicros ?? DBNull.Value;
            maxTs.Value = (object?)chunk.MaxTsMicros ?? DBNull.Value;
            malformed.Value = (object?)chunk.MalformedLines ?? DBNull.Value;
            codec.Value = chunk.Codec;
            data.Value = chunk.Data;
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
