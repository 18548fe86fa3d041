using System.Net.Http.Json;
using BetterDb.Core.Connections;
using BetterDb.Testing;

namespace BetterDb.Tests.History;

/// <summary>
/// A connection of the app that sends a command and closes at once (a session-boundary snapshot, a pre-flight probe) is
/// still left out of a capture: the capture reads MONITOR behind the server, so the close must not make it forget the
/// address before that connection's last lines are read.
/// </summary>
[Collection(CrossReferenceCollection.Name)]
public sealed class OwnTrafficLingerTests(RedisFixture fx)
{
    [Fact]
    public async Task A_closed_connection_stays_known_for_a_while_and_is_forgotten_after()
    {
        var server = $"linger-{Guid.NewGuid():N}:1";
        var added = new List<string>();
        var removed = new List<string>();
        using var watch = OwnClients.Watch(server, a => { lock (added) added.Add(a); }, a => { lock (removed) removed.Add(a); });
        var registration = OwnClients.Register(server, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 50123));
        Assert.Equal(new[] { "127.0.0.1:50123" }, added);
        registration.Dispose();
        await Task.Delay(1000);
        lock (removed) Assert.Empty(removed);
        await Poll.UntilAsync(() => Task.FromResult(removed.Count), n => n == 1, "the address forgotten", OwnClients.Linger + TimeSpan.FromSeconds(5));
        Assert.Equal(new[] { "127.0.0.1:50123" }, removed);
    }

    [Fact]
    public async Task Commands_of_short_lived_app_connections_never_reach_the_capture()
    {
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        await using var app = new TestApp(fx.Url, settings: new Dictionary<string, string?> { ["BetterDb:History:Enabled"] = "false" });
        var api = new BetterDbApi(app.CreateClient());
        var session = await api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var profile = new ConnectionProfile { Id = "default", Name = "default", Host = "127.0.0.1", Port = fx.Server.Port };
        for (var i = 0; i < 20; i++)
        {
            // Open, one command, close: as the boundary snapshot does.
            await using var once = await RedisCommandClient.OpenAsync(profile, "snapshot", TimeSpan.FromSeconds(5));
            await once.SendAsync(default, "ECHO", $"short-lived-{i}");
        }
        await fx.Client.GetDatabase().StringSetAsync("linger:marker", "v");
        var lines = await api.WaitForLinesAsync(session.Id, ls => ls.Any(l => l.Cmd == "SET" && l.Keys.Contains("linger:marker")), "the marker");
        await api.StopAsync(session.Id);
        Assert.DoesNotContain(lines, l => l.Cmd == "ECHO" && l.Args.Any(a => a.StartsWith("short-lived-")));
        var json = await api.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/monitor/sessions/{session.Id}");
        Assert.True(json.GetProperty("ownLinesDropped").GetInt64() >= 20, json.GetProperty("ownLinesDropped").ToString());
    }
}
