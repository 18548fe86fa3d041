using BetterDb.Core.Anomalies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BetterDb.Blazor.Api;

/// <summary><c>/api/anomalies</c>: what the detector confirmed, newest first. A thin layer over <see cref="TriggerService"/>.</summary>
internal static class AnomalyEndpoints
{
    public static RouteGroupBuilder MapAnomalyEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/anomalies");
        g.MapGet("/", List).WithName("ListAnomalies");
        g.MapGet("/{id}", Get).WithName("GetAnomaly");
        return api;
    }

    private static async Task<Results<Ok<IReadOnlyList<Anomaly>>, ProblemHttpResult>> List(HttpRequest request, TriggerService triggers,
        CancellationToken ct)
    {
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        var metric = ApiResults.QueryOrNull(request, "metric");
        if (metric is not null && metric != AnomalyMetric.Role && !AnomalyMetric.All.Contains(metric))
            return ApiResults.BadRequest("metric", $"Unknown metric '{metric}'; the metrics are {string.Join(", ", AnomalyMetric.All)}, role.");
        var severity = ApiResults.QueryOrNull(request, "severity");
        if (severity is not null && severity is not (AnomalySeverity.Warning or AnomalySeverity.Critical))
            return ApiResults.BadRequest("severity", "severity must be \"warning\" or \"critical\".");
        return TypedResults.Ok(await triggers.AnomaliesAsync(new AnomalyQuery(ApiResults.QueryOrNull(request, "connectionId"), metric, severity, limit,
            (int)Math.Min(offset, int.MaxValue)), ct));
    }

    private static async Task<Results<Ok<Anomaly>, ProblemHttpResult>> Get(string id, TriggerService triggers, CancellationToken ct) =>
        await triggers.AnomalyAsync(id, ct) is { } a ? TypedResults.Ok(a) : ApiResults.NotFound($"No anomaly '{id}'.");
}
