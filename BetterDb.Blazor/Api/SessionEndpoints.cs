using BetterDb.Core.Analysis;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;

namespace BetterDb.Blazor.Api;

internal static class SessionEndpoints
{
    /// <summary>How long a read waits for a connection's key specs before using the built-in table.</summary>
    private static readonly TimeSpan KeySpecWait = TimeSpan.FromSeconds(1);

    /// <summary>The header an export carries for each filter warning (the file itself has no place for them).</summary>
    public const string WarningHeader = "X-BetterDb-Warning";

    public static RouteGroupBuilder MapSessionEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/monitor/sessions");

        g.MapPost("/", async (HttpRequest request, CaptureSessionService sessions, CancellationToken ct) =>
        {
            var (body, error) = await ApiResults.ReadBody<StartCaptureRequest>(request);
            if (error is not null) return error;
            // The HTTP API starts manual captures; triggers and schedules start theirs in-process.
            var session = await sessions.StartAsync(body! with { Source = SessionSource.Manual, TriggerId = null, ScheduleId = null }, ct);
            return Results.Created($"/api/monitor/sessions/{session.Id}", session);
        });

        g.MapGet("/", async (HttpRequest request, CaptureSessionService sessions, CancellationToken ct) =>
        {
            if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
            var status = ApiResults.Query(request, "status");
            if (!string.IsNullOrEmpty(status) && !SessionStatus.All.Contains(status))
                return ApiResults.BadRequest("status", $"status must be one of {string.Join(", ", SessionStatus.All)}.");
            // Additive: source, requestedBy, scheduleId, q (search) and sort.
            var source = ApiResults.Query(request, "source");
            if (!string.IsNullOrEmpty(source) && !SessionListQuery.Sources.Contains(source))
                return ApiResults.BadRequest("source", $"source must be one of {string.Join(", ", SessionListQuery.Sources)}.");
            var sortText = ApiResults.Query(request, "sort");
            if (!SessionListQuery.TryParseSort(sortText, out var sort))
                return ApiResults.BadRequest("sort", $"sort must be one of {string.Join(", ", SessionListQuery.SortNames)}.");
            var search = ApiResults.Query(request, "q");
            if (search is { Length: > 200 }) return ApiResults.BadRequest("q", "q is longer than 200 characters.");
            var query = new SessionQuery(ApiResults.Query(request, "connectionId"), status, limit, (int)Math.Min(offset, int.MaxValue))
            {
                Source = NullIfEmpty(source),
                RequestedBy = NullIfEmpty(ApiResults.Query(request, "requestedBy")),
                ScheduleId = NullIfEmpty(ApiResults.Query(request, "scheduleId")),
                Search = NullIfEmpty(search),
                Sort = sort,
            };
            return Results.Ok(await sessions.ListAsync(query, ct));
        });

        // Additive: a session's label, note and keep flag; a field left out (or null) stays as it is, "" clears.
        g.MapPatch("/{id}", async (string id, HttpRequest request, CaptureSessionService sessions, CancellationToken ct) =>
        {
            var (body, error) = await ApiResults.ReadBody<SessionEditBody>(request);
            if (error is not null) return error;
            var edited = await sessions.EditAsync(id, new SessionEdit(body!.Label, body.Note, body.Keep), ct);
            return edited is null ? ApiResults.NotFound($"No session '{id}'.") : Results.Ok(edited);
        });

        g.MapGet("/{id}", async (string id, CaptureSessionService sessions, CancellationToken ct) =>
            await sessions.GetAsync(id, ct) is { } s ? Results.Ok(s) : ApiResults.NotFound($"No session '{id}'."));

        g.MapPost("/{id}/stop", async (string id, CaptureSessionService sessions, CancellationToken ct) =>
            await sessions.StopAsync(id, ct) is { } s ? Results.Ok(s) : ApiResults.NotFound($"No session '{id}'."));

