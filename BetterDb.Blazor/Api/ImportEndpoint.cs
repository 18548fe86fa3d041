using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using Microsoft.AspNetCore.Http.Features;
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
    /// </summary>
    public static RouteGroupBuilder MapImportEndpoint(this RouteGroupBuilder api)
    {
        api.MapPost("/monitor/sessions/import", (HttpRequest request, SessionImport import, CancellationToken ct) => ApiResults.Guard(async () =>
        {
            // A capture file can be hundreds of MB: lift the body size limit for this endpoint only.
            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = null;
            var queryConnection = request.Query["connectionId"].FirstOrDefault();
            var queryRequestedBy = request.Query["requestedBy"].FirstOrDefault();
            if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType))
                return ApiResults.BadRequest("file", "Send the file as multipart/form-data in a field named 'file'.");
            // Additive fast path: the file as the whole body (curl --data-binary), fields in the query string.
            if (contentType.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase)
                || contentType.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            {
                var raw = await import.ImportAsync(request.Body, NullIfEmpty(queryConnection ?? ""), NullIfEmpty(queryRequestedBy ?? ""), null, ct);
                return Results.Created($"/api/monitor/sessions/{raw.Id}", raw);
            }
            if (!contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
                return ApiResults.BadRequest("file", "Send the file as multipart/form-data in a field named 'file', or as the text/plain body.");
            var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
            if (string.IsNullOrEmpty(boundary))
                return ApiResults.BadRequest("file", "The multipart boundary is missing.");

            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["connectionId"] = queryConnection ?? "",
                ["requestedBy"] = queryRequestedBy ?? "",
            };
            var reader = new MultipartReader(boundary, request.Body, 256 * 1024) { HeadersLengthLimit = 16 * 1024 };
            CaptureSession? imported = null;
            var lateFields = false;
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (name == "file" && imported is null)
                {
                    imported = await import.ImportAsync(section.Body, NullIfEmpty(fields["connectionId"]), NullIfEmpty(fields["requestedBy"]), null, ct);
                }
                else if (fields.ContainsKey(name))
                {
                    using var text = new StreamReader(section.Body);
                    var value = await text.ReadToEndAsync(ct);
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
                        throw; // Guard answers 404 / 400
                    }
                }
                return Results.Created($"/api/monitor/sessions/{imported.Id}", imported);
            }
            return ApiResults.BadRequest("file", "No multipart field named 'file' was sent.");
        }));
        return api;
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
