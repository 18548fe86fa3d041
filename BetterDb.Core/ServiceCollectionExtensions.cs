using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BetterDb.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>Options, storage, connections and captures. <paramref name="contentRoot"/> anchors a relative data directory.</summary>
    public static IServiceCollection AddBetterDbCore(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<BetterDbOptions>()
            .Bind(configuration.GetSection(BetterDbOptions.Section))
            .PostConfigure(o => o.DefaultConnectionTls.ResolvePaths(contentRoot))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<BetterDbOptions>, BetterDbOptionsValidator>();
        services.AddSingleton<IValidateOptions<BetterDbOptions>, MonitorOptionsValidator>();
        services.AddSingleton<IValidateOptions<BetterDbOptions>, DefaultConnectionValidator>();

        var dataDirectory = DataDirectory(configuration, contentRoot);
        // Mode 700 for the folder, 600 for the databases (SQLite gives its -wal/-shm files the database's mode) and keys.
        Connections.KeyRing.PrivateFiles.EnsureDirectory(dataDirectory);
        services.AddSingleton(new DataPaths(dataDirectory));
        if (!StorageOptions.IsPostgresProvider(configuration))
            foreach (var file in new[] { new DataPaths(dataDirectory).Database, new DataPaths(dataDirectory).HangfireDatabase })
            {
                Connections.KeyRing.PrivateFiles.CreateFile(file);
                Connections.KeyRing.PrivateFiles.Restrict(file + "-wal");
                Connections.KeyRing.PrivateFiles.Restrict(file + "-shm");
            }

        // The key ring encrypted at rest with a certificate or a key-encryption key from outside the data directory.
        Connections.KeyRing.KeyRingProtection.AddBetterDbDataProtection(services, configuration, dataDirectory);

        services.AddBetterDbStorage(configuration, new DataPaths(dataDirectory));
        services.AddSingleton<ConnectionService>();
        services.AddSingleton(AppInstance.ForThisProcess());
        services.AddSingleton<Events.OutboxDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<Events.OutboxDispatcher>());
        services.AddSingleton<SessionLifecycle>();
        services.AddSingleton<CaptureSessionService>();
        services.AddSingleton<CaptureOwnership>();
        services.AddHostedService(sp => sp.GetRequiredService<CaptureOwnership>());
        services.AddSingleton<SessionLines>();
        services.AddSingleton<SessionImport>();
        services.AddSingleton<Analysis.SessionAnalysis>();
        services.AddSingleton<Analysis.AnalysisJob>();
        services.AddSingleton<Analysis.SessionDiffService>();
        services.AddSingleton<Events.IOutboxHandler, Analysis.AnalyseEndedSessions>();
        services.AddSingleton<Capture.KeySpecCache>();
        services.AddHostedService<CaptureLifetime>();
        services.AddHostedService<ChunkFactsBackfill>();
        services.AddBetterDbPreflight(configuration);
        services.AddBetterDbAutomation();
        services.AddBetterDbHistory(configuration);
        services.AddBetterDbWebhooks(configuration);
        services.AddBetterDbAnomalies(configuration);
        services.AddBetterDbReplay();
        Retention.RetentionServiceCollectionExtensions.AddBetterDbRetention(services, configuration);
        return services;
    }

    public static string DataDirectory(IConfiguration configuration, string contentRoot)
    {
        var configured = configuration[$"{BetterDbOptions.Section}:DataDirectory"];
        var dir = string.IsNullOrWhiteSpace(configured) ? "data" : configured;
        return Path.GetFullPath(Path.IsPathRooted(dir) ? dir : Path.Combine(contentRoot, dir));
    }
}

public sealed record DataPaths(string Root)
{
    public string Database => Path.Combine(Root, "betterdb.db");
    public string HangfireDatabase => Path.Combine(Root, "hangfire.db");
}

/// <summary>
/// Applies migrations and reconciles sessions a crash left running before anything
/// else starts; on shutdown, flushes running captures and ends them <c>app_shutdown</c>.
/// </summary>
public sealed class CaptureLifetime(IStorageInitializer storage, CaptureSessionService sessions, CaptureOwnership ownership)
    : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken ct)
    {
        await storage.InitializeAsync(ct);
        await ownership.ReclaimAsync(ct);
    }

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken ct) => sessions.ShutdownAsync(ct);
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}
