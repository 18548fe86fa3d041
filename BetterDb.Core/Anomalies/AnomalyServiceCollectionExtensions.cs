using BetterDb.Core.Anomalies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// In the BetterDb.Core namespace so AddBetterDbCore can call it without another using.
namespace BetterDb.Core;

public static class AnomalyServiceCollectionExtensions
{
    /// <summary>Anomaly detection on the history's INFO samples, triggers, their Hangfire fire job and the queue behind running captures.</summary>
    public static IServiceCollection AddBetterDbAnomalies(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AnomalyOptions>().Bind(configuration.GetSection(AnomalyOptions.Section));
        services.AddOptions<TriggerOptions>().Bind(configuration.GetSection(TriggerOptions.Section));
        services.AddSingleton<TriggerJobs>();
        services.AddSingleton<TriggerService>();
        services.AddSingleton<TriggerFireJob>();
        services.AddSingleton<Events.IOutboxHandler, TriggerQueue>();
        services.AddSingleton<AnomalyMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<AnomalyMonitor>());
        return services;
    }
}
