using BetterDb.Core.Analysis;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BetterDb.Blazor.Api;

/// <summary>
/// What a capture says: its analysis, its diff against another capture, its cross-reference with the instance history,
/// and (additive) the server's own counters over it.
/// </summary>
internal static class SessionAnalysisEndpoints
{
    /// <summary>Adds the routes to <c>/api/monitor/sessions</c>, the group every session route shares.</summary>
    public static RouteGroupBuilder MapSessionAnalysisEndpoints(this RouteGroupBuilder sessions)
    {
        sessions.MapGet("/{id}/analysis", Analysis).WithName("AnalyseSession");
        sessions.MapGet("/{id}/diff", Diff).WithName("DiffSessions");
        sessions.MapGet("/{id}/cross-reference", CrossReference).WithName("CrossReferenceSession");
        sessions.MapGet("/{id}/server-stats", ServerStats).WithName("SessionServerStats");
        return sessions;
    }

    private static async Task<Results<Ok<AnalysisReport>, ProblemHttpResult>> Analysis(string id, HttpRequest request,
        CaptureSessionService sessions, SessionAnalysis analysis, CancellationToken ct)
    {
        var (filter, delimiter) = Slice(request);
        if (await sessions.GetAsync(id, ct) is null) return SessionEndpoints.NoSession(id);
        return TypedResults.Ok(await analysis.GetAsync(id, filter, delimiter, ct) with { Warnings = filter.Warnings });
    }

    /// <summary><c>?vs={otherId}</c>: what changed from <c>vs</c> (the baseline) to <c>{id}</c>.</summary>
    private static async Task<Results<Ok<SessionDiffReport>, ProblemHttpResult>> Diff(string id, HttpRequest request, SessionDiffService diffs,
        CancellationToken ct)
    {
        var vs = ApiResults.Query(request, "vs");
        // The analysis' filters and delimiter: a filtered diff compares the same slice of both captures.
        var (filter, delimiter) = Slice(request);
        var (report, missing) = await diffs.DiffAsync(id, vs, filter, delimiter, ct);
        return report is null ? SessionEndpoints.NoSession(missing) : TypedResults.Ok(report);
    }

    private static async Task<Results<Ok<CrossReferenceReport>, ProblemHttpResult>> CrossReference(string id, HttpRequest request,
        CrossReferenceService crossReference, CancellationToken ct)
    {
        // API.md: the default is 24h; any other value than the four is a 400 naming them (Baselines.Window).
        var baseline = ApiResults.Query(request, "baseline");
        if (string.IsNullOrEmpty(baseline)) baseline = Baselines.Day;
        return await crossReference.GetAsync(id, baseline, ct) is { } report ? TypedResults.Ok(report) : SessionEndpoints.NoSession(id);
    }

    /// <summary>Additive: the server's own counters and per-command time over the capture (INFO at its start and end).</summary>
    private static async Task<Results<Ok<SessionServerStats>, ProblemHttpResult>> ServerStats(string id, SessionServerStatsService stats,
        CancellationToken ct) =>
        await stats.GetAsync(id, ct) is { } s ? TypedResults.Ok(s) : SessionEndpoints.NoSession(id);

    /// <summary>The line filters and the key-prefix delimiter of the query string.</summary>
    private static (LineFilter Filter, char Delimiter) Slice(HttpRequest request) =>
        (LineFilter.Parse(name => ApiResults.Query(request, name)), SessionAnalysis.ParseDelimiter(ApiResults.Query(request, "prefixDelimiter")));
}
