using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BetterDb.Blazor.Api;

/// <summary>Starting, listing, editing, stopping and deleting capture sessions, and reading or exporting their lines.</summary>
internal static class SessionEndpoints
{
    /// <summary>How long a read waits for a connection's key specs before using the built-in table.</summary>
    private static readonly TimeSpan KeySpecWait = TimeSpan.FromSeconds(1);

    /// <summary>The header an export carries for each filter warning (the file itself has no place for them).</summary>
    public const string WarningHeader = "X-BetterDb-Warning";

    /// <summary>Adds the routes to <c>/api/monitor/sessions</c>, the group every session route shares.</summary>
    public static RouteGroupBuilder MapSessionEndpoints(this RouteGroupBuilder sessions)
    {
        sessions.MapPost("/", Start).WithName("StartSession");
        sessions.MapGet("/", List).WithName("ListSessions");
        sessions.MapGet("/{id}", Get).WithName("GetSession");
        sessions.MapPatch("/{id}", Edit).WithName("EditSession");
        sessions.MapPost("/{id}/stop", Stop).WithName("StopSession");
        sessions.MapDelete("/{id}", Delete).WithName("DeleteSession");
        sessions.MapGet("/{id}/lines", ReadLines).WithName("ReadSessionLines");
        sessions.MapGet("/{id}/export", Export).WithName("ExportSession");
        return sessions;
    }

    /// <summary>Where a session is read: the <c>Location</c> of a 201.</summary>
    public static string Location(string id) => $"/api/monitor/sessions/{id}";

    public static ProblemHttpResult NoSession(string? id) => ApiResults.NotFound($"No session '{id}'.");

    private static async Task<Results<Created<CaptureSession>, ProblemHttpResult>> Start(HttpRequest request, CaptureSessionService sessions,
        CancellationToken ct)
    {
        var (body, error) = await ApiResults.ReadBody<StartCaptureRequest>(request);
        if (error is not null) return error;
        // The HTTP API starts manual captures; triggers and schedules start theirs in-process.
        var session = await sessions.StartAsync(body! with { Source = CaptureSource.Manual, TriggerId = null, ScheduleId = null }, ct);
        return TypedResults.Created(Location(session.Id), session);
    }

    private static async Task<Results<Ok<IReadOnlyList<CaptureSession>>, ProblemHttpResult>> List(HttpRequest request, CaptureSessionService sessions,
        CancellationToken ct)
    {
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        var status = ApiResults.Query<CaptureStatus>(request, "status");
        // Additive: source, requestedBy, scheduleId, q (search) and sort.
        var source = ApiResults.Query<CaptureSource>(request, "source");
        var sort = ApiResults.Query<SessionSort>(request, "sort") ?? SessionSort.Newest;
        var search = ApiResults.QueryOrNull(request, "q");
        if (search is { Length: > 200 }) return ApiResults.BadRequest("q", "q is longer than 200 characters.");
        var query = new SessionQuery(ApiResults.Query(request, "connectionId"), status, limit,
            (int)Math.Min(offset, int.MaxValue))
        {
            Source = source,
            RequestedBy = ApiResults.QueryOrNull(request, "requestedBy"),
            ScheduleId = ApiResults.QueryOrNull(request, "scheduleId"),
            Search = search,
            Sort = sort,
        };
        return TypedResults.Ok(await sessions.ListAsync(query, ct));
    }

    private static async Task<Results<Ok<CaptureSession>, ProblemHttpResult>> Get(string id, CaptureSessionService sessions, CancellationToken ct) =>
        await sessions.GetAsync(id, ct) is { } s ? TypedResults.Ok(s) : NoSession(id);

    /// <summary>Additive: a session's label, note and keep flag; a field left out (or null) stays as it is, "" clears.</summary>
    private static async Task<Results<Ok<CaptureSession>, ProblemHttpResult>> Edit(string id, HttpRequest request, CaptureSessionService sessions,
        CancellationToken ct)
    {
        var (body, error) = await ApiResults.ReadBody<SessionEditBody>(request);
        if (error is not null) return error;
        return await sessions.EditAsync(id, new SessionEdit(body!.Label, body.Note, body.Keep), ct) is { } edited ? TypedResults.Ok(edited) : NoSession(id);
    }

    private static async Task<Results<Ok<CaptureSession>, ProblemHttpResult>> Stop(string id, CaptureSessionService sessions, CancellationToken ct) =>
        await sessions.StopAsync(id, ct) is { } s ? TypedResults.Ok(s) : NoSession(id);

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, CaptureSessionService sessions, CancellationToken ct) =>
        await sessions.DeleteAsync(id, ct) ? TypedResults.NoContent() : NoSession(id);

    private static async Task<Results<Ok<LinePage>, ProblemHttpResult>> ReadLines(string id, HttpRequest request, CaptureSessionService sessions,
        SessionLines lines, KeySpecCache keySpecs, CancellationToken ct)
    {
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        var filter = LineFilter.Parse(name => ApiResults.Query(request, name));
        if (await sessions.GetAsync(id, ct) is not { } session) return NoSession(id);
        var table = await keySpecs.GetOrBuiltInAsync(session.ConnectionId, KeySpecWait, ct);
        var page = await lines.ReadAsync(id, offset, limit, filter.WithKeySpecs(table), ct, table);
        return TypedResults.Ok(new LinePage(id, offset, limit, page, filter.Warnings));
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> Export(string id, HttpContext http, CaptureSessionService sessions,
        SessionLines lines, KeySpecCache keySpecs, CancellationToken ct)
    {
        var name = ApiResults.Query(http.Request, "format") ?? "txt";
        if (!SessionExport.TryParseFormat(name, out var format))
            return ApiResults.BadRequest("format", $"Unknown export format '{name}'. Available: {string.Join(", ", SessionExport.FormatNames)}.");
        var filter = LineFilter.Parse(q => ApiResults.Query(http.Request, q));
        if (await sessions.GetAsync(id, ct) is not { } session) return NoSession(id);
        var table = await keySpecs.GetOrBuiltInAsync(session.ConnectionId, KeySpecWait, ct);
        // A file has no place for the filter's warnings: they travel as headers (ASCII, as their text is).
        foreach (var warning in filter.Warnings) http.Response.Headers.Append(WarningHeader, $"{warning.Field}: {warning.Detail}");
        return TypedResults.Stream(stream => SessionExport.WriteAsync(lines, id, filter, format, stream, ct, table, session.LastLineUnterminated),
            SessionExport.ContentType(format), SessionExport.FileName(id, format));
    }

    /// <summary>The body of <c>PATCH /api/monitor/sessions/{id}</c>.</summary>
    private sealed record SessionEditBody(string? Label, string? Note, bool? Keep);
}
