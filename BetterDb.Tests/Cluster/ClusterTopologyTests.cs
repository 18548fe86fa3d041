using System.Net;
using System.Net.Http.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Cluster;

/// <summary>
/// Issue 18 item 1 on a real six-node cluster, over HTTP: <c>GET /api/connections/{id}/nodes</c> and the connection
/// test. Roles are read afresh from the servers: another test of the collection may have failed a primary over (the
/// failover test here fails back, but no test should count on the layout it started with).
/// </summary>
[Collection("redis-cluster")]
public sealed class ClusterTopologyTests(RedisClusterFixture fx) : IAsyncLifetime
{
    private TestApp _app = null!;
    private BetterDbApi _api = null!;

    public async Task InitializeAsync()
    {
        await fx.Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        _app = new TestApp(defaultConnection: null);
        _api = new BetterDbApi(_app.CreateClient());
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<string> AddConnectionAsync(int port, string? username = null, string? password = null)
    {
        using var created = await _api.PostJsonAsync("/api/connections", new { name = $"c{Guid.NewGuid():N}"[..12], host = "127.0.0.1", port, username, password });
        await BetterDbApi.ExpectAsync(created, HttpStatusCode.Created);
        return (await created.Content.ReadFromJsonAsync<ConnectionDto>(BetterDbApi.Json))!.Id;
    }

    private async Task<NodesDto> NodesAsync(string connectionId) =>
        (await _api.Http.GetFromJsonAsync<NodesDto>($"/api/connections/{connectionId}/nodes", BetterDbApi.Json))!;

    private async Task<ConnectionTestDto> TestAsync(string connectionId)
    {
        using var response = await _api.Http.PostAsync($"/api/connections/{connectionId}/test", null);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<ConnectionTestDto>(BetterDbApi.Json))!;
    }

