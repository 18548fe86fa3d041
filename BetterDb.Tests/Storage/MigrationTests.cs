using BetterDb.Testing;
using BetterDb.Core.Storage.Sqlite;
using BetterDb.Core.Capture;
using BetterDb.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace BetterDb.Tests.Storage;

/// <summary>The schema is built by migrations only, and an existing data directory upgrades in place.</summary>
// SQLite's own migrations on a file.
[Trait(StorageTrait.Name, StorageTrait.SqliteOnly)]
public sealed class MigrationTests : IDisposable
{
    private readonly SqliteTestDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task The_migrations_build_exactly_the_current_model()
    {
        await using var db = await _database.MigratedAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.False(db.Database.HasPendingModelChanges(),
            "the model has changes no migration covers: add one with dotnet ef migrations add");
        // Every table the model maps answers a query.
        Assert.Equal(0, await db.Sessions.CountAsync());
        Assert.Equal(0, await db.Chunks.CountAsync());
        Assert.Equal(0, await db.Connections.CountAsync());
    }

    [Fact]
    public async Task A_database_from_the_first_release_upgrades_in_place_and_keeps_its_data()
    {
        string first;
        await using (var db = _database.CreateDbContext())
        {
            first = db.Database.GetMigrations().First();
            await db.GetService<IMigrator>().MigrateAsync(first);
        }

        // Rows as the first release wrote them, through plain SQL against its schema.
        var raw = "1700000000.000001 [0 127.0.0.1:1] \"SET\" \"k\" \"v\"\n"u8.ToArray();
        await using (var connection = new SqliteConnection(_database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = """
                INSERT INTO sessions (Id, ConnectionId, Status, Source, StartedAt, EndedAt, DurationMs, ByteCap, LineCap, ByteCount, LineCount, MalformedCount, TerminationReason)
                VALUES ('old', 'default', 'completed', 'manual', '2026-01-01 00:00:00', '2026-01-01 00:00:01', 1000, 100, 100, $bytes, 1, 0, 'duration_cap');
                INSERT INTO chunks (SessionId, ChunkIndex, FirstLine, LineCount, ByteCount, FirstTsMicros, LastTsMicros, Codec, Data)
                VALUES ('old', 0, 0, 1, $bytes, 1700000000000001, 1700000000000001, 0, $data);
                """;
            cmd.Parameters.AddWithValue("$bytes", raw.Length);
            cmd.Parameters.AddWithValue("$data", raw);
            await cmd.ExecuteNonQueryAsync();
        }

        await using (var db = await _database.MigratedAsync())
        {
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            var session = await db.Sessions.SingleAsync(s => s.Id == "old");
            Assert.Equal(("completed", "duration_cap", 1L), (session.Status, session.TerminationReason, session.LineCount));
            Assert.Equal(DateTimeKind.Utc, session.StartedAt.Kind);
            Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), session.StartedAt);
        }

        var lines = await new SessionLines(new SqliteChunkStore(_database)).ReadAsync("old", 0, 10);
        var line = Assert.Single(lines);
        Assert.Equal("SET", line.Cmd);
        Assert.Equal(["k", "v"], line.Args);
    }
}
