using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Core.Connections;
using BetterDb.Core.History;
using BetterDb.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Api;

[CollectionDefinition(Name)]
public sealed class DiffLiveCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "diff of live captures (redis + app)";
}

/// <summary>
/// Two real captures of a real redis-server with the instance history collecting CLIENT LIST: the diff names the clients.
/// Capture A: client <c>diff-web</c> runs GETs. Capture B: <c>diff-web</c> again on a new connection (a new address, the
/// same name) and a new client <c>diff-worker</c> with HGETALL.
/// </summary>
[Collection(DiffLiveCollection.Name)]
public sealed class DiffLiveTests(RedisFixture fx)
{
    private static readonly Dictionary<string, string?> FastClientList = new()
    {
        ["BetterDb:History:ClientListIntervalMs"] = "500",
    };

    private ConnectionProfile Profile => new() { Id = "traffic", Name = "traffic", Host = "127.0.0.1", Port = fx.Server.Port };

    private async Task<RespConnection> ClientAsync(string name)
    {
        var c = await RespConnection.OpenAsync(Profile, TimeSpan.FromSeconds(5));
        await c.HandshakeAsync(Profile, name, TimeSpan.FromSeconds(5));
        return c;
    }

    private static async Task RepeatAsync(RespConnection c, int times, params string[] command)
    {
        for (var i = 0; i < times; i++) RespConnection.ThrowIfError(await c.CommandAsync(default, command));
    }

    [Fact]
    public async Task Client_names_come_from_the_CLIENT_LIST_snapshots_taken_during_each_capture()
    {
        await using var app = new TestApp(fx.Url, settings: FastClientList);
        var api = new BetterDbApi(app.CreateClient());
        var collectors = app.Services.GetRequiredService<HistoryCollectors>();
        await Poll.UntilAsync(() => Task.FromResult(collectors.Status("default")), s => s is { Connected: true } && s.Collectors.All(c => c.Polls > 0),
            "the collectors' first round");

        var a = await api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await using (var web = await ClientAsync("diff-web"))
        {
            await RepeatAsync(web, 30, "GET", "d:page");
            await Task.Delay(1500); // CLIENT LIST snapshots while it is connected
            Assert.True(await collectors.PollNowAsync("default", TimeSpan.FromSeconds(10), CollectorNames.Clients));
        }
        await api.StopAsync(a.Id);

        var b = await api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await using (var web = await ClientAsync("diff-web"))
        await using (var worker = await ClientAsync("diff-worker"))
        {
            await RepeatAsync(web, 30, "GET", "d:page");
            await RepeatAsync(worker, 20, "HGETALL", "d:job");
            await Task.Delay(1500);
            Assert.True(await collectors.PollNowAsync("default", TimeSpan.FromSeconds(10), CollectorNames.Clients));
        }
        await api.StopAsync(b.Id);

        var d = await Poll.UntilAsync(() => api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{b.Id}/diff?vs={a.Id}"),
            j => j.GetProperty("clients").GetProperty("names").GetArrayLength() >= 2, "both names in the diff");
        var names = d.GetProperty("clients").GetProperty("names").EnumerateArray()
            .ToDictionary(n => n.GetProperty("name").GetString()!, n => (Change: n.GetProperty("change").GetString(), Count: n.GetProperty("count").GetInt64(),
                Baseline: n.GetProperty("baselineCount").GetInt64()));
        // Each connection's counts include what its handshake sent besides CLIENT SETNAME (admin commands are not in MONITOR).
        Assert.Equal(("new", 0L), (names["diff-worker"].Change, names["diff-worker"].Baseline));
        Assert.InRange(names["diff-worker"].Count, 20, 22);
        Assert.Equal(names["diff-web"].Baseline, names["diff-web"].Count);
        Assert.InRange(names["diff-web"].Count, 30, 32);
        Assert.NotEqual("new", names["diff-web"].Change);
        // By address: both of B's connections are new (new ports), named; A's web connection vanished, named too.
        var added = d.GetProperty("clients").GetProperty("new").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString() ?? "", c => c.GetProperty("count").GetInt64());
        Assert.Equal(names["diff-worker"].Count, added["diff-worker"]);
        Assert.Equal(names["diff-web"].Count, added["diff-web"]);
        Assert.Contains(d.GetProperty("clients").GetProperty("vanished").EnumerateArray(), c => c.GetProperty("name").GetString() == "diff-web");
        Assert.Contains(d.GetProperty("clients").GetProperty("sources").EnumerateArray(), s => s.GetString()!.Contains("CLIENT LIST"));
        Assert.Contains(d.GetProperty("shapes").GetProperty("new").EnumerateArray(), s => s.GetProperty("shape").GetString() == "HGETALL:2");
    }
}
