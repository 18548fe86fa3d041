using BetterDb.Core.Storage;
using BetterDb.Core.Storage.Postgres;
using BetterDb.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace BetterDb.Tests.Storage;

/// <summary>PostgreSQL as the app's store: its own migrations build the model, the configuration is checked, and its faults read as storage faults.</summary>
// PostgreSQL whatever the run.
[Trait(StorageTrait.Name, StorageTrait.Postgres)]
public sealed class PostgresStorageTests
{
    [Fact]
    public async Task The_postgres_migrations_build_exactly_the_current_model_on_a_new_database()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        try
        {
            // An empty database, as a team's new server is: the app's own migrations, not the test template.
            await using (var admin = new NpgsqlConnection(database))
            {
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand("DROP SCHEMA public CASCADE; CREATE SCHEMA public;", admin);
                await drop.ExecuteNonQueryAsync();
            }
            NpgsqlConnection.ClearAllPools();
            await using var db = new PostgresBetterDbContext(new DbContextOptionsBuilder<BetterDbContext>().UseNpgsql(database).Options);
            Assert.NotEmpty(await db.Database.GetPendingMigrationsAsync());
            await db.Database.MigrateAsync();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.False(db.Database.HasPendingModelChanges(),
                "the model has changes the PostgreSQL migrations do not cover: dotnet ef migrations add X --context PostgresBetterDbContext --output-dir Storage/Postgres/Migrations");
            // Every provider's migrations cover the same tables.
            Assert.Equal(0, await db.Sessions.CountAsync());
            Assert.Equal(0, await db.Replays.CountAsync());
            Assert.Equal(0, await db.DataProtectionKeys.CountAsync());
            var sqlite = typeof(BetterDbContext).Assembly.GetTypes().Count(t => t.Namespace == "BetterDb.Core.Storage.Sqlite.Migrations");
            Assert.True(sqlite > 0);
        }
        finally
        {
            PostgresServer.Shared.DropDatabase(database);
        }
    }

    [Fact]
    public async Task App_processes_starting_together_on_a_new_database_migrate_it_once_and_all_start()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        try
        {
            await using (var admin = new NpgsqlConnection(database + ";Pooling=false"))
            {
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand("DROP SCHEMA public CASCADE; CREATE SCHEMA public;", admin);
                await drop.ExecuteNonQueryAsync();
            }
            // Three processes' start-up, as the app runs it (AddBetterDbStorage's initializer), at the same moment.
            var starts = Enumerable.Range(0, 3).Select(_ =>
            {
                var services = new ServiceCollection();
                var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["BetterDb:Storage:Provider"] = "postgres",
                    ["BetterDb:Storage:ConnectionString"] = database,
                }).Build();
                services.AddBetterDbStorage(configuration, new Core.DataPaths(Path.GetTempPath()));
                return services.BuildServiceProvider();
            }).ToList();
            try
            {
                await Task.WhenAll(starts.Select(sp => Task.Run(() => sp.GetRequiredService<IStorageInitializer>().InitializeAsync(CancellationToken.None))));
            }
            finally
            {
                foreach (var sp in starts) await sp.DisposeAsync();
            }
            await using var db = new PostgresBetterDbContext(new DbContextOptionsBuilder<BetterDbContext>().UseNpgsql(database).Options);
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.Equal(db.Database.GetMigrations().Count(), (await db.Database.GetAppliedMigrationsAsync()).Count());
        }
        finally
        {
            PostgresServer.Shared.DropDatabase(database);
        }
    }

    [Theory]
    [InlineData(null, "BetterDb:Storage:ConnectionString is required")]
    [InlineData("Host=", "BetterDb:Storage:ConnectionString names no Host")]
    [InlineData("this is not; a=connection string", "BetterDb:Storage:ConnectionString is not a PostgreSQL connection string")]
    public void A_postgres_provider_without_a_usable_connection_string_is_refused_naming_the_key(string? connectionString, string message)
    {
        var result = new StorageOptionsValidator().Validate(null, new StorageOptions { Provider = "postgres", ConnectionString = connectionString });
        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage);
    }

    [Theory]
    [InlineData(50, 30_000, "HeartbeatIntervalMs")]
    [InlineData(5_000, 10_000, "HeartbeatTimeoutMs must be at least three heartbeats")]
    public void Heartbeat_timings_that_would_take_a_live_process_for_dead_are_refused(int interval, int timeout, string message)
    {
        var result = new StorageOptionsValidator().Validate(null, new StorageOptions { HeartbeatIntervalMs = interval, HeartbeatTimeoutMs = timeout });
        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_a_storage_failure_with_what_happened()
    {
        var port = RedisServer.FreePort(); // nothing listens there
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BetterDb:Storage:Provider"] = "postgres",
            ["BetterDb:Storage:ConnectionString"] = $"Host=127.0.0.1;Port={port};Username=postgres;Database=x;Timeout=2",
        }).Build();
        services.AddBetterDbStorage(configuration, new Core.DataPaths(Path.GetTempPath()));
        await using var provider = services.BuildServiceProvider();
        var contexts = provider.GetRequiredService<IDbContextFactory<BetterDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        Assert.IsType<PostgresBetterDbContext>(db);
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => db.Sessions.CountAsync());
        var described = StorageHealth.Describe(ex);
        Assert.NotNull(described);
        Assert.StartsWith("the database server could not be reached", described);
        Assert.IsType<PostgresChunkStore>(provider.GetRequiredService<IChunkStore>());
    }
}
