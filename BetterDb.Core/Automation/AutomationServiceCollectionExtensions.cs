using BetterDb.Core.Automation;
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
/// </summary>
internal sealed class ScheduleReconciliation(ScheduleService schedules, ILogger<ScheduleReconciliation> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        try
        {
            await schedules.ReconcileAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The app stays up (its captures, its history); schedules then tick as Hangfire last knew them.
            log.LogError(ex, "Could not reconcile the schedules with Hangfire's jobs");
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
