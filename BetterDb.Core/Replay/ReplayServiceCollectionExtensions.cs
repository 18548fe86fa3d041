using BetterDb.Core.Replay;
using Microsoft.Extensions.DependencyInjection;

// In the BetterDb.Core namespace so AddBetterDbCore can call it without another using.
namespace BetterDb.Core;

public static class ReplayServiceCollectionExtensions
{
    /// <summary>Replays of captures against another connection: the service, the engine and its Hangfire job.</summary>
    public static IServiceCollection AddBetterDbReplay(this IServiceCollection services)
    {
        services.AddSingleton<ReplayRuns>();
        services.AddSingleton<ReplayEngine>();
        services.AddSingleton<ReplayService>();
        services.AddSingleton<ReplayJob>();
        services.AddSingleton<ReplayReclaim>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplayReclaim>());
        return services;
    }
}
