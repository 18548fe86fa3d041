using BetterDb.Core.Anomalies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BetterDb.Blazor.Api;

/// <summary>
/// <c>/api/monitor/triggers</c>: "capture the next time this happens". A thin layer over <see cref="TriggerService"/>;
/// the core's exceptions become problem details in <see cref="ApiErrorMiddleware"/>.
/// </summary>
internal static class TriggerEndpoints
{
    public static RouteGroupBuilder MapTriggerEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/monitor/triggers");
        g.MapPost("/", Create).WithName("CreateTrigger");
        g.MapGet("/", List).WithName("ListTriggers");
        g.MapGet("/{id}", Get).WithName("GetTrigger");
        // Cancels an active trigger (a finished one is left as it ended) and answers it.
        g.MapDelete("/{id}", Cancel).WithName("CancelTrigger");
        return api;
    }

    private static async Task<Results<Created<Trigger>, ProblemHttpResult>> Create(HttpRequest request, TriggerService triggers, CancellationToken ct)
    {
        var (input, error) = await ApiResults.ReadBody<TriggerInput>(request);
        if (error is not null) return error;
        if (ApiResults.Invalid(await triggers.CheckAsync(input!, ct)) is { } invalid) return invalid;
        var created = await triggers.CreateAsync(input!, ct);
        return TypedResults.Created($"/api/monitor/triggers/{created.Id}", created);
    }

    private static async Task<Results<Ok<IReadOnlyList<Trigger>>, ProblemHttpResult>> List(HttpRequest request, TriggerService triggers,
        CancellationToken ct)
    {
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        return TypedResults.Ok(await triggers.ListAsync(ApiResults.QueryOrNull(request, "connectionId"), ApiResults.QueryOrNull(request, "status"),
            limit, (int)Math.Min(offset, int.MaxValue), ct));
    }

    private static async Task<Results<Ok<Trigger>, ProblemHttpResult>> Get(string id, TriggerService triggers, CancellationToken ct) =>
        await triggers.GetAsync(id, ct) is { } t ? TypedResults.Ok(t) : NotFound(id);

    private static async Task<Results<Ok<Trigger>, ProblemHttpResult>> Cancel(string id, TriggerService triggers, CancellationToken ct) =>
        await triggers.CancelAsync(id, ct) is { } t ? TypedResults.Ok(t) : NotFound(id);

    private static ProblemHttpResult NotFound(string id) => ApiResults.NotFound($"No trigger '{id}'.");
}
