using System.Text.Json;
using BetterDb.Core.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BetterDb.Blazor.Api;

/// <summary>
/// RFC 7807 answers for the HTTP API, each naming what is wrong, and the readers of a request's body and query that
/// answer them. Typed (<see cref="ProblemHttpResult"/>) so a handler's <c>Results&lt;...&gt;</c> lists them.
/// </summary>
internal static class ApiResults
{
    public static ProblemHttpResult BadRequest(string field, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
            extensions: new Dictionary<string, object?> { ["field"] = field });

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult Conflict(string detail, string? relatedId = null, string relatedField = "runningSessionId") =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            extensions: relatedId is null ? null : new Dictionary<string, object?> { [relatedField] = relatedId });

    /// <summary>
    /// The 400 for bad values: <c>field</c> and <c>detail</c> name the first, and (additive) <c>errors</c> lists every
    /// one as <c>{field, detail}</c>, so a form can show them all at once. Null when there are none.
    /// </summary>
    public static ProblemHttpResult? Invalid(IReadOnlyList<(string Field, string Message)> errors)
    {
        if (errors.Count == 0) return null;
        return TypedResults.Problem(detail: errors[0].Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
            extensions: new Dictionary<string, object?>
            {
                ["field"] = errors[0].Field,
                ["errors"] = errors.Select(e => new { field = e.Field, detail = e.Message }).ToList(),
            });
    }

    /// <summary>Reads a JSON body; a malformed one is a 400 naming the JSON path at fault.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Error)> ReadBody<T>(HttpRequest request) where T : class
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
    public static bool TryPaging(HttpRequest request, out int limit, out long offset, out ProblemHttpResult? error, int max = 1000)
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

    /// <summary>A query parameter's one value, null when absent or empty (<c>?connectionId=</c> filters nothing).</summary>
    public static string? QueryOrNull(HttpRequest request, string name) => Query(request, name) is { Length: > 0 } value ? value : null;

    /// <summary>
    /// A query parameter that is one of an enum's words (<see cref="WireName{TEnum}"/>); null when absent or empty.
    /// Any other word is a 400 naming the parameter and listing the words (an <see cref="InvalidInputException"/>).
    /// </summary>
    public static TEnum? Query<TEnum>(HttpRequest request, string name) where TEnum : struct, Enum
    {
        if (QueryOrNull(request, name) is not { } text) return null;
        return WireName<TEnum>.TryParse(text, out var value)
            ? value
            : throw new InvalidInputException(name, $"{name} must be one of {WireName<TEnum>.OneOf}.");
    }
}
