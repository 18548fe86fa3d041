using System.Net.Http.Json;
using BetterDb.Core.Connections;
using BetterDb.Testing;

namespace BetterDb.Tests.Cluster;

/// <summary>
/// A TLS cluster of its own (three primaries) whose nodes share one certificate naming only <c>localhost</c>, the host
/// the connection names. The cluster announces its nodes by IP address (Redis does unless <c>cluster-announce-hostname</c>
/// is set), so a capture dials 127.0.0.1, a name that certificate does not carry.
/// </summary>
public sealed class TlsNamesClusterFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "betterdb-tls-names-" + Guid.NewGuid().ToString("N")[..12]);

    public TestCertificates Certificates { get; private set; } = null!;
    public RedisCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Certificates = await TestCertificates.CreateAsync(_directory, serverIpAddress: false);
        Cluster = await RedisCluster.StartTlsAsync(Certificates.ForCluster(), TimeSpan.FromMinutes(5), nodes: 3);
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
        TestApp.TryDelete(_directory);
    }
}

/// <summary>Which names a cluster node's certificate may carry: the address the cluster announces, or the connection's host.</summary>
public sealed class TlsClusterCertificateNameTests(TlsNamesClusterFixture fx) : IClassFixture<TlsNamesClusterFixture>
{
    private RedisCluster Cluster => fx.Cluster;

    private ConnectionProfile Seed(string host) => new()
    {
        Id = "names",
        Name = "names",
        Host = host,
        Port = Cluster.TlsPortOf(Cluster.Seed),
        Tls = true,
        CaCertificate = fx.Certificates.Ca,
    };

    [Fact]
    public async Task Nodes_announced_by_IP_are_captured_over_TLS_when_their_certificate_names_the_host_the_connection_names()
    {
        await using var app = new TestApp($"rediss://localhost:{Cluster.TlsPortOf(Cluster.Seed)}",
            settings: new Dictionary<string, string?> { ["BetterDb:DefaultConnectionTls:CaCertificate"] = fx.Certificates.CaPath });
        var api = new BetterDbApi(app.CreateClient());
        var nodes = (await api.Http.GetFromJsonAsync<NodesDto>("/api/connections/default/nodes", BetterDbApi.Json))!;
        Assert.True(nodes.IsCluster, nodes.Error);
        Assert.Equal(Cluster.TlsPorts.Order(), nodes.Nodes.Select(n => n.Port).Order());
        Assert.All(nodes.Nodes, n => Assert.Equal("127.0.0.1", n.Host)); // not a name the certificate gives

        var session = await api.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, fanOut = true });
        foreach (var node in Cluster.Servers) await TlsCapture.WaitForMonitorAsync(api, session.Id, node);
        var written = new Dictionary<string, string>(); // key -> the id of the node that serves it
        for (var i = 0; written.Values.Distinct().Count() < Cluster.Servers.Count; i++)
        {
            var key = $"tn:{i}";
            var owner = await Cluster.OwnerOfAsync(key);
            Assert.Equal("OK", (await owner.CliAsync("SET", key, "v")).Trim());
            written[key] = await RedisCluster.NodeIdAsync(owner);
        }
        var lines = await api.WaitForMergedLinesAsync(session.Id, ls => written.Keys.All(k => ls.Any(l => l.Cmd == "SET" && l.Keys.Contains(k))), "every write");
        var stopped = await api.StopAsync(session.Id);

        Assert.Equal("completed", stopped.Status);
        Assert.All(lines.Where(l => l.Cmd == "SET" && l.Keys.Length == 1 && written.ContainsKey(l.Keys[0])), l => Assert.Equal(written[l.Keys[0]], l.NodeId));
    }

    [Fact]
    public async Task A_node_whose_certificate_names_neither_its_address_nor_the_connections_host_is_refused_saying_what_to_change()
    {
        var node = (await ClusterTopology.DiscoverAsync(Seed("localhost"))).Nodes.First(n => n.Port != Cluster.TlsPortOf(Cluster.Seed));

        var trusted = await ConnectionService.TestAsync(ClusterNodeTarget.ForNode(Seed("localhost"), node));
        // The same node of a connection that names another host (one this certificate does not carry either).
        var refused = await ConnectionService.TestAsync(ClusterNodeTarget.ForNode(Seed("cache.elsewhere.example"), node));
        // And the node named directly by its address, as a connection of its own: the operator chose that name.
        var direct = await ConnectionService.TestAsync(Seed("127.0.0.1") with { Port = node.Port });

        Assert.True(trusted.Ok, trusted.Error);
        Assert.False(refused.Ok);
        Assert.Contains($"the certificate of cluster node 127.0.0.1:{node.Port} is valid neither for '127.0.0.1', the address the cluster announces, "
                        + "nor for 'cache.elsewhere.example', the connection's host (RemoteCertificateNameMismatch; it names localhost)", refused.Error);
        Assert.Contains("cluster-announce-hostname", refused.Error);
        Assert.False(direct.Ok);
        Assert.Contains("the server certificate is not valid for '127.0.0.1'", direct.Error);
    }
}
