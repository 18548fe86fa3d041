using BetterDb.Core.Capture;
using BetterDb.Core.Connections;

namespace BetterDb.Blazor.Api;

internal static class ConnectionEndpoints
{
    public static RouteGroupBuilder MapConnectionEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/connections");

        g.MapGet("/", async (ConnectionService connections, CancellationToken ct) =>
            Results.Ok((await connections.ListAsync(ct)).Select(ConnectionView.From)));

        g.MapGet("/{id}", async (string id, ConnectionService connections, CancellationToken ct) =>
            await connections.GetAsync(id, ct) is { } p ? Results.Ok(ConnectionView.From(p)) : ApiResults.NotFound($"No connection '{id}'."));

        g.MapPost("/", async (HttpRequest request, ConnectionService connections, CancellationToken ct) =>
        {
            var (input, error) = await ApiResults.ReadBody<ConnectionInput>(request);
            if (error is not null) return error;
            if (await AllErrorsAsync(connections, input!, null, ct) is { } invalid) return invalid;
            var created = await connections.CreateAsync(input!, ct);
            return Results.Created($"/api/connections/{created.Id}", ConnectionView.From(created));
        });

        g.MapPut("/{id}", async (string id, HttpRequest request, ConnectionService connections, CancellationToken ct) =>
        {
            var (input, error) = await ApiResults.ReadBody<ConnectionInput>(request);
            if (error is not null) return error;
            if (id != ConnectionProfile.DefaultId && await connections.GetAsync(id, ct) is not null
                && await AllErrorsAsync(connections, input!, id, ct) is { } invalid) return invalid;
            var updated = await connections.UpdateAsync(id, input!, ct);
            return updated is null ? ApiResults.NotFound($"No connection '{id}'.") : Results.Ok(ConnectionView.From(updated));
        });

        g.MapDelete("/{id}", async (string id, ConnectionService connections, CaptureSessionService sessions, CancellationToken ct) =>
        {
            if (sessions.IsRunningOn(id)) return ApiResults.Conflict("A capture is running on this connection; stop it first.");
            return await connections.DeleteAsync(id, ct) ? Results.NoContent() : ApiResults.NotFound($"No connection '{id}'.");
        });

        // Additive: test a connection before saving it (the body of POST /api/connections); nothing is stored.
        g.MapPost("/test", async (HttpRequest request, ConnectionService connections, CancellationToken ct) =>
        {
            var (input, error) = await ApiResults.ReadBody<ConnectionInput>(request);
            if (error is not null) return error;
            if (await AllErrorsAsync(connections, input!, null, ct, checkName: false) is { } invalid) return invalid;
            return Results.Ok(await connections.TestAsync(input!, null, ct));
        });

        g.MapPost("/{id}/test", async (string id, ConnectionService connections, CancellationToken ct) =>
            await connections.GetAsync(id, ct) is { } p
                ? Results.Ok(await ConnectionService.TestAsync(p, ct))
                : ApiResults.NotFound($"No connection '{id}'."));

        g.MapGet("/{id}/nodes", async (string id, ConnectionService connections, CancellationToken ct) =>
            await connections.GetAsync(id, ct) is { } p
                ? Results.Ok(await ConnectionService.NodesAsync(p, ct))
                : ApiResults.NotFound($"No connection '{id}'."));

        return api;
    }

    /// <summary>
    /// The 400 for a body with bad values: <c>field</c> and <c>detail</c> name the first, and (additive) <c>errors</c>
    /// lists every one as <c>{field, detail}</c>, so a form can show them all at once. Null when the body is valid.
    /// </summary>
    private static async Task<IResult?> AllErrorsAsync(ConnectionService connections, ConnectionInput input, string? id, CancellationToken ct, bool checkName = true)
    {
        // A test saves nothing: its name may be one that exists.
        var errors = await connections.CheckAsync(input, id, ct, nameMustBeFree: checkName);
        if (errors.Count == 0) return null;
        return Results.Problem(detail: errors[0].Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
            extensions: new Dictionary<string, object?>
            {
                ["field"] = errors[0].Field,
                ["errors"] = errors.Select(e => new { field = e.Field, detail = e.Message }).ToList(),
            });
    }
}
