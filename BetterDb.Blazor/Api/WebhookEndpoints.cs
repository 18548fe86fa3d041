using BetterDb.Core.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

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
        g.MapPost("/", Create).WithName("CreateWebhook");
        g.MapGet("/", List).WithName("ListWebhooks");
        g.MapGet("/{id}", Get).WithName("GetWebhook");
        g.MapPut("/{id}", Update).WithName("UpdateWebhook");
        g.MapDelete("/{id}", Delete).WithName("DeleteWebhook");
        g.MapPost("/{id}/test", Test).WithName("TestWebhook");
        g.MapGet("/{id}/deliveries", Deliveries).WithName("ListWebhookDeliveries");
        g.MapPost("/deliveries/{deliveryId}/redeliver", Redeliver).WithName("RedeliverWebhookDelivery");
        return api;
    }

    private static async Task<Results<Created<Webhook>, ProblemHttpResult>> Create(HttpRequest request, WebhookService hooks, CancellationToken ct)
    {
        var (input, error) = await ApiResults.ReadBody<WebhookInput>(request);
        if (error is not null) return error;
        if (ApiResults.Invalid(await hooks.CheckAsync(input!, ct)) is { } invalid) return invalid;
        var created = await hooks.CreateAsync(input!, ct);
        return TypedResults.Created($"/api/webhooks/{created.Id}", created);
    }

    private static async Task<Ok<IReadOnlyList<Webhook>>> List(HttpRequest request, WebhookService hooks, CancellationToken ct) =>
        TypedResults.Ok(await hooks.ListAsync(ApiResults.QueryOrNull(request, "connectionId"), ct));

    private static async Task<Results<Ok<Webhook>, ProblemHttpResult>> Get(string id, WebhookService hooks, CancellationToken ct) =>
        await hooks.GetAsync(id, ct) is { } hook ? TypedResults.Ok(hook) : NotFound(id);

    /// <summary>Replaces the endpoint; a secret left out keeps the one set, an empty one removes it.</summary>
    private static async Task<Results<Ok<Webhook>, ProblemHttpResult>> Update(string id, HttpRequest request, WebhookService hooks, CancellationToken ct)
    {
        var (input, error) = await ApiResults.ReadBody<WebhookInput>(request);
        if (error is not null) return error;
        if (await hooks.GetAsync(id, ct) is null) return NotFound(id);
        if (ApiResults.Invalid(await hooks.CheckAsync(input!, ct)) is { } invalid) return invalid;
        return await hooks.UpdateAsync(id, input!, ct) is { } updated ? TypedResults.Ok(updated) : NotFound(id);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, WebhookService hooks, CancellationToken ct) =>
        await hooks.DeleteAsync(id, ct) ? TypedResults.NoContent() : NotFound(id);

    private static async Task<Results<Ok<WebhookDelivery>, ProblemHttpResult>> Test(string id, WebhookService hooks, CancellationToken ct) =>
        await hooks.TestAsync(id, ct) is { } delivery ? TypedResults.Ok(delivery) : NotFound(id);

    private static async Task<Results<Ok<IReadOnlyList<WebhookDelivery>>, ProblemHttpResult>> Deliveries(string id, HttpRequest request,
        WebhookService hooks, CancellationToken ct)
    {
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        return await hooks.DeliveriesAsync(id, limit, offset, ct) is { } deliveries ? TypedResults.Ok(deliveries) : NotFound(id);
    }

    /// <summary>Additive: a failed delivery sent again with its body and delivery id (409 while pending or once it succeeded).</summary>
    private static async Task<Results<Accepted<WebhookDelivery>, ProblemHttpResult>> Redeliver(string deliveryId, WebhookService hooks,
        CancellationToken ct) =>
        await hooks.RedeliverAsync(deliveryId, ct) is { } delivery
            ? TypedResults.Accepted($"/api/webhooks/{delivery.WebhookId}/deliveries", delivery)
            : ApiResults.NotFound($"No webhook delivery '{deliveryId}'.");

    private static ProblemHttpResult NotFound(string id) => ApiResults.NotFound($"No webhook '{id}'.");
}
