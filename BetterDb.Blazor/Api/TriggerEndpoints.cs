using BetterDb.Core.Anomalies;

namespace BetterDb.Blazor.Api;

/// <summary>
/// <c>/api/monitor/triggers</c> ("capture the next time this happens") and <c>/api/anomalies</c> (what the detector
/// confirmed). A thin layer over <see cref="TriggerService"/>; the core's exceptions become problem details in
/// <see cref="ApiErrorMiddleware"/>.
/// </summary>
internal static class TriggerEndpoints
{
    public static RouteGroupBuilder MapTriggerEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/monitor/triggers");

        g.MapPost("/", async (HttpRequest request, TriggerService triggers, CancellationToken ct) =>
        {
            var (input, error) = await ApiResults.ReadBody<TriggerInput>(request);
            if (error is not null) return error;
            if (ApiResults.Invalid(await triggers.CheckAsync(input!, ct)) is { } invalid) return invalid;
            var created = await triggers.CreateAsync(input!, ct);
            return Results.Created($"/api/monitor/triggers/{created.Id}", created);
        });

        g.MapGet("/", async (HttpRequest request, TriggerService triggers, CancellationToken ct) =>
        {
            if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
            return Results.Ok(await triggers.ListAsync(Blank(ApiResults.Query(request, "connectionId")), Blank(ApiResults.Query(request, "status")),
                limit, (int)Math.Min(offset, int.MaxValue), ct));
        });

        g.MapGet("/{id}", async (string id, TriggerService triggers, CancellationToken ct) =>
            await triggers.GetAsync(id, ct) is { } t ? Results.Ok(t) : NotFound(id));

        // Cancels an active trigger (a finished one is left as it ended) and answers it.
        g.MapDelete("/{id}", async (string id, TriggerService triggers, CancellationToken ct) =>
            await triggers.CancelAsync(id, ct) is { } t ? Results.Ok(t) : NotFound(id));

        api.MapGet("/anomalies", async (HttpRequest request, TriggerService triggers, CancellationToken ct) =>
        {
            if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
            var metric = Blank(ApiResults.Query(request, "metric"));
            if (metric is not null && metric != AnomalyMetric.Role && !AnomalyMetric.All.Contains(metric))
                return ApiResults.BadRequest("metric", $"Unknown metric '{metric}'; the metrics are {string.Join(", ", AnomalyMetric.All)}, role.");
            var severity = Blank(ApiResults.Query(request, "severity"));
            if (severity is not null && severity is not (AnomalySeverity.Warning or AnomalySeverity.Critical))
                return ApiResults.BadRequest("severity", "severity must be \"warning\" or \"critical\".");
            return Results.Ok(await triggers.AnomaliesAsync(new AnomalyQuery(Blank(ApiResults.Query(request, "connectionId")), metric, severity, limit,
                (int)Math.Min(offset, int.MaxValue)), ct));
        });

        api.MapGet("/anomalies/{id}", async (string id, TriggerService triggers, CancellationToken ct) =>
            await triggers.AnomalyAsync(id, ct) is { } a ? Results.Ok(a) : ApiResults.NotFound($"No anomaly '{id}'."));

        return api;
    }

    private static string? Blank(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static IResult NotFound(string id) => ApiResults.NotFound($"No trigger '{id}'.");
}
