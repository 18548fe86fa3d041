using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Storage.Postgres;

/// <summary>
/// Applies the PostgreSQL migrations. Several app processes may start together on a new database: EF Core's own
/// migration lock did not keep two of them from applying the same migration ("column already exists", reproduced
/// with three starts at once), so the migrations run under a session advisory lock of their own; whoever waited finds
/// them applied.
/// </summary>
internal sealed class PostgresInitializer(IDbContextFactory<BetterDbContext> contexts) : IStorageInitializer
{
    /// <summary>Any fixed number, the same in every process: the key of the migration lock.</summary>
    private const long MigrationLock = 0x42_65_74_74_65_72_44_62; // "BetterDb"

    public async Task InitializeAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        // One connection for the lock and the migrations: an advisory lock belongs to its session.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({MigrationLock})", ct);
            try
            {
                await db.Database.MigrateAsync(ct);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({MigrationLock})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
