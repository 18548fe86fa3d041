using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using BetterDb.Testing;
using BetterDb.Tests.Query;
using StackExchange.Redis;

namespace BetterDb.Tests.Replay;

/// <summary>
/// Two real redis-servers: the source (the app's connection <c>default</c>, whose traffic is captured) and the target
/// (connection <see cref="TargetId"/>, the staging server replays are sent to), with the app in-process. Started once for
/// the collection; each test flushes the target first.
/// </summary>
public sealed class ReplayFixture : RedisAppFixture
{
    public RedisServer Target { get; private set; } = null!;
    public ConnectionMultiplexer TargetClient { get; private set; } = null!;
    public string TargetId { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Target = await RedisServer.StartAsync(TimeSpan.FromMinutes(20));
        TargetClient = Connect(Target);
        TargetId = (await Api.CreateConnectionAsync("staging", Target.Port)).Id;
    }

    public override async Task DisposeAsync()
    {
        if (TargetClient is not null) await TargetClient.DisposeAsync();
        if (Target is not null) await Target.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Empties both servers (every db).</summary>
    public async Task FlushBothAsync()
    {
        await Client.GetServer(Client.GetEndPoints()[0]).FlushAllDatabasesAsync();
        await TargetClient.GetServer(TargetClient.GetEndPoints()[0]).FlushAllDatabasesAsync();
    }

    /// <summary>Imports MONITOR lines as a session of connection <c>default</c> (the source); returns its id.</summary>
    public async Task<string> ImportAsync(IEnumerable<string> lines)
    {
        var session = await ImportHelpers.ImportAsync(Http, ImportHelpers.Utf8(string.Join("\n", lines) + "\n"), connectionId: "default");
        return (string)session["id"]!;
    }

    public Task<HttpResponseMessage> PostReplayAsync(string sessionId, object body) =>
        Api.PostJsonAsync($"/api/monitor/sessions/{sessionId}/replay", body);

    /// <summary>Asks for a replay (asserting 202 and its Location) and waits until it has ended.</summary>
    public async Task<JsonObject> ReplayAsync(string sessionId, object body, TimeSpan? timeout = null)
    {
        using var response = await PostReplayAsync(sessionId, body);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.Accepted);
        var replay = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal($"/api/replays/{replay["id"]}", response.Headers.Location?.ToString());
        return await WaitForEndAsync((string)replay["id"]!, timeout);
    }

    public async Task<JsonObject> GetReplayAsync(string id) => await ImportHelpers.GetJsonAsync(Http, $"/api/replays/{id}");

    public Task<JsonObject> WaitForEndAsync(string id, TimeSpan? timeout = null) =>
        Poll.UntilAsync(() => GetReplayAsync(id), r => (string)r["status"]! is not ("queued" or "running"), $"replay {id} to end",
            timeout ?? TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));

    /// <summary>
    /// Every key of every db of a server with its type and value, as bytes in hex, to compare two servers' contents byte for
    /// byte. Members of sets and fields of hashes are sorted: a DUMP of them follows the server's hash order, which is
    /// seeded per process, so two servers holding the same set dump it differently.
    /// </summary>
    public static async Task<SortedDictionary<string, string>> ContentsAsync(ConnectionMultiplexer client)
    {
        var server = client.GetServer(client.GetEndPoints()[0]);
        var contents = new SortedDictionary<string, string>(StringComparer.Ordinal);
        static string Hex(RedisValue v) => Convert.ToHexString((byte[])v!);
        static string Sorted(IEnumerable<string> items) => string.Join(",", items.Order(StringComparer.Ordinal));
        for (var db = 0; db < 16; db++)
        {
            var database = client.GetDatabase(db);
            await foreach (var key in server.KeysAsync(db, pageSize: 500))
            {
                var type = await database.KeyTypeAsync(key);
                var value = type switch
                {
                    RedisType.String => Hex(await database.StringGetAsync(key)),
                    RedisType.List => string.Join(",", (await database.ListRangeAsync(key)).Select(Hex)),
                    RedisType.Set => Sorted((await database.SetMembersAsync(key)).Select(Hex)),
                    RedisType.SortedSet => string.Join(",", (await database.SortedSetRangeByRankWithScoresAsync(key)).Select(e => $"{Hex(e.Element)}={e.Score:R}")),
                    RedisType.Hash => Sorted((await database.HashGetAllAsync(key)).Select(e => $"{Hex(e.Name)}={Hex(e.Value)}")),
                    _ => Convert.ToHexString(await database.KeyDumpAsync(key) ?? []),
                };
                contents[$"{db}/{Convert.ToHexString((byte[])key!)}"] = $"{type}:{value}";
            }
        }
        return contents;
    }
}

[CollectionDefinition(Name)]
public sealed class ReplayCollection : ICollectionFixture<ReplayFixture>
{
    public const string Name = "replay (two redis servers + app)";
}
