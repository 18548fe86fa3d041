using System.Text.Json;
using BetterDb.Core.Configuration;

namespace BetterDb.Blazor.Api;

/// <summary>RFC 7807 answers for the HTTP API, each naming what is wrong.</summary>
internal static class ApiResults
{
    public static IResult BadRequest(string field, string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
            extensions: new Dictionary<string, object?> { ["field"] = field });

    public static IResult NotFound(string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult Conflict(string detail, string? relatedId = null, string relatedField = "runningSessionId") =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            extensions: relatedId is null ? null : new Dictionary<string, object?> { [relatedField] = relatedId });

    /// <summary>
    /// The 400 for bad values: <c>field</c> and <c>detail</c> name the first, <c>errors</c> lists every one as
    /// <c>{field, detail}</c>. Null when there are none.
    /// </summary>
    public static IResult? Invalid(IReadOnlyList<(string Field, string Message)> errors)
    {
        if (errors.Count == 0) return null;
        return Results.Problem(detail: errors[0].Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
            extensions: new Dictionary<string, object?>
            {
                ["field"] = errors[0].Field,
                ["errors"] = errors.Select(e => new { field = e.Field, detail = e.Message }).ToList(),
            });
    }

    /// <summary>Reads a JSON body; a malformed one is a 400 naming the JSON path at fault.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadBody<T>(HttpRequest request) where T : class
    {
        if (!request.HasJsonContentType())
            return (null, BadRequest("body", "Send a JSON body with Content-Type: application/json."));
        try
        {
            var value = await request.ReadFromJsonAsync<T>();
            return value is null ? (null, BadRequest("body", "The request body is empty.")) : (value, null);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            return (null, BadRequest(field, $"The JSON body is not valid at '{ex.Path}': {FirstSentence(ex.Message)}"));
        }
    }

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(". ", StringComparison.Ordinal);
        return i < 0 ? message : message[..(i + 1)];
    }

    /// <summary>
    /// limit (default 50, max 1000) and offset (default 0), each given at most once in plain digits; anything else
    /// (a sign, spaces, a NUL, a second value) is a 400, never a silent default.
    /// </summary>
    public static bool TryPaging(HttpRequest request, out int limit, out long offset, out IResult? error, int max = 1000)
    {
        limit = 50;
        offset = 0;
        error = null;
        try
        {
            if (Query(request, "limit") is { } l)
            {
                if (!WholeNumber.TryParse(l, 1, max, out var n))
                    throw new InvalidInputException("limit", $"limit must be a whole number from 1 to {max}, in plain digits.");
                limit = (int)n;
            }
            if (Query(request, "offset") is { } o && !WholeNumber.TryParse(o, 0, long.MaxValue, out offset))
                throw new InvalidInputException("offset", "offset must be a whole number from 0, in plain digits.");
            return true;
        }
        catch (InvalidInputException ex)
        {
            error = BadRequest(ex.Field, ex.Message);
            return false;
        }
    }

    /// <summary>
    /// A query parameter's one value (null when absent); given twice it is a 400 naming it (an
    /// <see cref="InvalidInputException"/>), as <c>limit=1&amp;limit=abc</c> must not mean whichever comes first.
    /// </summary>
    public static string? Query(HttpRequest request, string name)
    {
        var values = request.Query[name];
        if (values.Count > 1)
            throw new InvalidInputException(name, $"{name} is given {values.Count} times; give it once.");
        return values.Count == 0 ? null : values[0];
    }
}
