using BetterDb.Core.Storage.Sqlite;
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
}

/// <summary>Rejects a provider this build cannot use, naming the key.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions o) => o.Provider.ToLowerInvariant() switch
    {
        StorageOptions.Sqlite => ValidateOptionsResult.Success,
        StorageOptions.Postgres => ValidateOptionsResult.Fail(
            $"{StorageOptions.Section}:Provider is 'postgres', which this version cannot use yet: use 'sqlite' (the default)."),
        _ => ValidateOptionsResult.Fail($"{StorageOptions.Section}:Provider must be 'sqlite' or 'postgres' (got '{o.Provider}')."),
    };
}

/// <summary>Prepares the database before anything else uses it: schema migrations, provider settings.</summary>
public interface IStorageInitializer
{
    Task InitializeAsync(CancellationToken ct);
}

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// The app's storage from configuration (<c>BetterDb:Storage:Provider</c>, only <c>sqlite</c> for now): the
    /// EF Core context factory, the chunk store, the storage guard and watch. Nothing outside Storage/ (and the
    /// Hangfire set-up) names the provider; a second one adds its folder beside Sqlite/ with its own migrations.
    /// </summary>
    public static IServiceCollection AddBetterDbStorage(this IServiceCollection services, IConfiguration configuration, DataPaths paths)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton<StorageHealth>();
        services.AddHostedService<DatabaseFileWatch>();

        var configured = configuration[$"{StorageOptions.Section}:ConnectionString"];
        var connectionString = string.IsNullOrWhiteSpace(configured)
            ? new SqliteConnectionStringBuilder { DataSource = paths.Database, Pooling = true, DefaultTimeout = 30 }.ToString()
            : configured;
        services.AddDbContextFactory<BetterDbContext>((sp, o) => o
            .UseSqlite(connectionString)
            .AddInterceptors(new SqlitePragmas(), new StorageGuard(sp.GetRequiredService<StorageHealth>())));
        services.AddSingleton<IChunkStore, SqliteChunkStore>();
        services.AddSingleton<IStorageInitializer, SqliteInitializer>();
        return services;
    }
}
