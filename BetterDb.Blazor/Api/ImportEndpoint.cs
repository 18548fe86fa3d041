using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace BetterDb.Blazor.Api;

internal static class ImportEndpoint
{
    /// <summary>
    /// <c>POST /api/monitor/sessions/import</c>: multipart field <c>file</c> (a <c>redis-cli monitor</c> file),
    /// optional fields <c>connectionId</c> and <c>requestedBy</c> (before or after the file, or in the query string).
    /// The file is streamed section by section straight into the writer: no size limit, never buffered whole.
    /// A field after the file that turns out wrong (unknown connection, too long) answers its 404/400 and
    /// removes the session just imported: the caller never learnt its id, so nothing is left behind.
    /// A body that is not well-formed multipart (a boundary over 70 characters, part headers over 16 KB, a body that
    /// ends before its closing boundary) is a 400 naming <c>file</c>. When that happens once the file has started,
    /// what arrived is kept (lose nothing: inside the file the session ends <c>failed</c>, <c>source_error: the upload
    /// ended early ...</c>) and the 400 names it (<c>sessionId</c>, <c>lineCount</c>), so no session is left that the
    /// caller never heard of.
    /// </summary>
    public static RouteGroupBuilder MapImportEndpoint(this RouteGroupBuilder sessions)
    {
        sessions.MapPost("/import", Import).WithName("ImportSession");
        return sessions;
    }

