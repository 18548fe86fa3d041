using BetterDb.Core.Replay;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BetterDb.Blazor.Api;

/// <summary>
/// Replays of a capture against another connection (API.md's Replay section): asking for one (202, run by a Hangfire job),
/// reading one or a session's, cancelling one. A thin layer over <see cref="ReplayService"/>, which the UI calls directly.
/// Operators may replay and cancel; viewers only read (<see cref="Security.ApiAccess"/> decides by method).
/// </summary>
internal static class ReplayEndpoints
{
    public static RouteGroupBuilder MapReplayEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/monitor/sessions/{id}/replay", Start).WithName("ReplaySession");
        var g = api.MapGroup("/replays");
        g.MapGet("/", List).WithName("ListReplays");
        g.MapGet("/{id}", Get).WithName("GetReplay");
        g.MapPost("/{id}/cancel", Cancel).WithName("CancelReplay");
        return api;
    }

    public static string Location(string id) => $"/api/replays/{id}";

    private static async Task<Results<Accepted<ReplayRun>, ProblemHttpResult>> Start(string id, HttpRequest request, ReplayService replays,
        CancellationToken ct)
    {
        var (body, error) = await ApiResults.ReadBody<ReplayRequest>(request);
        if (error is not null) return error;
        var replay = await replays.StartAsync(id, body!, ct);
        return TypedResults.Accepted(Location(replay.Id), replay);
    }

    private static async Task<Results<Ok<IReadOnlyList<ReplayRun>>, ProblemHttpResult>> List(HttpRequest request, ReplayService replays, CancellationToken ct)
    {
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        return TypedResults.Ok(await replays.ListAsync(ApiResults.QueryOrNull(request, "sessionId"), limit, (int)Math.Min(offset, int.MaxValue), ct));
    }

    private static async Task<Results<Ok<ReplayRun>, ProblemHttpResult>> Get(string id, ReplayService replays, CancellationToken ct) =>
        await replays.GetAsync(id, ct) is { } r ? TypedResults.Ok(r) : NoReplay(id);

    private static async Task<Results<Ok<ReplayRun>, ProblemHttpResult>> Cancel(string id, ReplayService replays, CancellationToken ct) =>
        await replays.CancelAsync(id, ct) is { } r ? TypedResults.Ok(r) : NoReplay(id);

    private static ProblemHttpResult NoReplay(string id) => ApiResults.NotFound($"No replay '{id}'.");
}
