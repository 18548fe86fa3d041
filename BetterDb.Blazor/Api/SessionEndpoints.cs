using BetterDb.Core.Analysis;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;

namespace BetterDb.Blazor.Api;

internal static class SessionEndpoints
{
    /// <summary>How long a read waits for a connection's key specs before using the built-in table.</summary>
    private static readonly TimeSpan KeySpecWait = TimeSpan.FromSeconds(1);

    public static RouteGroupBuilder MapSessionEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/monitor/sessions");

        g.MapPost("/", (HttpRequest request, CaptureSessionService sessions, CancellationToken ct) => ApiResults.Guard(async () =>
        {
            var (body, error) = await ApiResults.ReadBody<StartCaptureRequest>(request);
            if (error is not null) return error;
            // The HTTP API starts manual captures; triggers and schedules start theirs in-process.
            var session = await sessions.StartAsync(body! with { Source = SessionSource.Manual, TriggerId = null, ScheduleId = null }, ct);
            return Results.Created($"/api/monitor/sessions/{session.Id}", session);
        }));

        g.MapGet("/", async (HttpRequest request, CaptureSessionService sessions, CancellationToken ct) =>
        {
            if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
            var status = request.Query["status"].FirstOrDefault();
            if (!string.IsNullOrEmpty(status) && !SessionStatus.All.Contains(status))
                return ApiResults.BadRequest("status", $"status must be one of {string.Join(", ", SessionStatus.All)}.");
            var query = new SessionQuery(request.Query["connectionId"].FirstOrDefault(), status, limit, (int)Math.Min(offset, int.MaxValue));
            return Results.Ok(await sessions.ListAsync(query, ct));
        });

        g.MapGet("/{id}", async (string id, CaptureSessionService sessions, CancellationToken ct) =>
            await sessions.GetAsync(id, ct) is { } s ? Results.Ok(s) : ApiResults.NotFound($"No session '{id}'."));

        g.MapPost("/{id}/stop", async (string id, CaptureSessionService sessions, CancellationToken ct) =>
            await sessions.StopAsync(id, ct) is { } s ? Results.Ok(s) : ApiResults.NotFound($"No session '{id}'."));

        g.MapDelete("/{id}", async (string id, CaptureSessionService sessions, CancellationToken ct) =>
            await sessions.DeleteAsync(id, ct) ? Results.NoContent() : ApiResults.NotFound($"No session '{id}'."));

        g.MapGet("/{id}/lines", (string id, HttpRequest request, CaptureSessionService sessions, SessionLines lines, KeySpecCache keySpecs, CancellationToken ct) => ApiResults.Guard(async () =>
        {
            if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
            var filter = LineFilter.Parse(name => request.Query[name].FirstOrDefault());
            if (await sessions.GetAsync(id, ct) is not { } session) return ApiResults.NotFound($"No session '{id}'.");
            var table = await keySpecs.GetOrBuiltInAsync(session.ConnectionId, KeySpecWait, ct);
            var page = await lines.ReadAsync(id, offset, limit, filter.WithKeySpecs(table), ct, table);
            return Results.Ok(new { sessionId = id, offset, limit, lines = page });
        }));

        g.MapGet("/{id}/export", (string id, HttpContext http, CaptureSessionService sessions, SessionLines lines, KeySpecCache keySpecs, CancellationToken ct) => ApiResults.Guard(async () =>
        {
            var name = http.Request.Query["format"].FirstOrDefault() ?? "txt";
            if (!SessionExport.TryParseFormat(name, out var format))
                return ApiResults.BadRequest("format", $"Unknown export format '{name}'. Available: {string.Join(", ", SessionExport.FormatNames)}.");
            var filter = LineFilter.Parse(q => http.Request.Query[q].FirstOrDefault());
            if (await sessions.GetAsync(id, ct) is not { } session) return ApiResults.NotFound($"No session '{id}'.");
            var table = await keySpecs.GetOrBuiltInAsync(session.ConnectionId, KeySpecWait, ct);
            return Results.Stream(stream => SessionExport.WriteAsync(lines, id, filter, format, stream, ct, table),
                SessionExport.ContentType(format), SessionExport.FileName(id, format));
        }));

        g.MapGet("/{id}/analysis", (string id, HttpRequest request, CaptureSessionService sessions, SessionAnalysis analysis, CancellationToken ct) => ApiResults.Guard(async () =>
        {
            var filter = LineFilter.Parse(name => request.Query[name].FirstOrDefault());
            var delimiter = SessionAnalysis.ParseDelimiter(request.Query["prefixDelimiter"].FirstOrDefault());
            if (await sessions.GetAsync(id, ct) is null) return ApiResults.NotFound($"No session '{id}'.");
            return Results.Ok(await analysis.GetAsync(id, filter, delimiter, ct));
        }));

        return api;
    }
}
