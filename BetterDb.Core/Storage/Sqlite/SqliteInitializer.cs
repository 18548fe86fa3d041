using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Storage.Sqlite;

/// <summary>Applies the SQLite migrations and turns on WAL (readers never wait for the capture's writes).</summary>
internal sealed class SqliteInitializer(IDbContextFactory<BetterDbContext> contexts) : IStorageInitializer
{
    public async Task InitializeAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Database.MigrateAsync(ct);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }
}
