using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Storage.Sqlite;

/// <summary>Applies the SQLite migrations and turns on WAL (readers never wait for the capture's writes).</summary>
internal sealed class SqliteInitializer(IDbContextFactory<BetterDbContext> contexts) : IStorageInitializer
{
    public async Task InitializeAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        // Only takes effect on a database without tables (a new one): its free pages can then be given back with
        // PRAGMA incremental_vacuum after retention deletes (older files are converted once by the retention job).
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA auto_vacuum=INCREMENTAL;", ct);
            await db.Database.MigrateAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }
}
