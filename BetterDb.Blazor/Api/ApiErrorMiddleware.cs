using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Storage;

namespace BetterDb.Blazor.Api;

/// <summary>
/// The one place errors under <c>/api</c> become problem details: the core's <see cref="InvalidInputException"/> is a 400
/// naming its field, <see cref="ConflictException"/> a 409 (with the id in the way), <see cref="KeyNotFoundException"/>
/// a 404, <see cref="TargetUnreachableException"/> a 503 with the server's (or the socket's) own words; a storage failure (disk full, read-only, the database file gone) is a 503 saying what happened, anything else
/// unexpected a 500, never an HTML error page. What an endpoint answers itself passes untouched.
/// </summary>
internal sealed class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && Expected(ex) is { } answer)
        {
            context.Response.Clear();
            await answer.ExecuteAsync(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var storage = context.RequestServices.GetRequiredService<StorageHealth>().Explain(ex);
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

    private static IResult? Expected(Exception ex) => ex switch
    {
        InvalidInputException bad => ApiResults.BadRequest(bad.Field, bad.Message),
        ConflictException conflict => ApiResults.Conflict(conflict.Message, conflict.RelatedId, conflict.RelatedField),
        KeyNotFoundException missing => ApiResults.NotFound(missing.Message),
        TargetUnreachableException unreachable => TypedResults.Problem(detail: unreachable.Message,
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Target unreachable"),
        _ => null,
    };
}
