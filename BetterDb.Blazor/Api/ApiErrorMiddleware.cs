using BetterDb.Core.Storage;

namespace BetterDb.Blazor.Api;

/// <summary>
/// The last word on errors under <c>/api</c>: a storage failure (disk full, read-only, the database file gone)
/// is a 503 problem detail saying what happened, anything else unexpected a 500 problem detail, never an
/// HTML error page. What an endpoint answers itself (400, 404, 409) passes untouched.
/// </summary>
internal sealed class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var storage = StorageHealth.Describe(ex);
            if (storage is null) log.LogError(ex, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            else log.LogError("{Method} {Path}: storage failed: {Failure}", context.Request.Method, context.Request.Path, storage);
            var problem = storage is null
                ? Results.Problem(detail: "The request failed inside the app; its log says why.", statusCode: StatusCodes.Status500InternalServerError,
                    title: "Internal error")
                : Results.Problem(detail: $"Storage is not available: {storage}.", statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "Storage unavailable");
            context.Response.Clear();
            await problem.ExecuteAsync(context);
        }
    }
}
