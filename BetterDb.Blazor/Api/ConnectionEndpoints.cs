using BetterDb.Core.Capture;
using BetterDb.Core.Connections;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BetterDb.Blazor.Api;

/// <summary><c>/api/connections</c>: connection profiles (never their secrets), testing one, and a cluster's nodes.</summary>
internal static class ConnectionEndpoints
{
    public static RouteGroupBuilder MapConnectionEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/connections");
        g.MapGet("/", List).WithName("ListConnections");
        g.MapGet("/{id}", Get).WithName("GetConnection");
        g.MapPost("/", Create).WithName("CreateConnection");
        g.MapPut("/{id}", Update).WithName("UpdateConnection");
        g.MapDelete("/{id}", Delete).WithName("DeleteConnection");
        // Additive: test a connection before saving it (the body of POST /api/connections); nothing is stored.
        g.MapPost("/test", TestUnsaved).WithName("TestUnsavedConnection");
        g.MapPost("/{id}/test", Test).WithName("TestConnection");
        g.MapGet("/{id}/nodes", Nodes).WithName("ConnectionNodes");
        return api;
    }

    private static async Task<Ok<IEnumerable<ConnectionView>>> List(ConnectionService connections, CancellationToken ct) =>
        TypedResults.Ok((await connections.ListAsync(ct)).Select(ConnectionView.From));

    private static async Task<Results<Ok<ConnectionView>, ProblemHttpResult>> Get(string id, ConnectionService connections, CancellationToken ct) =>
        await connections.GetAsync(id, ct) is { } p ? TypedResults.Ok(ConnectionView.From(p)) : NotFound(id);

    private static async Task<Results<Created<ConnectionView>, ProblemHttpResult>> Create(HttpRequest request, ConnectionService connections,
        CancellationToken ct)
    {
        var (input, error) = await ApiResults.ReadBody<ConnectionInput>(request);
        if (error is not null) return error;
        if (await AllErrorsAsync(connections, input!, null, ct) is { } invalid) return invalid;
        var created = await connections.CreateAsync(input!, ct);
        return TypedResults.Created($"/api/connections/{created.Id}", ConnectionView.From(created));
    }

    private static async Task<Results<Ok<ConnectionView>, ProblemHttpResult>> Update(string id, HttpRequest request, ConnectionService connections,
        CancellationToken ct)
    {
        var (input, error) = await ApiResults.ReadBody<ConnectionInput>(request);
        if (error is not null) return error;
        if (id != ConnectionProfile.DefaultId && await connections.GetAsync(id, ct) is not null
            && await AllErrorsAsync(connections, input!, id, ct) is { } invalid) return invalid;
        return await connections.UpdateAsync(id, input!, ct) is { } updated ? TypedResults.Ok(ConnectionView.From(updated)) : NotFound(id);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, ConnectionService connections, CaptureSessionService sessions,
        CancellationToken ct)
    {
        if (await sessions.IsRunningOnAsync(id, ct)) return ApiResults.Conflict("A capture is running on this connection; stop it first.");
        return await connections.DeleteAsync(id, ct) ? TypedResults.NoContent() : NotFound(id);
    }

    private static async Task<Results<Ok<ConnectionTestResult>, ProblemHttpResult>> TestUnsaved(HttpRequest request, ConnectionService connections,
        CancellationToken ct)
    {
        var (input, error) = await ApiResults.ReadBody<ConnectionInput>(request);
        if (error is not null) return error;
        if (await AllErrorsAsync(connections, input!, null, ct, checkName: false) is { } invalid) return invalid;
        return TypedResults.Ok(await connections.TestAsync(input!, null, ct));
    }

    private static async Task<Results<Ok<ConnectionTestResult>, ProblemHttpResult>> Test(string id, ConnectionService connections, CancellationToken ct) =>
        await connections.GetAsync(id, ct) is { } p ? TypedResults.Ok(await ConnectionService.TestAsync(p, ct)) : NotFound(id);

    private static async Task<Results<Ok<NodesResult>, ProblemHttpResult>> Nodes(string id, ConnectionService connections, CancellationToken ct) =>
        await connections.GetAsync(id, ct) is { } p ? TypedResults.Ok(await ConnectionService.NodesAsync(p, ct)) : NotFound(id);

    private static ProblemHttpResult NotFound(string id) => ApiResults.NotFound($"No connection '{id}'.");

    /// <summary>The 400 listing every bad value of a body (<see cref="ApiResults.Invalid"/>); null when the body is valid.</summary>
    private static async Task<ProblemHttpResult?> AllErrorsAsync(ConnectionService connections, ConnectionInput input, string? id, CancellationToken ct,
        bool checkName = true)
    {
        // A test saves nothing: its name may be one that exists.
        var errors = await connections.CheckAsync(input, id, ct, nameMustBeFree: checkName);
        return ApiResults.Invalid([.. errors.Select(e => (e.Field, e.Message))]);
    }
}
