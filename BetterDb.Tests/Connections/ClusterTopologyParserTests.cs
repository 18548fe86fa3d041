using System.Buffers;
using BetterDb.Core.Connections;

namespace BetterDb.Tests.Connections;

/// <summary>
/// CLUSTER SHARDS and CLUSTER NODES as a real cluster answered them (TestData/cluster: Debian 12's redis-server 7.0.15,
/// six nodes on 127.0.0.1:17001-17006, see its README), plus the cases a test cluster cannot be made to show on demand
/// (a suspected node, a handshake, no address, IPv6, TLS ports, the 7.2 shard layout), written as the servers print them.
/// </summary>
public sealed class ClusterTopologyParserTests
{
    // The recorded cluster: three primaries (the first three ports), each with one replica.
    private const string P1 = "3c21125c7fb33bda5e6080a70a39363ffde22a40", R1 = "1150aa7ea24e808f397fe6128bc6f79774f00919"; // 17001, 17005
    private const string P2 = "4ead790d90efdfb6d4ad9968a99eaaced2c00dcc", R2 = "f8d94d00e12bf9626aadcfd6f0b05f14d9ea5da3"; // 17002, 17006
    private const string P3 = "1293343368de9b81623466e8633caad09daf1f39", R3 = "5dd4b1e0507f9dd043730b90a2e91069c2c1b277"; // 17003, 17004

