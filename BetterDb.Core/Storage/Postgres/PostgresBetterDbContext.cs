using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BetterDb.Core.Storage.Postgres;

/// <summary>
/// The same model on PostgreSQL. A type of its own so that EF keeps its migrations (Postgres/Migrations) and model
/// snapshot apart from SQLite's; the rest of the app sees a <see cref="BetterDbContext"/>.
/// </summary>
public sealed class PostgresBetterDbContext(DbContextOptions<BetterDbContext> options) : BetterDbContext(options);

/// <summary>Hands out <see cref="PostgresBetterDbContext"/>s wherever the app asks for a <see cref="BetterDbContext"/>.</summary>
internal sealed class PostgresContextFactory(DbContextOptions<BetterDbContext> options) : IDbContextFactory<BetterDbContext>
{
    public BetterDbContext CreateDbContext() => new PostgresBetterDbContext(options);
}

/// <summary>Lets <c>dotnet ef migrations add X --context PostgresBetterDbContext</c> build the model without a server.</summary>
public sealed class PostgresDesignTimeContextFactory : IDesignTimeDbContextFactory<PostgresBetterDbContext>
{
    public PostgresBetterDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<BetterDbContext>().UseNpgsql("Host=127.0.0.1;Database=design").Options);
}