    private static async Task<Results<Created<CaptureSession>, ProblemHttpResult>> Import(HttpRequest request, SessionImport import, CancellationToken ct)
    {
        // A capture file can be hundreds of MB: lift the body size limit for this endpoint only.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;
        var queryConnection = ApiResults.Query(request, "connectionId");
        var queryRequestedBy = ApiResults.Query(request, "requestedBy");
        // force=true imports a file that does not look like MONITOR output (see SessionImport); query or a field before the file.
        var force = ParseForce(ApiResults.Query(request, "force"));
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType))
            return ApiResults.BadRequest("file", "Send the file as multipart/form-data in a field named 'file'.");
        // Additive fast path: the file as the whole body (curl --data-binary), fields in the query string.
        if (contentType.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase)
            || contentType.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            var raw = await import.ImportAsync(request.Body, NullIfEmpty(queryConnection ?? ""), NullIfEmpty(queryRequestedBy ?? ""), null, ct, force);
            return TypedResults.Created(SessionEndpoints.Location(raw.Id), raw);
        }
        if (!contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return ApiResults.BadRequest("file", "Send the file as multipart/form-data in a field named 'file', or as the text/plain body.");
        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
            return ApiResults.BadRequest("file", "The multipart boundary is missing.");
        if (boundary.Length > MaxBoundaryLength)
            return ApiResults.BadRequest("file",
                $"The multipart boundary is {boundary.Length} characters long; RFC 2046 allows at most {MaxBoundaryLength}.");

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["connectionId"] = queryConnection ?? "",
            ["requestedBy"] = queryRequestedBy ?? "",
            ["force"] = force ? "true" : "",
        };
        var reader = new MultipartReader(boundary, request.Body, 256 * 1024) { HeadersLengthLimit = HeadersLimit, HeadersCountLimit = 16 };
        CaptureSession? imported = null;
        var lateFields = false;
        while (true)
        {
            MultipartSection? section;
            try
            {
                section = await reader.ReadNextSectionAsync(ct);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException)
            {
                return BrokenUpload(ex, imported);
            }
            if (section is null) break;
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (name == "file" && imported is null)
            {
                try
                {
                    imported = await import.ImportAsync(section.Body, NullIfEmpty(fields["connectionId"]), NullIfEmpty(fields["requestedBy"]), null, ct,
                        ParseForce(NullIfEmpty(fields["force"])));
                }
                catch (IOException ex)
                {
                    // Broke off while the start of the file was being looked at: no session was made yet.
                    return BrokenUpload(ex, null);
                }
                // The import keeps what arrived when the body broke off inside the file, and ends it failed.
                if (imported.TerminationReason?.StartsWith(UploadEndedEarly, StringComparison.Ordinal) == true)
                {
                    // Nothing arrived: nothing worth keeping, and nothing to name.
                    if (imported.LineCount == 0 && imported.MalformedCount == 0)
                    {
                        await import.DiscardAsync(imported.Id);
                        return BrokenUpload(null, null, imported.TerminationReason);
                    }
                    return BrokenUpload(null, imported);
                }
            }
            else if (fields.ContainsKey(name))
            {
                using var text = new StreamReader(section.Body);
                string value;
                try
                {
                    value = await text.ReadToEndAsync(ct);
                }
                catch (IOException ex)
                {
                    return BrokenUpload(ex, imported);
                }
                if (value.Length > 1000)
                {
                    if (imported is not null) await import.DiscardAsync(imported.Id);
                    return ApiResults.BadRequest(name, $"{name} is too long.");
                }
                fields[name] = value.Trim();
                lateFields |= imported is not null;
            }
        }
        if (imported is not null)
        {
            // Fields sent after the file (curl -F keeps the order given) still count.
            if (lateFields)
            {
                try
                {
                    imported = await import.AssignAsync(imported.Id, NullIfEmpty(fields["connectionId"]), NullIfEmpty(fields["requestedBy"]), ct);
                }
                catch (Exception ex) when (ex is KeyNotFoundException or InvalidInputException)
                {
                    await import.DiscardAsync(imported.Id);
                    throw; // ApiErrorMiddleware answers 404 / 400
                }
            }
            return TypedResults.Created(SessionEndpoints.Location(imported.Id), imported);
        }
        return ApiResults.BadRequest("file", "No multipart field named 'file' was sent.");
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private static bool ParseForce(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" => false,
        "true" => true,
        _ => throw new InvalidInputException("force", "force must be true or false."),
    };

    /// <summary>RFC 2046, 5.1.1: a boundary has 1 to 70 characters.</summary>
    private const int MaxBoundaryLength = 70;

    /// <summary>The headers of one part, all together; a part needs a few short ones.</summary>
    private const int HeadersLimit = 16 * 1024;

    /// <summary>How <see cref="SessionImport"/> words the end of an import whose upload broke off.</summary>
    private static readonly string UploadEndedEarly = CaptureEnd.SourceError(SessionImport.UploadEndedEarly).Reason;

    /// <summary>
    /// The 400 for a body that is not well-formed multipart. <paramref name="kept"/> is the session the upload made
    /// before it broke (named in the answer, so it is never an orphan); null when it broke before the file.
    /// </summary>
    private static ProblemHttpResult BrokenUpload(Exception? error, CaptureSession? kept, string? reason = null)
    {
        var what = error switch
        {
            // The multipart reader raises it only on part headers: too long (a line, or all together), too many, or garbled.
            InvalidDataException ex => $"a part's headers are malformed or longer than {HeadersLimit / 1024} KB ({ex.Message})",
            IOException ex => $"the body ended before the multipart closing boundary ({ex.Message})",
            _ => $"the body ended before the multipart closing boundary ({reason ?? kept?.TerminationReason})",
        };
        var extensions = new Dictionary<string, object?> { ["field"] = "file" };
        var detail = $"The file upload is not a complete multipart/form-data body: {what}.";
        if (kept is not null)
        {
            extensions["sessionId"] = kept.Id;
            extensions["lineCount"] = kept.LineCount;
            detail += kept.Status == CaptureStatus.Failed
                ? $" The {kept.LineCount} lines that arrived are kept as session {kept.Id} (failed); delete it or send the file again."
                : $" The file itself arrived whole: it is session {kept.Id} ({kept.LineCount} lines).";
        }
        return TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", extensions: extensions);
    }
}