    /// <summary>The topology once every node is online (a replica says <c>loading</c> until it has synced).</summary>
    private Task<NodesDto> HealthyNodesAsync(string connectionId) =>
        Poll.UntilAsync(() => NodesAsync(connectionId), n => n.Nodes.Length == 6 && n.Nodes.All(x => x.Healthy), "every node online",
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));

    /// <summary>Each server's id and whether ROLE says it is a primary, as the servers themselves report it now.</summary>
    private async Task<Dictionary<int, (string Id, bool Primary)>> ServersNowAsync()
    {
        var primaries = (await fx.Cluster.PrimariesAsync()).Select(s => s.Port).ToHashSet();
        var servers = new Dictionary<int, (string, bool)>();
        foreach (var s in fx.Cluster.Servers) servers[s.Port] = (await RedisCluster.NodeIdAsync(s), primaries.Contains(s.Port));
        return servers;
    }

    /// <summary>Three primaries whose slots cover 0-16383 exactly once, in slot order, each followed by its one replica; all as the servers say.</summary>
    private static void AssertThreeByTwo(NodesDto topology, Dictionary<int, (string Id, bool Primary)> servers)
    {
        Assert.True(topology.IsCluster);
        Assert.Null(topology.Error);
        Assert.Equal(6, topology.Nodes.Length);
        var owners = new int[SlotCount];
        foreach (var range in topology.Nodes.SelectMany(n => n.Slots))
            for (var slot = range.Start; slot <= range.End; slot++) owners[slot]++;
        Assert.True(owners.All(n => n == 1), $"slots served other than once: {string.Join(",", owners.Select((n, slot) => (n, slot)).Where(x => x.n != 1).Take(5))}");

        var primaries = topology.Nodes.Where(n => n.Role == "primary").ToList();
        var replicas = topology.Nodes.Where(n => n.Role == "replica").ToList();
        Assert.Equal(3, primaries.Count);
        Assert.Equal(3, replicas.Count);
        Assert.All(primaries, p => Assert.NotEmpty(p.Slots));
        Assert.All(replicas, r => Assert.Empty(r.Slots));
        Assert.Equal(primaries.Select(p => p.Id).Order(), replicas.Select(r => r.PrimaryId!).Order()); // one replica each
        // Primaries first by their first slot, each followed by its replica.
        Assert.Equal(primaries.OrderBy(p => p.Slots.Min(s => s.Start)).SelectMany(p => new[] { p.Id, replicas.Single(r => r.PrimaryId == p.Id).Id }),
            topology.Nodes.Select(n => n.Id));

        foreach (var node in topology.Nodes)
        {
            var (id, isPrimary) = servers[node.Port];
            Assert.Equal((id, isPrimary ? "primary" : "replica"), (node.Id, node.Role));
            Assert.Equal(("127.0.0.1", $"127.0.0.1:{node.Port}", "online"), (node.Host, node.Address, node.Health));
        }
    }

    private const int SlotCount = 16384;

    /// <summary>The topology as one line per node, to compare two readings of it.</summary>
    private static string Layout(NodesDto topology, bool withSeed = false) => string.Join("\n", topology.Nodes.Select(n =>
        $"{n.Id} {n.Address} {n.Role} {n.PrimaryId} [{string.Join(",", n.Slots.Select(s => $"{s.Start}-{s.End}"))}] {n.Health} {n.Healthy}"
        + (withSeed && n.Myself ? " myself" : "")));

    [Fact]
    public async Task The_nodes_are_three_primaries_covering_every_slot_once_and_three_replicas_each_following_one()
    {
        var id = await AddConnectionAsync(fx.Cluster.Seed.Port);

        var topology = await HealthyNodesAsync(id);

        AssertThreeByTwo(topology, await ServersNowAsync());
        Assert.Equal(fx.Cluster.Seed.Port, Assert.Single(topology.Nodes, n => n.Myself).Port);
    }

    [Fact]
    public async Task Any_node_is_a_seed_and_sees_the_same_topology()
    {
        var viaSeed = await HealthyNodesAsync(await AddConnectionAsync(fx.Cluster.Seed.Port));
        var other = fx.Cluster.Servers[^1];

        var viaOther = await HealthyNodesAsync(await AddConnectionAsync(other.Port));

        Assert.Equal(Layout(viaSeed), Layout(viaOther));
        Assert.Equal(other.Port, Assert.Single(viaOther.Nodes, n => n.Myself).Port);
    }

    [Fact]
    public async Task The_connection_test_says_cluster_with_three_primaries_and_three_replicas()
    {
        var id = await AddConnectionAsync(fx.Cluster.Seed.Port);
        await HealthyNodesAsync(id);

        var test = await TestAsync(id);

        Assert.True(test.Ok, test.Error);
        Assert.Equal(("cluster", 3, 3, 0), (test.Mode, test.Primaries, test.Replicas, test.UnhealthyNodes));
    }

    [Fact]
    public async Task After_CLUSTER_FAILOVER_on_a_replica_the_topology_shows_the_roles_swapped()
    {
        var id = await AddConnectionAsync(fx.Cluster.Seed.Port);
        var before = await HealthyNodesAsync(id);
        var replica = before.Nodes.First(n => n.Role == "replica");
        var primary = before.Nodes.Single(n => n.Id == replica.PrimaryId);

        await FailOverAsync(replica.Port);
        try
        {
            var after = await Poll.UntilAsync(() => NodesAsync(id), t => t.Nodes.Any(n => n.Id == primary.Id && n.Role == "replica" && n.Healthy),
                "the old primary to follow its replica", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));

            var promoted = after.Nodes.Single(n => n.Id == replica.Id);
            var demoted = after.Nodes.Single(n => n.Id == primary.Id);
            Assert.Equal(("primary", (string?)null), (promoted.Role, promoted.PrimaryId));
            Assert.Equal(primary.Slots, promoted.Slots); // the same slots, now served by the promoted node
            Assert.Equal(("replica", replica.Id), (demoted.Role, demoted.PrimaryId));
            Assert.Empty(demoted.Slots);
            AssertThreeByTwo(await HealthyNodesAsync(id), await ServersNowAsync());
        }
        finally
        {
            // Fail back, so the collection's other tests find the layout it was created with (they must not rely on it all the same).
            await FailOverAsync(primary.Port);
        }
        var restored = await HealthyNodesAsync(id);
        Assert.Equal(("primary", "replica"), (restored.Nodes.Single(n => n.Id == primary.Id).Role, restored.Nodes.Single(n => n.Id == replica.Id).Role));
    }

    /// <summary><c>CLUSTER FAILOVER</c> on the replica at <paramref name="port"/>, waiting until it is a primary and the cluster is healthy.</summary>
    private async Task FailOverAsync(int port)
    {
        var server = fx.Cluster.Servers.Single(s => s.Port == port);
        Assert.Equal("OK", (await server.CliAsync("CLUSTER", "FAILOVER")).Trim());
        await Poll.UntilAsync(() => server.CliAsync("ROLE"), role => role.StartsWith("master", StringComparison.Ordinal), $"{port} to become a primary",
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        await fx.Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_user_denied_CLUSTER_SHARDS_gets_the_topology_from_CLUSTER_NODES_and_one_denied_both_a_reason()
    {
        var seed = fx.Cluster.Seed;
        var viaShards = await HealthyNodesAsync(await AddConnectionAsync(seed.Port));
        try
        {
            Assert.Equal("OK", (await seed.CliAsync("ACL", "SETUSER", "topo-nodes", "on", ">pw-nodes", "~*", "&*", "+@all", "-cluster|shards")).Trim());
            Assert.Equal("OK", (await seed.CliAsync("ACL", "SETUSER", "topo-none", "on", ">pw-none", "~*", "&*", "+@all", "-cluster")).Trim());

            var viaNodes = await NodesAsync(await AddConnectionAsync(seed.Port, "topo-nodes", "pw-nodes"));
            var denied = await NodesAsync(await AddConnectionAsync(seed.Port, "topo-none", "pw-none"));

            Assert.Equal(Layout(viaShards, withSeed: true), Layout(viaNodes, withSeed: true));
            Assert.False(denied.IsCluster);
            Assert.Empty(denied.Nodes);
            Assert.Contains("NOPERM", denied.Error);
        }
        finally
        {
            await seed.CliAsync("ACL", "DELUSER", "topo-nodes", "topo-none");
        }
    }

    [Fact]
    public async Task A_standalone_server_is_not_a_cluster_and_has_no_nodes()
    {
        await using var standalone = await RedisServer.StartAsync(TimeSpan.FromMinutes(5));
        var id = await AddConnectionAsync(standalone.Port);

        var nodes = await NodesAsync(id);
        var test = await TestAsync(id);

        Assert.Equal((false, 0, (string?)null), (nodes.IsCluster, nodes.Nodes.Length, nodes.Error));
        Assert.Equal(("standalone", (int?)null, (int?)null), (test.Mode, test.Primaries, test.Replicas));
    }

    [Fact]
    public async Task An_unreachable_seed_is_not_a_cluster_and_says_why()
    {
        var id = await AddConnectionAsync(RedisServer.FreePort());

        var nodes = await NodesAsync(id);

        Assert.Equal((false, 0), (nodes.IsCluster, nodes.Nodes.Length));
        Assert.Contains("refused", nodes.Error, StringComparison.OrdinalIgnoreCase);
    }
}
