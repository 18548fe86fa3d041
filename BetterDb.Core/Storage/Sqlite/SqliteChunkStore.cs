using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Storage.Sqlite;

public sealed class SqliteChunkStore(IDbContextFactory<BetterDbContext> contexts, StorageHealth? health = null) : DbChunkStore(contexts)
{
    private static readonly string InsertSql =
        $"INSERT INTO chunks ({string.Join(", ", Columns)}) VALUES ({string.Join(", ", Columns.Select(c => "$" + c))}) RETURNING Id";

    /// <summary>
    /// One transaction (one commit) for a whole batch: per-chunk commits were the ingest bottleneck. A prepared
    /// INSERT on a pooled connection rather than EF's SaveChanges: a capture stores a batch every few tens of
    /// milliseconds, and a context, its change tracker and its SQL generation per batch cost the store thread
    /// five times the compression of the chunks (4 KB values). Synchronous: the capture's store thread waits anyway.
    /// </summary>
    public override Task AppendManyAsync(IReadOnlyList<ChunkEntity> chunks, CancellationToken ct = default)
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
        using var connection = new SqliteConnection(ConnectionString());
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
}
