using BetterDb.Core.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using BetterDb.Core.Preflight;

// In the BetterDb.Core namespace so AddBetterDbCore can call it without another using.
namespace BetterDb.Core;

public static class PreflightServiceCollectionExtensions
{
    /// <summary>Health-gate options (validated at start), the MONITOR support cache, the health gate and the pre-flight.</summary>
    public static IServiceCollection AddBetterDbPreflight(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HealthGateOptions>()
            .Bind(configuration.GetSection(HealthGateOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HealthGateOptions>, HealthGateOptionsValidator>();
        services.AddSingleton<InfoSampleHistory>();
        services.AddSingleton<MonitorSupportService>();
        services.AddSingleton<HealthGateService>();
        services.AddSingleton<PreflightService>();
        services.AddSingleton<IPreflightService>(sp => sp.GetRequiredService<PreflightService>());
        return services;
    }
}
