using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace BetterDb.Core.Storage.Sqlite;

/// <summary>Per-connection settings: in WAL mode NORMAL sync is durable across app crashes and much faster than FULL.</summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Sql = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    /// <summary>For a connection opened outside EF (the chunk store's inserts).</summary>
    public static void Apply(DbConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = Sql;
        cmd.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = Sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
