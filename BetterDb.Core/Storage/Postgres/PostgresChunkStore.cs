using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BetterDb.Core.Storage.Postgres;

/// <summary>
/// Chunks in PostgreSQL (<c>bytea</c>, the same codec column as SQLite's). A batch is one round trip: one
/// transaction holding one INSERT per chunk (an <see cref="NpgsqlBatch"/>), past EF for the reason SQLite's store
/// gives (a context and change tracking per batch cost more than compressing the chunks).
/// </summary>
public sealed class PostgresChunkStore(IDbContextFactory<BetterDbContext> contexts, StorageHealth? health = null) : DbChunkStore(contexts), IAsyncDisposable
{
    private static readonly string InsertSql =
        $"INSERT INTO chunks ({string.Join(", ", Columns.Select(c => $"\"{c}\""))}) " +
        $"VALUES ({string.Join(", ", Columns.Select((_, i) => "$" + (i + 1)))}) RETURNING \"Id\"";

    private NpgsqlDataSource? _source;

    public override async Task AppendManyAsync(IReadOnlyList<ChunkEntity> chunks, CancellationToken ct = default)
    {
        health?.ThrowIfUnusable();
        if (chunks.Count == 0) return;
        _source ??= NpgsqlDataSource.Create(ConnectionString());
        await using var connection = await _source.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var chunk in chunks)
        {
            var command = new NpgsqlBatchCommand(InsertSql);
            foreach (var value in Values(chunk))
                command.Parameters.Add(value is byte b ? new NpgsqlParameter { Value = (short)b } : new NpgsqlParameter { Value = value ?? DBNull.Value });
            batch.BatchCommands.Add(command);
        }
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            var i = 0;
            do
            {
                if (await reader.ReadAsync(ct)) chunks[i].Id = reader.GetInt64(0);
                i++;
            } while (await reader.NextResultAsync(ct));
        }
        await transaction.CommitAsync(ct);
    }

    public ValueTask DisposeAsync() => _source?.DisposeAsync() ?? ValueTask.CompletedTask;
}
