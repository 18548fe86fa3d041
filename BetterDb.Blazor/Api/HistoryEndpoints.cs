using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.History;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BetterDb.Blazor.Api;

/// <summary>
/// The instance history of API.md (<c>/api/connections/{id}/history/...</c>, newest first, paged) and (additive) the
/// collectors' status.
/// </summary>
internal static class HistoryEndpoints
{
    public static RouteGroupBuilder MapHistoryEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/connections/{id}/history");
        g.MapGet("/info", Info).WithName("InfoHistory");
        g.MapGet("/slowlog", Slowlog).WithName("SlowlogHistory");
        g.MapGet("/commandlog", Commandlog).WithName("CommandlogHistory");
        g.MapGet("/clients", Clients).WithName("ClientsHistory");
        g.MapGet("/acl-log", AclLog).WithName("AclLogHistory");
        // Additive: whether the collectors reach the server, and if not the error and when they try again.
        g.MapGet("/status", Status).WithName("HistoryStatus");
        return api;
    }

    private static async Task<Results<Ok<IReadOnlyList<InfoSample>>, ProblemHttpResult>> Info(string id, HttpRequest request,
        ConnectionService connections, HistoryReader reader, HistoryCollectors collectors, CancellationToken ct)
    {
        if (await Unknown(connections, id, ct) is { } missing) return missing;
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        var (after, before) = Window(request);
        var resolution = ApiResults.Query(request, "resolution") ?? "10s";
        if (resolution == "1s")
        {
            // The in-memory samples of the last hour (every InfoIntervalMs), newest first like the stored ones.
            var recent = collectors.Recent(id, after ?? 0, before ?? long.MaxValue).Reverse().Skip((int)Math.Min(offset, int.MaxValue)).Take(limit);
            return TypedResults.Ok<IReadOnlyList<InfoSample>>([.. recent]);
        }
        if (resolution != "10s") return ApiResults.BadRequest("resolution", "resolution must be 10s (stored samples, the default) or 1s (in memory, the last hour).");
        return TypedResults.Ok(await reader.InfoAsync(id, after, before, limit, offset, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<LogItem>>, ProblemHttpResult>> Slowlog(string id, HttpRequest request,
        ConnectionService connections, HistoryReader reader, CancellationToken ct)
    {
        if (await Unknown(connections, id, ct) is { } missing) return missing;
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        var (after, before) = Window(request);
        return TypedResults.Ok(await reader.LogAsync(id, ["slowlog"], after, before, limit, offset, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<LogItem>>, ProblemHttpResult>> Commandlog(string id, HttpRequest request,
        ConnectionService connections, HistoryReader reader, CancellationToken ct)
    {
        if (await Unknown(connections, id, ct) is { } missing) return missing;
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        var (after, before) = Window(request);
        var type = ApiResults.Query(request, "type");
        if (type is not null && !CommandLogTypes.All.Contains(type))
            return ApiResults.BadRequest("type", $"type must be one of {string.Join(", ", CommandLogTypes.All)}.");
        return TypedResults.Ok(await reader.LogAsync(id, type is null ? CommandLogTypes.All : [type], after, before, limit, offset, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<ClientSnapshot>>, ProblemHttpResult>> Clients(string id, HttpRequest request,
        ConnectionService connections, HistoryReader reader, CancellationToken ct)
    {
        if (await Unknown(connections, id, ct) is { } missing) return missing;
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        var (after, before) = Window(request);
        return TypedResults.Ok(await reader.ClientSnapshotsAsync(id, after, before, limit, offset, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<AclLogRecord>>, ProblemHttpResult>> AclLog(string id, HttpRequest request,
        ConnectionService connections, HistoryReader reader, CancellationToken ct)
    {
        if (await Unknown(connections, id, ct) is { } missing) return missing;
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        var (after, before) = Window(request);
        return TypedResults.Ok(await reader.AclLogAsync(id, after, before, limit, offset, ct));
    }

    private static async Task<Results<Ok<HistoryStatus>, ProblemHttpResult>> Status(string id, ConnectionService connections,
        HistoryCollectors collectors, CancellationToken ct) =>
        await Unknown(connections, id, ct) is { } missing
            ? missing
            : TypedResults.Ok(collectors.Status(id) ?? new HistoryStatus(id, true, false, null, null, null, 0, null, 0, []));

    private static async Task<ProblemHttpResult?> Unknown(ConnectionService connections, string id, CancellationToken ct) =>
        await connections.GetAsync(id, ct) is null ? ApiResults.NotFound($"No connection '{id}'.") : null;

    /// <summary><c>afterTs</c> and <c>beforeTs</c>: epoch milliseconds in plain digits (a bad one is a 400 naming it).</summary>
    private static (long? After, long? Before) Window(HttpRequest request)
    {
        long? Read(string name)
        {
            var text = ApiResults.Query(request, name);
            if (string.IsNullOrEmpty(text)) return null;
            if (!WholeNumber.TryParse(text, 0, long.MaxValue, out var ms))
                throw new InvalidInputException(name, $"{name} must be epoch milliseconds in plain digits (got '{text}').");
            return ms;
        }
        var after = Read("afterTs");
        var before = Read("beforeTs");
        if (after is not null && before is not null && before <= after)
            throw new InvalidInputException("beforeTs", "beforeTs must be later than afterTs.");
        return (after, before);
    }
}
