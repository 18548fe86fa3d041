using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Cluster;

/// <summary>
/// Issue 18 on a six-node TLS cluster (<see cref="TlsRedisClusterFixture"/>): clients, the cluster bus and replication
/// all use TLS with a private CA, and each node keeps a plain port beside its TLS one. Connection <c>default</c> is the
/// <c>rediss://</c> seed with the CA from configuration, so every node the app reads must be dialed at its TLS port, over
/// TLS, trusting that CA. Where a node has both ports, the MONITOR client's local address (<c>laddr</c> in CLIENT LIST)
/// says which one a capture dialed: a capture over plain text at the plain port would see the same commands.
/// </summary>
[Collection(TlsRedisClusterCollection.Name)]
public sealed class TlsClusterTests(TlsRedisClusterFixture fx) : ClusterAppTest(fx)
{
    private readonly TlsRedisClusterFixture _fx = fx;

    private sealed record ServerNow(RedisServer Server, string Id, int TlsPort, bool Primary);

    /// <summary>Each server's id, TLS port and whether ROLE says it is a primary, as the servers report it now.</summary>
    private async Task<List<ServerNow>> ServersNowAsync()
    {
        var primaries = await Fx.Cluster.PrimariesAsync();
        var servers = new List<ServerNow>();
        foreach (var s in Fx.Cluster.Servers)
            servers.Add(new ServerNow(s, await RedisCluster.NodeIdAsync(s), Fx.Cluster.TlsPortOf(s), primaries.Contains(s)));
        return servers;
    }

    private async Task<NodesDto> NodesAsync(string connectionId) =>
        (await Api.Http.GetFromJsonAsync<NodesDto>($"/api/connections/{connectionId}/nodes", BetterDbApi.Json))!;