    /// <summary>A reply of TestData/cluster, parsed as the connection parses what it reads.</summary>
    internal static RespReply Recorded(string name)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "cluster", name));
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.True(RespConnection.TryParseReply(ref reader, out var reply), $"{name} holds a whole reply");
        Assert.Equal(0, reader.Remaining);
        return reply!;
    }

    private static IReadOnlyList<ClusterNode> Shards(string name, bool tls = false) => ClusterTopology.Order(ClusterShardsParser.Parse(Recorded(name), tls));

    private static IReadOnlyList<ClusterNode> Nodes(string name, bool tls = false) => ClusterTopology.Order(ClusterNodesParser.Parse(Recorded(name).Text!, tls));

    private static string Layout(IEnumerable<ClusterNode> nodes) =>
        string.Join("\n", nodes.Select(n => $"{Short(n.Id)} {n.Address} {n.Role} follows={Short(n.PrimaryId)} slots={string.Join(",", n.Slots)} {n.Health} {n.Healthy}"));

    private static string? Short(string? id) => id?[..Math.Min(8, id.Length)];

    [Fact]
    public void A_healthy_three_by_two_cluster_lists_primaries_by_first_slot_each_followed_by_its_replica()
    {
        var nodes = Shards("shards-healthy.resp");

        Assert.Equal(string.Join("\n",
            $"{P1[..8]} 127.0.0.1:17001 primary follows= slots=0-5460 online True",
            $"{R1[..8]} 127.0.0.1:17005 replica follows={P1[..8]} slots= online True",
            $"{P2[..8]} 127.0.0.1:17002 primary follows= slots=5461-10922 online True",
            $"{R2[..8]} 127.0.0.1:17006 replica follows={P2[..8]} slots= online True",
            $"{P3[..8]} 127.0.0.1:17003 primary follows= slots=10923-16383 online True",
            $"{R3[..8]} 127.0.0.1:17004 replica follows={P3[..8]} slots= online True"), Layout(nodes));
        Assert.All(nodes, n => Assert.Equal("127.0.0.1", n.Host));
        Assert.Equal([17001, 17005, 17002, 17006, 17003, 17004], nodes.Select(n => n.Port));
    }

    [Fact]
    public void CLUSTER_NODES_of_the_same_cluster_gives_the_same_topology_and_marks_the_seed()
    {
        var fromNodes = Nodes("nodes-healthy.resp");

        Assert.Equal(Layout(Shards("shards-healthy.resp")), Layout(fromNodes));
        Assert.Equal(P1, Assert.Single(fromNodes, n => n.Myself).Id); // recorded through 17001
    }

    [Fact]
    public void A_RESP3_reply_of_maps_reads_the_same_as_the_RESP2_one()
    {
        var resp3 = Recorded("shards-healthy-resp3.resp");
        Assert.Equal('*', resp3.Type);

        Assert.Equal(Layout(Shards("shards-healthy.resp")), Layout(ClusterTopology.Order(ClusterShardsParser.Parse(resp3, tls: false))));
    }

    [Theory]
    [InlineData("shards-failover.resp")]
    [InlineData("nodes-failover.resp")]
    public void After_a_primary_died_its_replica_serves_its_slots_and_the_dead_one_is_a_failed_primary_without_slots(string recording)
    {
        // 17002 was killed; its replica 17006 took over. 7.0 keeps the dead node as a slot-less master of its own.
        var nodes = recording.StartsWith("shards") ? Shards(recording) : Nodes(recording);

        Assert.Equal(string.Join("\n",
            $"{P1[..8]} 127.0.0.1:17001 primary follows= slots=0-5460 online True",
            $"{R1[..8]} 127.0.0.1:17005 replica follows={P1[..8]} slots= online True",
            $"{R2[..8]} 127.0.0.1:17006 primary follows= slots=5461-10922 online True",
            $"{P3[..8]} 127.0.0.1:17003 primary follows= slots=10923-16383 online True",
            $"{R3[..8]} 127.0.0.1:17004 replica follows={P3[..8]} slots= online True",
            $"{P2[..8]} 127.0.0.1:17002 primary follows= slots= fail False"), Layout(nodes));
        var result = new NodesResult(true, nodes);
        Assert.Equal((4, 2, 1), (result.Primaries, result.Replicas, result.Unhealthy));
    }

    [Fact]
    public void In_a_shard_holding_a_failed_primary_and_the_replica_that_took_over_the_healthy_one_serves_the_slots()
    {
        // Redis 7.2+ groups by shard id: the failed primary stays in its shard, and both it and the promoted node say master.
        var reply = Arr(Map(("slots", Arr(0L, 8191L)), ("nodes", Arr(
            Map(("id", "aaaa0001"), ("port", 7000L), ("ip", "10.0.0.1"), ("endpoint", "10.0.0.1"), ("role", "master"), ("replication-offset", 10L), ("health", "failed")),
            Map(("id", "aaaa0002"), ("port", 7001L), ("ip", "10.0.0.2"), ("endpoint", "10.0.0.2"), ("role", "master"), ("replication-offset", 99L), ("health", "online")),
            Map(("id", "aaaa0003"), ("port", 7002L), ("ip", "10.0.0.3"), ("endpoint", "10.0.0.3"), ("role", "replica"), ("replication-offset", 99L), ("health", "loading"))))));

        var nodes = ClusterTopology.Order(ClusterShardsParser.Parse(reply, tls: false));

        Assert.Equal(string.Join("\n",
            "aaaa0002 10.0.0.2:7001 primary follows= slots=0-8191 online True",
            "aaaa0003 10.0.0.3:7002 replica follows=aaaa0002 slots= loading False",
            "aaaa0001 10.0.0.1:7000 primary follows= slots= fail False"), Layout(nodes));
    }

    [Theory]
    [InlineData("shards-hostname.resp")]
    [InlineData("nodes-hostname.resp")]
    public void An_announced_hostname_is_the_host_to_use_and_a_node_without_one_keeps_its_ip(string recording)
    {
        // cluster-announce-hostname node-<port>.redis.internal on every node but 17003.
        var nodes = recording.StartsWith("shards") ? Shards(recording) : Nodes(recording);

        var named = Assert.Single(nodes, n => n.Id == P1);
        Assert.Equal(("node-17001.redis.internal", 17001, "node-17001.redis.internal:17001"), (named.Host, named.Port, named.Address));
        var plain = Assert.Single(nodes, n => n.Id == P3);
        Assert.Equal(("127.0.0.1", "127.0.0.1:17003"), (plain.Host, plain.Address));
        Assert.Equal(5, nodes.Count(n => n.Host.EndsWith(".redis.internal", StringComparison.Ordinal)));
    }

    private static RespReply TlsShard(params (string Key, object Value)[] extra) =>
        Arr(Map(("slots", Arr(0L, 16383L)), ("nodes", Arr(Map([("id", "bbbb0001"), ("ip", "10.1.0.1"), ("endpoint", "10.1.0.1"), ("role", "master"), ("health", "online"), .. extra])))));

    [Theory]
    [InlineData(true, "10.1.0.1:7100")]
    [InlineData(false, "10.1.0.1:7000")]
    public void A_TLS_connection_takes_the_tls_port_a_plaintext_one_the_port(bool tls, string address)
    {
        var node = Assert.Single(ClusterShardsParser.Parse(TlsShard(("port", 7000L), ("tls-port", 7100L)), tls));

        Assert.Equal(address, node.Address);
    }

    [Theory]
    [InlineData(true, "10.1.0.1:7000")] // tls-cluster off: only the port is announced, and it is the way in
    [InlineData(false, "10.1.0.1:7000")]
    public void Without_a_tls_port_the_port_is_used(bool tls, string address) =>
        Assert.Equal(address, Assert.Single(ClusterShardsParser.Parse(TlsShard(("port", 7000L)), tls)).Address);

    [Fact]
    public void A_TLS_only_node_announces_just_its_tls_port() =>
        Assert.Equal("10.1.0.1:7100", Assert.Single(ClusterShardsParser.Parse(TlsShard(("tls-port", 7100L)), tls: true)).Address);

    [Fact]
    public void The_endpoint_is_preferred_to_the_ip_unless_it_is_unknown()
    {
        var reply = Arr(Map(("slots", Arr()), ("nodes", Arr(
            Map(("id", "cccc0001"), ("port", 7000L), ("ip", "10.2.0.1"), ("endpoint", "redis-a.svc"), ("role", "master")),
            Map(("id", "cccc0002"), ("port", 7000L), ("ip", "10.2.0.2"), ("endpoint", "?"), ("role", "replica")),
            Map(("id", "cccc0003"), ("port", 7000L), ("ip", "fd00::3"), ("endpoint", ""), ("role", "replica"))))));

        var nodes = ClusterShardsParser.Parse(reply, tls: false);

        Assert.Equal(["redis-a.svc:7000", "10.2.0.2:7000", "[fd00::3]:7000"], nodes.Select(n => n.Address));
        Assert.Equal("fd00::3", nodes[2].Host);
    }

    [Fact]
    public void Unknown_keys_are_skipped_and_missing_ones_tolerated()
    {
        var reply = Arr(
            Map(("slots", Arr("0", "99", 200L, 300L, 17000L, 17001L, 5L)), ("shard-id", "ffff"), ("nodes", Arr(
                Map(("id", "dddd0001"), ("availability-zone", "eu-1a"), ("port", "7000"), ("ip", "10.3.0.1"), ("role", "master"), ("future", Arr(1L, 2L))),
                Map(("port", 7001L), ("ip", "10.3.0.2"), ("role", "replica")), // no id: cannot be named, left out
                Map(("id", "dddd0003"), ("ip", "10.3.0.3"))))), // no port, role or health
            Map(("nodes", Arr())), // no slots, no nodes
            new RespReply('+', "OK")); // not a shard at all

        var nodes = ClusterTopology.Order(ClusterShardsParser.Parse(reply, tls: false));

        Assert.Equal(string.Join("\n",
            "dddd0001 10.3.0.1:7000 primary follows= slots=0-99,200-300 online True", // 17000-17001 is out of range, 5 has no end
            "dddd0003  unknown follows= slots= online True"), Layout(nodes));
        Assert.Equal(("10.3.0.3", 0), (nodes[1].Host, nodes[1].Port));
        Assert.Empty(ClusterShardsParser.Parse(new RespReply('-', "ERR nope"), tls: false));
    }

    [Fact]
    public void CLUSTER_NODES_flags_and_link_states_map_to_health_words_and_IPv6_addresses_keep_their_port()
    {
        const string text = """
            e1 2001:db8::1:7000@17000 myself,master - 0 0 1 connected 0-5000 5001 [5002->-e9]
            e2 2001:db8::2:7000@17000,r2.example,shard-id=ab12,tls-port=7100 master,fail? - 1700000000000 1700000000000 2 connected 5002-10000 [10001-<-e9]
            e3 [fd00::3]:7000@17000 slave,fail e2 1700000000000 1700000000000 2 disconnected
            e4 10.0.0.4:7000@17000 handshake - 0 0 0 connected
            e5 :0@0 master,noaddr - 1700000000000 1700000000000 3 disconnected 10001-16383
            e6 10.0.0.6:7000@17000 slave,nofailover e1 0 0 1 disconnected
            e7 10.0.0.7:7000@17000 slave e1 0 0 1 connected
            too short to be a node

            """;

        var nodes = ClusterTopology.Order(ClusterNodesParser.Parse(text.Replace("\n", "\r\n")));

        Assert.Equal(string.Join("\n",
            "e1 [2001:db8::1]:7000 primary follows= slots=0-5000,5001 online True",
            "e6 10.0.0.6:7000 replica follows=e1 slots= disconnected False",
            "e7 10.0.0.7:7000 replica follows=e1 slots= online True",
            "e2 r2.example:7000 primary follows= slots=5002-10000 pfail False", // slots being migrated in or out are not counted
            "e3 [fd00::3]:7000 replica follows=e2 slots= fail False",
            "e5  primary follows= slots=10001-16383 noaddr False",
            "e4 10.0.0.4:7000 unknown follows= slots= handshake False"), Layout(nodes));
        Assert.Equal(("2001:db8::1", 7000, true), (nodes[0].Host, nodes[0].Port, nodes[0].Myself));
        Assert.Equal(("", 0), (nodes[5].Host, nodes[5].Port));
        // Redis 7.2 names the TLS port in an aux field.
        Assert.Equal("r2.example:7100", ClusterNodesParser.Parse(text, tls: true).Single(n => n.Id == "e2").Address);
    }

    [Fact]
    public void A_node_SHARDS_calls_online_takes_what_CLUSTER_NODES_says_about_the_link_and_the_seed_is_CLUSTER_MYID()
    {
        // 1.5 s after 17002 was killed: SHARDS still says online, CLUSTER NODES already has its link down.
        var shards = ClusterShardsParser.Parse(Recorded("shards-link-down.resp"), tls: false);
        var flagged = ClusterNodesParser.Parse(Recorded("nodes-link-down.resp").Text!);
        Assert.Equal(ClusterHealth.Online, shards.Single(n => n.Id == P2).Health);

        var combined = ClusterTopology.Combine(shards, flagged, myId: P3);

        var dying = combined.Single(n => n.Id == P2);
        Assert.Equal((ClusterHealth.Disconnected, false), (dying.Health, dying.Healthy));
        Assert.Single(combined, n => !n.Healthy);
        Assert.Equal(P3, Assert.Single(combined, n => n.Myself).Id);
        Assert.Equal(P1, Assert.Single(ClusterTopology.Combine(shards, flagged, myId: null), n => n.Myself).Id); // from the myself flag
    }

    [Fact]
    public void A_failed_node_stays_failed_whatever_CLUSTER_NODES_says()
    {
        var shards = ClusterShardsParser.Parse(Recorded("shards-failover.resp"), tls: false);

        var combined = ClusterTopology.Combine(shards, ClusterNodesParser.Parse(Recorded("nodes-healthy.resp").Text!), P1);

        Assert.Equal(ClusterHealth.Fail, combined.Single(n => n.Id == P2).Health);
    }

    private static RespReply Arr(params object[] items) => new('*', null, items.Length, items.Select(Resp).ToArray());

    private static RespReply Map(params (string Key, object Value)[] pairs) => Arr([.. pairs.SelectMany(p => new[] { p.Key, p.Value })]);

    private static RespReply Resp(object value) => value switch
    {
        RespReply r => r,
        string s => new RespReply('$', s),
        long n => new RespReply(':', null, n),
        _ => throw new ArgumentException($"no RESP form for {value}"),
    };
}
