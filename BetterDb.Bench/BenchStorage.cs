using BetterDb.Core.Storage.Sqlite;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Bench;

/// <summary>A real SQLite store in a temp directory, migrated as the app does it.</summary>
internal sealed class BenchStorage : IAsyncDisposable
{
    private BenchStorage(string dir, IDbContextFactory<BetterDbContext> contexts)
    {
        Directory = dir;
        Contexts = contexts;
        Chunks = new SqliteChunkStore(contexts);
    }

    public string Directory { get; }
    public string DatabaseFile => Path.Combine(Directory, "betterdb.db");
    public IDbContextFactory<BetterDbContext> Contexts { get; }
    public SqliteChunkStore Chunks { get; }

    public static async Task<BenchStorage> CreateAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "betterdb-bench-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        var options = new DbContextOptionsBuilder<BetterDbContext>()
            .UseSqlite($"Data Source={Path.Combine(dir, "betterdb.db")}")
            .AddInterceptors(new SqlitePragmas())
            .Options;
        var factory = new Factory(options);
        await using (var db = factory.CreateDbContext())
        {
            await db.Database.MigrateAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
        return new BenchStorage(dir, factory);
    }

    public async Task<(long Chunks, long Stored)> SizesAsync(string sessionId)
    {
        await using var db = Contexts.CreateDbContext();
        var chunks = await db.Chunks.Where(c => c.SessionId == sessionId).CountAsync();
        var stored = await db.Chunks.Where(c => c.SessionId == sessionId).SumAsync(c => (long)c.Data.Length);
        return (chunks, stored);
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }

    private sealed class Factory(DbContextOptions<BetterDbContext> options) : IDbContextFactory<BetterDbContext>
    {
        public BetterDbContext CreateDbContext() => new(options);
    }
}
