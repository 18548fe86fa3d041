using System.Diagnostics;

namespace BetterDb.Testing;

/// <summary>
/// The certificates of a TLS cluster (PEM files): the CA that signed them all, the certificate and key each node serves
/// its TLS port with, and the one a node presents when it dials another (cluster bus, replication), fit for client
/// authentication.
/// </summary>
public sealed record ClusterTls(string CaPath, string CertificatePath, string KeyPath, string ClientCertificatePath, string ClientKeyPath);

/// <summary>
/// A real Redis Cluster on free loopback ports: six <c>redis-server --cluster-enabled yes</c> processes joined by
/// <c>redis-cli --cluster create ... --cluster-replicas 1</c> (three primaries, each with one replica; three nodes make
/// three primaries without replicas). A TLS cluster (<see cref="StartTlsAsync"/>) gives each node a TLS port beside its
/// plain one and runs the cluster bus and replication over TLS. Each server
/// stops by itself (see <see cref="RedisServer"/>); start it once per test collection (<see cref="RedisClusterFixture"/>).
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private RedisCluster(IReadOnlyList<RedisServer> servers, ClusterTls? tls, IReadOnlyList<int> tlsPorts)
    {
        Servers = servers;
        Tls = tls;
        TlsPorts = tlsPorts;
    }

    /// <summary>All six servers, in the order given to <c>--cluster create</c> (the first three start as primaries).</summary>
    public IReadOnlyList<RedisServer> Servers { get; }

    /// <summary>The node a connection profile is pointed at (any node works as a seed).</summary>
    public RedisServer Seed => Servers[0];

    /// <summary>The certificates of a TLS cluster; null for a plain one.</summary>
    public ClusterTls? Tls { get; }

    /// <summary>Each server's TLS port, in <see cref="Servers"/> order; empty for a plain cluster.</summary>
    public IReadOnlyList<int> TlsPorts { get; }

    /// <summary>The TLS port of <paramref name="server"/> (a TLS cluster's clients see it in CLUSTER SHARDS and, over TLS, in CLUSTER NODES).</summary>
    public int TlsPortOf(RedisServer server) => TlsPorts[IndexOf(server)];

    /// <summary>The server whose TLS port is <paramref name="tlsPort"/>.</summary>
    public RedisServer ServerAtTlsPort(int tlsPort) => Servers[TlsPorts.ToList().IndexOf(tlsPort) is var i and >= 0 ? i
        : throw new ArgumentException($"no node has TLS port {tlsPort}", nameof(tlsPort))];

    /// <summary>The port a client of this cluster dials <paramref name="server"/> at: its TLS port on a TLS cluster.</summary>
    public int ClientPortOf(RedisServer server) => Tls is null ? server.Port : TlsPortOf(server);

    /// <summary>The seed as a connection URL: <c>rediss://</c> at its TLS port on a TLS cluster (the CA is given apart).</summary>
    public string SeedUrl => Tls is null ? Seed.Url : $"rediss://127.0.0.1:{TlsPortOf(Seed)}";

    private int IndexOf(RedisServer server) =>
        Enumerable.Range(0, Servers.Count).FirstOrDefault(i => ReferenceEquals(Servers[i], server), -1) is var i and >= 0 ? i
            : throw new ArgumentException($"port {server.Port} is not a node of this cluster", nameof(server));

    public static Task<RedisCluster> StartAsync(TimeSpan? maxLifetime = null, int nodes = 6, params string[] extraArgs) =>
        StartCoreAsync(null, maxLifetime, nodes, extraArgs);

    /// <summary>
    /// A cluster whose clients, cluster bus and replication all use TLS: each node keeps a plain port too (the readiness
    /// check and the admin commands of <see cref="RedisServer.CliAsync"/> use it), and the cluster is created over the TLS
    /// ports, so those are the ones it announces to TLS clients.
    /// </summary>
    public static Task<RedisCluster> StartTlsAsync(ClusterTls tls, TimeSpan? maxLifetime = null, int nodes = 6, params string[] extraArgs) =>
        StartCoreAsync(tls, maxLifetime, nodes, extraArgs);

    private static async Task<RedisCluster> StartCoreAsync(ClusterTls? tls, TimeSpan? maxLifetime, int nodes, string[] extraArgs)
    {
        var servers = new List<RedisServer>();
        try
        {
            // The port a node is created with (its TLS port on a TLS cluster, where tls-cluster puts the bus on the TLS
            // port + 10000) is at most 55535: Redis refuses to start ("Redis port number too high") when the bus port is
            // over 65535. The ports are all chosen at once, so they differ.
            var (clusterPorts, plainPorts) = ChoosePorts(nodes, tls is not null);
            var started = await Task.WhenAll(Enumerable.Range(0, nodes).Select(i => RedisServer.StartOnAsync(plainPorts[i], maxLifetime ?? TimeSpan.FromMinutes(20),
                ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "3000",
                    .. tls is null ? [] : NodeTlsArgs(tls, clusterPorts[i]), .. extraArgs])));
            servers.AddRange(started);
            var create = new List<string>(CliTlsArgs(tls)) { "--cluster", "create" };
            create.AddRange(clusterPorts.Select(port => $"127.0.0.1:{port}"));
            create.AddRange(["--cluster-replicas", nodes >= 6 ? "1" : "0", "--cluster-yes"]);
            var output = await RunCliAsync(create, servers);
            if (!output.Contains("[OK] All 16384 slots covered", StringComparison.Ordinal))
                throw new InvalidOperationException($"redis-cli --cluster create failed: {output}");
            var cluster = new RedisCluster(servers, tls, tls is null ? [] : clusterPorts);
            await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch
        {
            foreach (var s in servers) await s.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The ports each node is created with, and its plain ports (the same on a plain cluster). On a TLS cluster no plain
    /// port may be another node's bus port (TLS port + 10000).
    /// </summary>
    private static (IReadOnlyList<int> Cluster, IReadOnlyList<int> Plain) ChoosePorts(int nodes, bool tls)
    {
        while (true)
        {
            var ports = RedisServer.FreePorts(tls ? 2 * nodes : nodes, maxPort: 55535);
            var cluster = ports.Take(nodes).ToList();
            var plain = tls ? ports.Skip(nodes).ToList() : cluster;
            if (!tls || !plain.Any(p => cluster.Contains(p - 10000))) return (cluster, plain);
        }
    }

    /// <summary>
    /// A TLS cluster node's own options: the TLS port (no client certificates asked of clients), and TLS for the cluster
    /// bus and replication. The bus asks the dialing node for a certificate whatever <c>tls-auth-clients</c> says, and
    /// OpenSSL checks it is fit for client authentication: a server-only certificate (extendedKeyUsage=serverAuth) is
    /// refused ("Error accepting cluster node connection: certificate verify failed" in the log), the nodes never meet,
    /// and <c>--cluster create</c> waits for the cluster to join forever. So a node dials with the client certificate.
    /// </summary>
    private static string[] NodeTlsArgs(ClusterTls tls, int tlsPort) =>
    [
        .. RedisServer.TlsArgs(tlsPort, tls.CaPath, tls.CertificatePath, tls.KeyPath, requireClientCertificates: false),
        "--tls-cluster", "yes",
        "--tls-replication", "yes",
        "--tls-client-cert-file", tls.ClientCertificatePath,
        "--tls-client-key-file", tls.ClientKeyPath,
    ];

    /// <summary>What redis-cli needs to reach a TLS port (the server asks no client certificate); nothing for a plain cluster.</summary>
    private static string[] CliTlsArgs(ClusterTls? tls) => tls is null ? [] : ["--tls", "--cacert", tls.CaPath];

    /// <summary>
    /// Waits until every live node reports <c>cluster_state:ok</c> and every live node's CLUSTER NODES agrees with what
    /// each live node says it is (ROLE). cluster_state:ok alone comes before the news of a creation or a failover has
    /// reached every node, and a node that still takes a replica for a primary refuses it its vote in a CLUSTER FAILOVER.
    /// </summary>
    public async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            var live = Servers.Where(s => !s.HasExited).ToList();
            var states = await Task.WhenAll(live.Select(s => s.CliAsync("CLUSTER", "INFO")));
            last = states.FirstOrDefault(s => !s.Contains("cluster_state:ok", StringComparison.Ordinal)) ?? "";
            if (last.Length == 0)
            {
                var roles = await Task.WhenAll(live.Select(async s => (Id: await NodeIdAsync(s), Primary: (await s.CliAsync("ROLE")).StartsWith("master", StringComparison.Ordinal))));
                var views = await Task.WhenAll(live.Select(s => s.CliAsync("CLUSTER", "NODES")));
                var disagreement = views.SelectMany(view => roles.Where(r => SaysPrimary(view, r.Id) != r.Primary)
                    .Select(r => $"a node takes {r.Id} for a {(r.Primary ? "replica" : "primary")}")).FirstOrDefault();
                if (disagreement is null) return;
                last = disagreement;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the cluster did not become healthy: {last}");
    }

    /// <summary>Whether a CLUSTER NODES listing has <paramref name="id"/> as a master (null when it does not list it).</summary>
    private static bool? SaysPrimary(string clusterNodes, string id) =>
        clusterNodes.Split('\n').Select(l => l.Split(' ')).FirstOrDefault(f => f.Length > 2 && f[0] == id) is { } fields
            ? fields[2].Split(',').Contains("master")
            : null;

    /// <summary>This node's id (<c>CLUSTER MYID</c>).</summary>
    public static async Task<string> NodeIdAsync(RedisServer server) => (await server.CliAsync("CLUSTER", "MYID")).Trim();

    /// <summary>The servers that are primaries now (<c>ROLE</c>), in <see cref="Servers"/> order.</summary>
    public async Task<IReadOnlyList<RedisServer>> PrimariesAsync()
    {
        var primaries = new List<RedisServer>();
        foreach (var s in Servers.Where(s => !s.HasExited))
            if ((await s.CliAsync("ROLE")).StartsWith("master", StringComparison.Ordinal)) primaries.Add(s);
        return primaries;
    }

    /// <summary>
    /// The primary that serves <paramref name="key"/>'s slot now, from each primary's own <c>CLUSTER NODES</c> line (the
    /// key itself is sent to no node, so a capture under test never sees it).
    /// </summary>
    public async Task<RedisServer> OwnerOfAsync(string key)
    {
        var slot = HashSlot(key);
        foreach (var s in await PrimariesAsync())
        {
            var myself = (await s.CliAsync("CLUSTER", "NODES")).Split('\n').First(l => l.Contains("myself", StringComparison.Ordinal));
            foreach (var range in myself.Trim().Split(' ').Skip(8).Where(r => !r.StartsWith('[')))
            {
                var ends = range.Split('-');
                if (slot >= int.Parse(ends[0]) && slot <= int.Parse(ends[^1])) return s;
            }
        }
        throw new InvalidOperationException($"no primary serves slot {slot} ({key})");
    }

    /// <summary>The cluster's hash slot of a key: CRC16 (XMODEM) of the key, or of its <c>{hash tag}</c>, modulo 16384.</summary>
    public static int HashSlot(string key)
    {
        var open = key.IndexOf('{');
        if (open >= 0 && key.IndexOf('}', open + 1) is var close and > 0 && close > open + 1) key = key[(open + 1)..close];
        ushort crc = 0;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(key))
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++) crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
        }
        return crc % 16384;
    }

    /// <summary>How many MONITOR clients <paramref name="node"/> serves now (<c>CLIENT LIST</c>, flag O).</summary>
    public static async Task<int> MonitorsAsync(RedisServer node) =>
        (await node.CliAsync("CLIENT", "LIST")).Split('\n').Count(l => l.Contains(" flags=O ", StringComparison.Ordinal));

    public static async Task WaitForMonitorsAsync(RedisServer node, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await MonitorsAsync(node) < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"fewer than {count} MONITOR clients on port {node.Port}");
            await Task.Delay(50);
        }
    }

    /// <summary>Runs redis-cli in cluster mode (<c>-c</c>, following MOVED) against the seed.</summary>
    public Task<string> ClusterCliAsync(params string[] args) => Seed.CliAsync(["-c", .. args]);

    /// <summary>Runs <c>redis-cli --cluster create</c>; when it hangs (nodes that never meet), says what it and a node's log printed.</summary>
    private static async Task<string> RunCliAsync(IEnumerable<string> args, IReadOnlyList<RedisServer> servers)
    {
        var psi = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            var log = servers.Count > 1 ? servers[1].ReadLog() : "";
            throw new TimeoutException($"redis-cli --cluster create did not finish in 60 s: {await output}{await error}\n"
                + $"log of port {servers.ElementAtOrDefault(1)?.Port}: {log[Math.Max(0, log.Length - 2000)..]}");
        }
        return await output + await error;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in Servers) await s.DisposeAsync();
    }
}

/// <summary>One <see cref="RedisCluster"/> for a whole test collection.</summary>
public class RedisClusterFixture : IAsyncLifetime
{
    public RedisCluster Cluster { get; private set; } = null!;

    /// <summary>Connection <c>default</c> of an app that captures this cluster.</summary>
    public string SeedUrl => Cluster.SeedUrl;

    /// <summary>More settings such an app needs (the CA of a TLS cluster).</summary>
    public virtual IReadOnlyDictionary<string, string?> AppSettings { get; } = new Dictionary<string, string?>();

    protected virtual Task<RedisCluster> StartClusterAsync() => RedisCluster.StartAsync();

    public async Task InitializeAsync() => Cluster = await StartClusterAsync();

    public virtual async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

/// <summary>Tests on the shared cluster run one after another; each looks up roles afresh (another test may have failed a primary over).</summary>
[CollectionDefinition("redis-cluster")]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>;
