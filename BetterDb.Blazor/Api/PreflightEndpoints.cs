using BetterDb.Core.Preflight;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BetterDb.Blazor.Api;

internal static class PreflightEndpoints
{
    /// <summary>
    /// <c>POST /api/monitor/sessions/preflight</c> <c>{connectionId, durationMs?, byteCap?, lineCap?}</c> -> the pre-flight
    /// report; an unreachable target is ApiErrorMiddleware's 503 with the server's (or the socket's) own words.
    /// </summary>
    public static RouteGroupBuilder MapPreflightEndpoints(this RouteGroupBuilder sessions)
    {
        sessions.MapPost("/preflight", Preflight).WithName("PreflightSession");
        return sessions;
    }

    private static async Task<Results<Ok<PreflightReport>, ProblemHttpResult>> Preflight(HttpRequest request, IPreflightService preflight,
        CancellationToken ct)
    {
        var (body, error) = await ApiResults.ReadBody<PreflightRequest>(request);
        if (error is not null) return error;
        return TypedResults.Ok(await preflight.RunAsync(body!, ct));
    }
}
