using BetterDb.Core.Storage.Sqlite;
using BetterDb.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Tests.Storage;

/// <summary>A real SQLite file in a temp directory, configured as the app configures it.</summary>
internal sealed class SqliteTestDatabase : IDbContextFactory<BetterDbContext>, IDisposable
{
    private readonly DbContextOptions<BetterDbContext> _options;

    public SqliteTestDatabase()
    {
        Directory = Path.Combine(Path.GetTempPath(), "betterdb-store-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(Directory, "betterdb.db"), Pooling = false }.ToString();
        _options = new DbContextOptionsBuilder<BetterDbContext>().UseSqlite(ConnectionString).AddInterceptors(new SqlitePragmas()).Options;
    }

    public string Directory { get; }
    public string ConnectionString { get; }

    public BetterDbContext CreateDbContext() => new(_options);

    public async Task<BetterDbContext> MigratedAsync()
    {
        var db = CreateDbContext();
        await db.Database.MigrateAsync();
        return db;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
