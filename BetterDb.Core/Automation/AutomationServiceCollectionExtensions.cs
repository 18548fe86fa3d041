using BetterDb.Core.Automation;
using BetterDb.Core.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// In the BetterDb.Core namespace so AddBetterDbCore can call it without another using.
namespace BetterDb.Core;

public static class AutomationServiceCollectionExtensions
{
    /// <summary>Capture schedules: the service, the tick and its Hangfire job, and their reconciliation with Hangfire at start.</summary>
    public static IServiceCollection AddBetterDbAutomation(this IServiceCollection services)
    {
        services.AddSingleton<GatedCaptureStart>();
        services.AddSingleton<ScheduleJobs>();
        services.AddSingleton<ScheduleService>();
        services.AddSingleton<ScheduleTicker>();
        services.AddSingleton<ScheduleTickJob>();
        services.AddHostedService<ScheduleReconciliation>();
        return services;
    }
}

/// <summary>
/// At start (after the migrations, which run in <see cref="CaptureLifetime"/>'s StartingAsync; before Hangfire's server
/// starts), makes Hangfire's jobs match the schedules table: a schedule survives restarts and a job never its schedule.
/// Again after a connection is added, renamed or removed, so each job's name on /hangfire says the connection's name of now.
/// </summary>
internal sealed class ScheduleReconciliation(ScheduleService schedules, ConnectionService connections, ILogger<ScheduleReconciliation> log)
    : IHostedService
{
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();

    public async Task StartAsync(CancellationToken ct)
    {
        await ReconcileAsync(ct);
        connections.Changed += OnConnectionsChanged;
    }

    public Task StopAsync(CancellationToken ct)
    {
        connections.Changed -= OnConnectionsChanged;
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    private void OnConnectionsChanged() => _ = ReconcileAsync(_stopping.Token);

    private async Task ReconcileAsync(CancellationToken ct)
    {
        try
        {
            await _one.WaitAsync(ct);
            try { await schedules.ReconcileAsync(ct); }
            finally { _one.Release(); }
        }
        catch (OperationCanceledException) { }
        catch (Exception ex)
        {
            // The app stays up (its captures, its history); schedules then tick as Hangfire last knew them.
            log.LogError(ex, "Could not reconcile the schedules with Hangfire's jobs");
        }
    }
}
