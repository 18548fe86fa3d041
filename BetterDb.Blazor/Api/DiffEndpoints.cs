using BetterDb.Core.Analysis;
using BetterDb.Core.Lines;

namespace BetterDb.Blazor.Api;

internal static class DiffEndpoints
{
    /// <summary><c>GET /api/monitor/sessions/{id}/diff?vs={otherId}</c>: what changed from <c>vs</c> (the baseline) to <c>{id}</c>.</summary>
    public static RouteGroupBuilder MapDiffEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/monitor/sessions/{id}/diff", async (string id, HttpRequest request, SessionDiffService diffs, CancellationToken ct) =>
        {
            var vs = ApiResults.Query(request, "vs");
            // The analysis' filters and delimiter: a filtered diff compares the same slice of both captures.
            var filter = LineFilter.Parse(name => ApiResults.Query(request, name));
            var delimiter = SessionAnalysis.ParseDelimiter(ApiResults.Query(request, "prefixDelimiter"));
            var (report, missing) = await diffs.DiffAsync(id, vs, filter, delimiter, ct);
            return report is null ? ApiResults.NotFound($"No session '{missing}'.") : Results.Ok(report);
        });
        return api;
    }
}
