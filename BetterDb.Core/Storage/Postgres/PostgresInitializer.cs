using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Storage.Postgres;

/// <summary>
/// Applies the PostgreSQL migrations. Several app processes may start together: EF Core takes a database lock
/// around migrating, so one applies them and the others find them applied.
/// </summary>
internal sealed class PostgresInitializer(IDbContextFactory<BetterDbContext> contexts) : IStorageInitializer
{
    public async Task InitializeAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Database.MigrateAsync(ct);
    }
}
