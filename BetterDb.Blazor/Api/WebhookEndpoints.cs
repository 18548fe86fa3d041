using BetterDb.Core.Webhooks;

namespace BetterDb.Blazor.Api;

/// <summary>
/// <c>/api/webhooks</c>: endpoints told of session events, their delivery log, a test ping and (additive) redelivery.
/// A thin layer over <see cref="WebhookService"/>, which the Webhooks page calls directly; the core's exceptions
/// become problem details in <see cref="ApiErrorMiddleware"/>.
/// </summary>
internal static class WebhookEndpoints
{
    public static RouteGroupBuilder MapWebhookEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/webhooks");

        g.MapPost("/", async (HttpRequest request, WebhookService hooks, CancellationToken ct) =>
        {
            var (input, error) = await ApiResults.ReadBody<WebhookInput>(request);
            if (error is not null) return error;
            if (ApiResults.Invalid(await hooks.CheckAsync(input!, ct)) is { } invalid) return invalid;
            var created = await hooks.CreateAsync(input!, ct);
            return Results.Created($"/api/webhooks/{created.Id}", created);
        });

        g.MapGet("/", async (HttpRequest request, WebhookService hooks, CancellationToken ct) =>
        {
            var connectionId = ApiResults.Query(request, "connectionId");
            return Results.Ok(await hooks.ListAsync(string.IsNullOrEmpty(connectionId) ? null : connectionId, ct));
        });

        g.MapGet("/{id}", async (string id, WebhookService hooks, CancellationToken ct) =>
            await hooks.GetAsync(id, ct) is { } hook ? Results.Ok(hook) : NotFound(id));

        // Replaces the endpoint; a secret left out keeps the one set, an empty one removes it.
        g.MapPut("/{id}", async (string id, HttpRequest request, WebhookService hooks, CancellationToken ct) =>
        {
            var (input, error) = await ApiResults.ReadBody<WebhookInput>(request);
            if (error is not null) return error;
            if (await hooks.GetAsync(id, ct) is null) return NotFound(id);
            if (ApiResults.Invalid(await hooks.CheckAsync(input!, ct)) is { } invalid) return invalid;
            return await hooks.UpdateAsync(id, input!, ct) is { } updated ? Results.Ok(updated) : NotFound(id);
        });

        g.MapDelete("/{id}", async (string id, WebhookService hooks, CancellationToken ct) =>
            await hooks.DeleteAsync(id, ct) ? Results.NoContent() : NotFound(id));

        g.MapPost("/{id}/test", async (string id, WebhookService hooks, CancellationToken ct) =>
            await hooks.TestAsync(id, ct) is { } delivery ? Results.Ok(delivery) : NotFound(id));

        g.MapGet("/{id}/deliveries", async (string id, HttpRequest request, WebhookService hooks, CancellationToken ct) =>
        {
            if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
            return await hooks.DeliveriesAsync(id, limit, offset, ct) is { } deliveries ? Results.Ok(deliveries) : NotFound(id);
        });

        // Additive: a failed delivery sent again with its body and delivery id (409 while pending or once it succeeded).
        g.MapPost("/deliveries/{deliveryId}/redeliver", async (string deliveryId, WebhookService hooks, CancellationToken ct) =>
            await hooks.RedeliverAsync(deliveryId, ct) is { } delivery
                ? Results.Accepted($"/api/webhooks/{delivery.WebhookId}/deliveries", delivery)
                : ApiResults.NotFound($"No webhook delivery '{deliveryId}'."));

        return api;
    }

    private static IResult NotFound(string id) => ApiResults.NotFound($"No webhook '{id}'.");
}
