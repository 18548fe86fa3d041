using BetterDb.Core.Storage;
using BetterDb.Core.Storage.Postgres;
using BetterDb.Core.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BetterDb.Bench;

/// <summary>
/// A real, empty store migrated as the app does it, set up as the app sets it up: <c>--storage sqlite</c> (the
/// default) is a database file in a temp directory, WAL with the app's pragmas; <c>--storage postgres --pg CONN</c>
/// is a database of its own (<c>betterdb_bench_*</c>) created on that server for the run and dropped at the end.
/// </summary>
internal sealed class BenchStorage : IAsyncDisposable
{
    private readonly string? _directory;
    private readonly string? _adminConnectionString;
    private readonly string? _database;

    private BenchStorage(string provider, string description, IDbContextFactory<BetterDbContext> contexts, DbChunkStore chunks,
        string? directory, string? adminConnectionString, string? database)
    {
        Provider = provider;
        Description = description;
        Contexts = contexts;
        Chunks = chunks;
        _directory = directory;
        _adminConnectionString = adminConnectionString;
        _database = database;
    }

    public string Provider { get; }

    /// <summary>One line saying where the chunks go and with what durability, printed at the top of a bench's output.</summary>
    public string Description { get; }

    public IDbContextFactory<BetterDbContext> Contexts { get; }
    public DbChunkStore Chunks { get; }

    /// <summary>The store <c>--storage</c> (and <c>--pg</c>) ask for; without options, SQLite.</summary>
    public static Task<BenchStorage> CreateAsync(BenchOptions? options = null) =>
        Choose(options) switch
        {
            (StorageOptions.Postgres, { } pg) => CreatePostgresAsync(pg),
            _ => CreateSqliteAsync(),
        };

    /// <summary>Which store the options ask for, or a usage error: for a bench to check before it spends time on anything else.</summary>
    public static (string Provider, string? Pg) Choose(BenchOptions? options)
    {
        var provider = (options?.Get("storage") ?? StorageOptions.Sqlite).ToLowerInvariant();
        var pg = options?.Get("pg");
        return provider switch
        {
            StorageOptions.Sqlite when pg is not null => throw new BenchUsageException("--pg is for --storage postgres"),
            StorageOptions.Sqlite => (provider, null),
            StorageOptions.Postgres => (provider, pg ?? throw new BenchUsageException(
                "--storage postgres needs --pg CONNECTIONSTRING (e.g. \"Host=127.0.0.1;Port=55432;Username=postgres;Database=betterdb\"; " +
                "scripts/postgres-dev.sh starts such a server)")),
            _ => throw new BenchUsageException($"--storage must be sqlite or postgres (got '{provider}')"),
        };
    }

    private static async Task<BenchStorage> CreateSqliteAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "betterdb-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, "betterdb.db");
        var options = new DbContextOptionsBuilder<BetterDbContext>()
            .UseSqlite($"Data Source={file}")
            .AddInterceptors(new SqlitePragmas())
            .Options;
        var factory = new SqliteContexts(options);
        string version;
        await using (var db = factory.CreateDbContext())
        {
            await db.Database.MigrateAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            version = db.Database.GetDbConnection().ServerVersion;
        }
        return new BenchStorage(StorageOptions.Sqlite, $"storage: sqlite {version} (WAL, synchronous=NORMAL), {file}",
            factory, new SqliteChunkStore(factory), dir, null, null);
    }

    private static async Task<BenchStorage> CreatePostgresAsync(string given)
    {
        NpgsqlConnectionStringBuilder admin;
        try { admin = new NpgsqlConnectionStringBuilder(given) { Pooling = false }; }
        catch (ArgumentException ex) { throw new BenchUsageException($"--pg is not a PostgreSQL connection string: {ex.Message}"); }
        if (string.IsNullOrEmpty(admin.Database)) admin.Database = "postgres";
        var database = "betterdb_bench_" + Guid.NewGuid().ToString("N")[..8];
        string version, fsync, synchronousCommit;
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using (var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection)) await create.ExecuteNonQueryAsync();
            version = await ShowAsync(connection, "server_version");
            fsync = await ShowAsync(connection, "fsync");
            synchronousCommit = await ShowAsync(connection, "synchronous_commit");
        }

        // The app's connection string as given (pooled), on the bench's own database.
        var connectionString = new NpgsqlConnectionStringBuilder(given) { Database = database }.ConnectionString;
        var options = new DbContextOptionsBuilder<BetterDbContext>().UseNpgsql(connectionString).Options;
        var factory = new PostgresContextFactory(options);
        try
        {
            await using var db = factory.CreateDbContext();
            await db.Database.MigrateAsync();
        }
        catch
        {
            await DropAsync(admin.ConnectionString, database);
            throw;
        }
        return new BenchStorage(StorageOptions.Postgres,
            $"storage: postgres {version.Split(' ')[0]} (fsync={fsync}, synchronous_commit={synchronousCommit}), {admin.Host}:{admin.Port}, database {database} (dropped at the end)",
            factory, new PostgresChunkStore(factory), null, admin.ConnectionString, database);
    }

    private static async Task<string> ShowAsync(NpgsqlConnection connection, string setting)
    {
        await using var show = new NpgsqlCommand($"SHOW {setting}", connection);
        return (string)(await show.ExecuteScalarAsync())!;
    }

    /// <summary>A session's chunk count and the bytes of its chunk payloads (the codec's output), the same on both providers.</summary>
    public async Task<(long Chunks, long Stored)> SizesAsync(string sessionId)
    {
        await using var db = Contexts.CreateDbContext();
        var chunks = await db.Chunks.Where(c => c.SessionId == sessionId).CountAsync();
        var stored = await db.Chunks.Where(c => c.SessionId == sessionId).SumAsync(c => (long)c.Data.Length);
        return (chunks, stored);
    }

    /// <summary>
    /// What the chunks take on disk, for the growth between two calls: SQLite's database file after a WAL checkpoint
    /// (the other tables are a few pages), PostgreSQL's <c>pg_total_relation_size('chunks')</c> (heap, TOAST, indexes;
    /// TOAST may pglz-compress a payload again, so <c>none</c> can take less on disk than its payloads).
    /// </summary>
    public async Task<long> OnDiskBytesAsync()
    {
        await using var db = Contexts.CreateDbContext();
        if (Provider == StorageOptions.Postgres)
            return await db.Database.SqlQueryRaw<long>("SELECT pg_total_relation_size('chunks') AS \"Value\"").SingleAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        return new FileInfo(Path.Combine(_directory!, "betterdb.db")).Length;
    }

    public async ValueTask DisposeAsync()
    {
        if (Chunks is IAsyncDisposable disposable) await disposable.DisposeAsync();
        if (_adminConnectionString is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await DropAsync(_adminConnectionString, _database!);
            return;
        }
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory!, true); } catch (IOException) { }
    }

    private static async Task DropAsync(string adminConnectionString, string database)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private sealed class SqliteContexts(DbContextOptions<BetterDbContext> options) : IDbContextFactory<BetterDbContext>
    {
        public BetterDbContext CreateDbContext() => new(options);
    }
}
