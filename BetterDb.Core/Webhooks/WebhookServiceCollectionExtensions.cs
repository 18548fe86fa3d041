using BetterDb.Core.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

// In the BetterDb.Core namespace so AddBetterDbCore can call it without another using.
namespace BetterDb.Core;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>Webhooks: options (validated at start), the sender, the delivery job, the outbox subscriber and the service.</summary>
    public static IServiceCollection AddBetterDbWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookDeliveryJob>();
        services.AddSingleton<WebhookService>();
        services.AddSingleton<Events.IOutboxHandler, WebhookFanOut>();
        return services;
    }
}