        g.MapDelete("/{id}", async (string id, CaptureSessionService sessions, CancellationToken ct) =>
            await sessions.DeleteAsync(id, ct) ? Results.NoContent() : ApiResults.NotFound($"No session '{id}'."));

        g.MapGet("/{id}/lines", async (string id, HttpRequest request, CaptureSessionService sessions, SessionLines lines, KeySpecCache keySpecs, CancellationToken ct) =>
        {
            if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
            var filter = LineFilter.Parse(name => ApiResults.Query(request, name));
            if (await sessions.GetAsync(id, ct) is not { } session) return ApiResults.NotFound($"No session '{id}'.");
            var table = await keySpecs.GetOrBuiltInAsync(session.ConnectionId, KeySpecWait, ct);
            var page = await lines.ReadAsync(id, offset, limit, filter.WithKeySpecs(table), ct, table);
            return Results.Ok(new { sessionId = id, offset, limit, lines = page, warnings = filter.Warnings });
        });

        g.MapGet("/{id}/export", async (string id, HttpContext http, CaptureSessionService sessions, SessionLines lines, KeySpecCache keySpecs, CancellationToken ct) =>
        {
            var name = ApiResults.Query(http.Request, "format") ?? "txt";
            if (!SessionExport.TryParseFormat(name, out var format))
                return ApiResults.BadRequest("format", $"Unknown export format '{name}'. Available: {string.Join(", ", SessionExport.FormatNames)}.");
            var filter = LineFilter.Parse(q => ApiResults.Query(http.Request, q));
            if (await sessions.GetAsync(id, ct) is not { } session) return ApiResults.NotFound($"No session '{id}'.");
            var table = await keySpecs.GetOrBuiltInAsync(session.ConnectionId, KeySpecWait, ct);
            // A file has no place for the filter's warnings: they travel as headers (ASCII, as their text is).
            foreach (var warning in filter.Warnings) http.Response.Headers.Append(WarningHeader, $"{warning.Field}: {warning.Detail}");
            return Results.Stream(stream => SessionExport.WriteAsync(lines, id, filter, format, stream, ct, table, session.LastLineUnterminated),
                SessionExport.ContentType(format), SessionExport.FileName(id, format));
        });

        g.MapGet("/{id}/analysis", async (string id, HttpRequest request, CaptureSessionService sessions, SessionAnalysis analysis, CancellationToken ct) =>
        {
            var filter = LineFilter.Parse(name => ApiResults.Query(request, name));
            var delimiter = SessionAnalysis.ParseDelimiter(ApiResults.Query(request, "prefixDelimiter"));
            if (await sessions.GetAsync(id, ct) is null) return ApiResults.NotFound($"No session '{id}'.");
            return Results.Ok(await analysis.GetAsync(id, filter, delimiter, ct) with { Warnings = filter.Warnings });
        });

        return api;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>The body of <c>PATCH /api/monitor/sessions/{id}</c>.</summary>
    private sealed record SessionEditBody(string? Label, string? Note, bool? Keep);
}

/// <summary>The words of the sessions list's query string (<c>source</c>, <c>sort</c>), shared by the API and the Monitor page's URL.</summary>
public static class SessionListQuery
{
    public static readonly string[] Sources = [SessionSource.Manual, SessionSource.Trigger, SessionSource.Schedule, SessionSource.Import];

    public static readonly string[] SortNames = ["newest", "oldest", "most_lines", "most_bytes", "longest"];

    /// <summary>null or "" is <see cref="SessionSort.Newest"/>; an unknown word is false.</summary>
    public static bool TryParseSort(string? text, out SessionSort sort)
    {
        sort = SessionSort.Newest;
        if (string.IsNullOrEmpty(text)) return true;
        var i = Array.IndexOf(SortNames, text);
        if (i < 0) return false;
        sort = (SessionSort)i;
        return true;
    }

    public static string SortName(SessionSort sort) => SortNames[(int)sort];
}