    /// <summary>The topology once every node is online (a replica says <c>loading</c> until it has synced).</summary>
    private Task<NodesDto> HealthyNodesAsync(string connectionId) =>
        Poll.UntilAsync(() => NodesAsync(connectionId), n => n.Nodes.Length == 6 && n.Nodes.All(x => x.Healthy), "every node online",
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));

    private static void AssertSixNodesAtTheirTlsPorts(NodesDto topology, List<ServerNow> servers)
    {
        Assert.True(topology.IsCluster, topology.Error);
        Assert.Null(topology.Error);
        Assert.Equal(servers.Select(s => s.TlsPort).Order(), topology.Nodes.Select(n => n.Port).Order());
        foreach (var node in topology.Nodes)
        {
            var server = servers.Single(s => s.Id == node.Id);
            Assert.Equal((server.TlsPort, $"127.0.0.1:{server.TlsPort}", server.Primary ? "primary" : "replica", "online"),
                (node.Port, node.Address, node.Role, node.Health));
            Assert.NotEqual(server.Server.Port, node.Port); // never the plain port beside it
        }
        Assert.Equal(3, topology.Nodes.Count(n => n.Role == "primary"));
        Assert.Equal(3, topology.Nodes.Count(n => n.Role == "replica"));
        var primaryIds = topology.Nodes.Where(n => n.Role == "primary").Select(n => n.Id).Order().ToList();
        Assert.Equal(primaryIds, topology.Nodes.Where(n => n.Role == "replica").Select(n => n.PrimaryId!).Order());
        Assert.Equal(SlotCount, topology.Nodes.Where(n => n.Role == "primary").SelectMany(n => n.Slots).Sum(s => s.End - s.Start + 1));
    }

    private const int SlotCount = 16384;

    [Fact]
    public async Task The_nodes_of_a_rediss_seed_are_six_at_their_TLS_ports_with_the_roles_the_servers_report()
    {
        var servers = await ServersNowAsync();

        var viaDefault = await HealthyNodesAsync("default");

        AssertSixNodesAtTheirTlsPorts(viaDefault, servers);
        Assert.Equal(Fx.Cluster.TlsPortOf(Fx.Cluster.Seed), Assert.Single(viaDefault.Nodes, n => n.Myself).Port);

        // The same through a saved connection whose CA is a field (PEM text), at the name the certificate gives the seed.
        using var created = await Api.PostJsonAsync("/api/connections", new
        {
            name = "tls cluster",
            host = "localhost",
            port = Fx.Cluster.TlsPortOf(Fx.Cluster.Servers[^1]),
            tls = true,
            caCertificate = _fx.Certificates.Ca,
        });
        await BetterDbApi.ExpectAsync(created, HttpStatusCode.Created);
        var saved = (await created.Content.ReadFromJsonAsync<ConnectionDto>(BetterDbApi.Json))!;
        var viaSaved = await HealthyNodesAsync(saved.Id);
        AssertSixNodesAtTheirTlsPorts(viaSaved, servers);
        Assert.Equal(Fx.Cluster.TlsPortOf(Fx.Cluster.Servers[^1]), Assert.Single(viaSaved.Nodes, n => n.Myself).Port);
    }

    [Fact]
    public async Task The_connection_test_over_TLS_says_cluster_with_three_primaries_and_three_replicas()
    {
        await HealthyNodesAsync("default");

        using var response = await Api.Http.PostAsync("/api/connections/default/test", null);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        var test = (await response.Content.ReadFromJsonAsync<ConnectionTestDto>(BetterDbApi.Json))!;

        Assert.True(test.Ok, test.Error);
        Assert.Equal(("cluster", 3, 3, 0), (test.Mode, test.Primaries, test.Replicas, test.UnhealthyNodes));
    }

    [Fact]
    public async Task Without_the_CA_the_nodes_cannot_be_read_and_the_answer_says_the_certificate_is_not_trusted()
    {
        using var created = await Api.PostJsonAsync("/api/connections",
            new { name = "tls cluster without its CA", host = "127.0.0.1", port = Fx.Cluster.TlsPortOf(Fx.Cluster.Seed), tls = true });
        await BetterDbApi.ExpectAsync(created, HttpStatusCode.Created);

        var nodes = await NodesAsync((await created.Content.ReadFromJsonAsync<ConnectionDto>(BetterDbApi.Json))!.Id);

        Assert.Equal((false, 0), (nodes.IsCluster, nodes.Nodes.Length));
        Assert.Contains("the server certificate is not trusted", nodes.Error);
    }

    [Fact]
    public async Task A_fan_out_over_TLS_sees_each_write_to_every_primarys_slots_exactly_once_with_its_node()
    {
        var servers = await ServersNowAsync();
        var primaries = servers.Where(s => s.Primary).ToList();
        var session = await Api.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, fanOut = true });
        foreach (var p in primaries)
        {
            await TlsCapture.WaitForMonitorAsync(Api, session.Id, p.Server);
            Assert.Equal([p.TlsPort], await TlsCapture.MonitorPortsAsync(p.Server)); // dialed at its TLS port
        }
        foreach (var r in servers.Where(s => !s.Primary)) Assert.Equal(0, await RedisCluster.MonitorsAsync(r.Server));

        var keys = Enumerable.Range(0, 60).Select(i => $"tfo:{i}").ToArray();
        var db = Client.GetDatabase(); // over TLS too, following MOVED to the TLS ports
        foreach (var k in keys) await db.StringSetAsync(k, "over tls");
        var owners = keys.ToDictionary(k => k, k => primaries.Single(p => p.TlsPort == OwnerPort(k)).Id);
        Assert.Equal(3, owners.Values.Distinct().Count()); // the keys reach every primary's slots
        await Api.WaitForMergedLinesAsync(session.Id, ls => ls.Count(IsOurSet) >= keys.Length, "every write");
        await Api.StopAsync(session.Id);

        var sets = (await Api.ReadAllLinesAsync(session.Id)).Where(IsOurSet).ToList();
        Assert.Equal(keys.Order(), sets.Select(l => l.Keys[0]).Order()); // exactly once: no replica's copy, no line twice
        Assert.All(sets, l => Assert.Equal(owners[l.Keys[0]], l.NodeId));
        var stored = await Api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{session.Id}");
        Assert.Equal(("completed", "manual_stop"), (stored.GetProperty("status").GetString(), stored.GetProperty("terminationReason").GetString()));
        var segments = stored.GetProperty("nodeSegments").EnumerateArray().ToList();
        Assert.Equal(primaries.Select(p => p.Id).Order(), segments.Select(s => s.GetProperty("nodeId").GetString()!).Order());
        Assert.All(segments, s => Assert.Equal("completed", s.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_capture_of_one_primary_over_TLS_sees_only_the_writes_to_its_slots()
    {
        var primary = (await ServersNowAsync()).Where(s => s.Primary).ElementAt(1);
        var session = await Api.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, targetNodeId = primary.Id });
        await TlsCapture.WaitForMonitorAsync(Api, session.Id, primary.Server);
        Assert.Equal([primary.TlsPort], await TlsCapture.MonitorPortsAsync(primary.Server));

        var keys = Enumerable.Range(0, 60).Select(i => $"tnc:{i}").ToArray();
        var db = Client.GetDatabase();
        foreach (var k in keys) await db.StringSetAsync(k, "over tls");
        var owned = keys.Where(k => OwnerPort(k) == primary.TlsPort).ToHashSet();
        Assert.InRange(owned.Count, 5, 55); // the keys spread over the three primaries
        await Api.WaitForLinesAsync(session.Id, ls => ls.Count(l => IsOurSet(l) && owned.Contains(l.Keys[0])) >= owned.Count, "the node's writes");
        await Api.StopAsync(session.Id);

        var lines = await Api.ReadAllLinesAsync(session.Id);
        Assert.Equal(owned.Order(), lines.Where(l => IsOurSet(l) && l.Keys[0].StartsWith("tnc:", StringComparison.Ordinal)).Select(l => l.Keys[0]).Order());
        Assert.All(lines, l => Assert.Equal(primary.Id, l.NodeId));
        var stored = await Api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{session.Id}");
        Assert.Equal(primary.Id, stored.GetProperty("targetNode").GetString());
        Assert.Equal("completed", stored.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_preflight_of_a_node_reads_that_node_over_TLS()
    {
        var replica = (await ServersNowAsync()).First(s => !s.Primary);

        using var response = await Api.PostJsonAsync("/api/monitor/sessions/preflight", new { connectionId = "default", targetNodeId = replica.Id });

        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(replica.Id, report.GetProperty("targetNode").GetString());
        Assert.True(report.GetProperty("monitorSupported").GetBoolean(), report.ToString());
        Assert.True(report.GetProperty("estimate").GetProperty("opsMeasured").GetBoolean(), report.ToString());
    }

    /// <summary>A SET of this class's test traffic (the keys of the fan-out and node tests).</summary>
    private static bool IsOurSet(LineDto l) =>
        l.Cmd == "SET" && l.Keys.Length == 1 && (l.Keys[0].StartsWith("tfo:", StringComparison.Ordinal) || l.Keys[0].StartsWith("tnc:", StringComparison.Ordinal));
}

/// <summary>Waiting for a capture's MONITOR on a node, and saying at once why when the capture could not open it.</summary>
internal static class TlsCapture
{
    /// <summary>
    /// Until <paramref name="node"/> serves a MONITOR client; fails with the session's state as soon as the session ended or
    /// one of its node segments failed (a TLS failure is immediate: no need to wait out the timeout to learn it).
    /// </summary>
    public static async Task WaitForMonitorAsync(BetterDbApi api, string sessionId, RedisServer node)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await RedisCluster.MonitorsAsync(node) < 1)
        {
            var session = await api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{sessionId}");
            var failedSegment = session.TryGetProperty("nodeSegments", out var segments) && segments.ValueKind == JsonValueKind.Array
                && segments.EnumerateArray().Any(s => s.GetProperty("status").GetString() == "failed");
            if (session.GetProperty("status").GetString() != "running" || failedSegment || DateTime.UtcNow > deadline)
                Assert.Fail($"no MONITOR on port {node.Port}; the session: {session}");
            await Task.Delay(50);
        }
    }

    /// <summary>The local ports of the MONITOR clients <paramref name="node"/> serves (CLIENT LIST, flag O, <c>laddr</c>).</summary>
    public static async Task<List<int>> MonitorPortsAsync(RedisServer node) =>
        (await node.CliAsync("CLIENT", "LIST")).Split('\n')
        .Where(l => l.Contains(" flags=O ", StringComparison.Ordinal))
        .Select(l => int.Parse(l.Split(' ').Single(f => f.StartsWith("laddr=", StringComparison.Ordinal)).Split(':')[^1]))
        .ToList();
}
