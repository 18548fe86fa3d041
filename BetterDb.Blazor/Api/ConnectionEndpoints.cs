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

        g.MapPost("/", (HttpRequest request, ConnectionService connections, CancellationToken ct) => ApiResults.Guard(async () =>
        {
            var (input, error) = await ApiResults.ReadBody<ConnectionInput>(request);
            if (error is not null) return error;
            var created = await connections.CreateAsync(input!, ct);
            return Results.Created($"/api/connections/{created.Id}", ConnectionView.From(created));
        }));

        g.MapPut("/{id}", (string id, HttpRequest request, ConnectionService connections, CancellationToken ct) => ApiResults.Guard(async () =>
        {
            var (input, error) = await ApiResults.ReadBody<ConnectionInput>(request);
            if (error is not null) return error;
            var updated = await connections.UpdateAsync(id, input!, ct);
            return updated is null ? ApiResults.NotFound($"No connection '{id}'.") : Results.Ok(ConnectionView.From(updated));
        }));

        g.MapDelete("/{id}", (string id, ConnectionService connections, CaptureSessionService sessions, CancellationToken ct) => ApiResults.Guard(async () =>
        {
            if (sessions.IsRunningOn(id)) return ApiResults.Conflict("A capture is running on this connection; stop it first.");
            return await connections.DeleteAsync(id, ct) ? Results.NoContent() : ApiResults.NotFound($"No connection '{id}'.");
        }));

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
}
