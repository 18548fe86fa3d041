using BetterDb.Core.Storage.Postgres;
using BetterDb.Core.Storage.Sqlite;
using Npgsql;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Storage;

/// <summary><c>BetterDb:Storage</c>: which database holds sessions, chunks and the rest.</summary>
public sealed class StorageOptions
{
    public const string Section = "BetterDb:Storage";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public string Provider { get; set; } = Sqlite;

    /// <summary>Required for <c>postgres</c>; for <c>sqlite</c> the file is <c>betterdb.db</c> in the data directory unless given.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How often an app process renews the heartbeat of the captures it runs, and how old a heartbeat may grow before
    /// another process sharing the database takes the owner for dead and ends its captures <c>interrupted/process_restart</c>.
    /// </summary>
    public int HeartbeatIntervalMs { get; set; } = 5_000;
    public int HeartbeatTimeoutMs { get; set; } = 30_000;

    public TimeSpan HeartbeatInterval => TimeSpan.FromMilliseconds(HeartbeatIntervalMs);
    public TimeSpan HeartbeatTimeout => TimeSpan.FromMilliseconds(HeartbeatTimeoutMs);

    /// <summary>PostgreSQL: a database app processes on other machines (or in other containers) may share.</summary>
    public bool IsPostgres => IsPostgresProvider(Provider);

    /// <summary>Whether configuration asks for PostgreSQL (for set-up that runs before options are bound).</summary>
    public static bool IsPostgresProvider(IConfiguration configuration) => IsPostgresProvider(configuration[$"{Section}:Provider"]);

    private static bool IsPostgresProvider(string? provider) => string.Equals(provider, Postgres, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Rejects a provider this build cannot use, or PostgreSQL without a usable connection string, naming the key.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions o)
    {
        if (o.HeartbeatIntervalMs is < 100 or > 60_000)
            return ValidateOptionsResult.Fail($"{StorageOptions.Section}:HeartbeatIntervalMs must be between 100 and 60000 (got {o.HeartbeatIntervalMs}).");
        if (o.HeartbeatTimeoutMs < 3 * o.HeartbeatIntervalMs)
            return ValidateOptionsResult.Fail(
                $"{StorageOptions.Section}:HeartbeatTimeoutMs must be at least three heartbeats ({3 * o.HeartbeatIntervalMs} ms; got {o.HeartbeatTimeoutMs}): " +
                "a process that misses one beat must not have its captures taken for dead.");
        switch (o.Provider.ToLowerInvariant())
        {
            case StorageOptions.Sqlite:
                return ValidateOptionsResult.Success;
            case StorageOptions.Postgres:
                if (string.IsNullOrWhiteSpace(o.ConnectionString))
                    return ValidateOptionsResult.Fail(
                        $"{StorageOptions.Section}:ConnectionString is required when {StorageOptions.Section}:Provider is 'postgres' " +
                        "(e.g. 'Host=db;Port=5432;Database=betterdb;Username=betterdb;Password=...').");
                try
                {
                    var parsed = new NpgsqlConnectionStringBuilder(o.ConnectionString);
                    if (string.IsNullOrWhiteSpace(parsed.Host))
                        return ValidateOptionsResult.Fail($"{StorageOptions.Section}:ConnectionString names no Host.");
                }
                catch (ArgumentException ex)
                {
                    return ValidateOptionsResult.Fail($"{StorageOptions.Section}:ConnectionString is not a PostgreSQL connection string: {ex.Message}");
                }
                return ValidateOptionsResult.Success;
            default:
                return ValidateOptionsResult.Fail($"{StorageOptions.Section}:Provider must be 'sqlite' or 'postgres' (got '{o.Provider}').");
        }
    }
}

/// <summary>Prepares the database before anything else uses it: schema migrations, provider settings.</summary>
public interface IStorageInitializer
{
    Task InitializeAsync(CancellationToken ct);
}

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// The app's storage from configuration (<c>BetterDb:Storage:Provider</c>): the EF Core context factory, the chunk
    /// store, the initializer (migrations) and the storage guard. Nothing outside Storage/ (and the Hangfire and key ring
    /// set-up, which ask <see cref="StorageOptions.IsPostgresProvider(IConfiguration)"/>) names the provider; each has its folder with its migrations.
    /// </summary>
    public static IServiceCollection AddBetterDbStorage(this IServiceCollection services, IConfiguration configuration, DataPaths paths)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton<StorageHealth>();

        var configured = configuration[$"{StorageOptions.Section}:ConnectionString"];
        if (StorageOptions.IsPostgresProvider(configuration))
        {
            // An invalid or missing string is the validator's message at start; the factory must still be buildable.
            var connectionString = string.IsNullOrWhiteSpace(configured) ? "Host=invalid" : configured;
            services.AddDbContextFactory<BetterDbContext, PostgresContextFactory>((sp, o) => o
                .UseNpgsql(connectionString)
                .AddInterceptors(new StorageGuard(sp.GetRequiredService<StorageHealth>())));
            services.AddSingleton<IChunkStore, PostgresChunkStore>();
            services.AddSingleton<IStorageInitializer, PostgresInitializer>();
            return services;
        }

        services.AddHostedService<DatabaseFileWatch>();
        var sqlite = string.IsNullOrWhiteSpace(configured)
            ? new SqliteConnectionStringBuilder { DataSource = paths.Database, Pooling = true, DefaultTimeout = 30 }.ToString()
            : configured;
        services.AddDbContextFactory<BetterDbContext>((sp, o) => o
            .UseSqlite(sqlite)
            .AddInterceptors(new SqlitePragmas(), new StorageGuard(sp.GetRequiredService<StorageHealth>())));
        services.AddSingleton<IChunkStore, SqliteChunkStore>();
        services.AddSingleton<IStorageInitializer, SqliteInitializer>();
        return services;
    }
}
