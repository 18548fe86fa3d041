using BetterDb.Core.Analysis;
using BetterDb.Core.History;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

// In the BetterDb.Core namespace so AddBetterDbCore can call it without another using.
namespace BetterDb.Core;

public static class HistoryServiceCollectionExtensions
{
    /// <summary>
    /// Instance history: options (validated at start), the collectors per connection (a hosted service), their store and
    /// reader, the session-boundary snapshots (an outbox subscriber), the server-time view and the cross-reference.
    /// </summary>
    public static IServiceCollection AddBetterDbHistory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HistoryOptions>()
            .Bind(configuration.GetSection(HistoryOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HistoryOptions>, HistoryOptionsValidator>();
        services.AddSingleton<HistoryStore>();
        services.AddSingleton<HistoryReader>();
        services.AddSingleton<HistoryCollectors>();
        services.AddHostedService(sp => sp.GetRequiredService<HistoryCollectors>());
        services.AddSingleton<SessionBoundarySnapshots>();
        services.AddSingleton<Events.IOutboxHandler>(sp => sp.GetRequiredService<SessionBoundarySnapshots>());
        services.AddSingleton<SessionServerStatsService>();
        services.AddSingleton<CrossReferenceService>();
        return services;
    }
}
