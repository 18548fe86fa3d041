using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;

namespace BetterDb.Blazor.Api;

internal static class PreflightEndpoints
{
    /// <summary><c>POST /api/monitor/sessions/preflight</c> <c>{connectionId, durationMs?, byteCap?, lineCap?}</c> -> the pre-flight report.</summary>
    public static RouteGroupBuilder MapPreflightEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/monitor/sessions/preflight", async (HttpRequest request, IPreflightService preflight, CancellationToken ct) =>
        {
            var (body, error) = await ApiResults.ReadBody<PreflightRequest>(request);
            if (error is not null) return error;
            try
            {
                return Results.Ok(await preflight.RunAsync(body!, ct));
            }
            catch (TargetUnreachableException ex)
            {
                // API.md: an unreachable target is a 503 with the server's (or the socket's) own words.
                return Results.Problem(detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Target unreachable");
            }
        });
        return api;
    }
}
