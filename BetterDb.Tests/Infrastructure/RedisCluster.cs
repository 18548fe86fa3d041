using System.Diagnostics;

namespace BetterDb.Testing;

/// <summary>
/// A real Redis Cluster on free loopback ports: six <c>redis-server --cluster-enabled yes</c> processes joined by
/// <c>redis-cli --cluster create ... --cluster-replicas 1</c> (three primaries, each with one replica; three nodes make
/// three primaries without replicas). Each server
/// stops by itself (see <see cref="RedisServer"/>); start it once per test collection (<see cref="RedisClusterFixture"/>).
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private RedisCluster(IReadOnlyList<RedisServer> servers) => Servers = servers;

    /// <summary>All six servers, in the order given to <c>--cluster create</c> (the first three start as primaries).</summary>
    public IReadOnlyList<RedisServer> Servers { get; }

    /// <summary>The node a connection profile is pointed at (any node works as a seed).</summary>
    public RedisServer Seed => Servers[0];

    public static async Task<RedisCluster> StartAsync(TimeSpan? maxLifetime = null, int nodes = 6, params string[] extraArgs)
    {
        var servers = new List<RedisServer>();
        try
        {
            // Each node's client port is at most 55535: Redis puts the cluster bus on port + 10000, and refuses to start
            // ("Redis port number too high") when that is over 65535. The ports are all chosen at once, so they differ.
            var ports = RedisServer.FreePorts(nodes, maxPort: 55535);
            var started = await Task.WhenAll(ports.Select(port => RedisServer.StartOnAsync(port, maxLifetime ?? TimeSpan.FromMinutes(20),
                ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "3000", .. extraArgs])));
            servers.AddRange(started);
            var create = new List<string> { "--cluster", "create" };
            create.AddRange(servers.Select(s => $"127.0.0.1:{s.Port}"));
            create.AddRange(["--cluster-replicas", nodes >= 6 ? "1" : "0", "--cluster-yes"]);
            var output = await RunCliAsync(create);
            if (!output.Contains("[OK] All 16384 slots covered", StringComparison.Ordinal))
                throw new InvalidOperationException($"redis-cli --cluster create failed: {output}");
            var cluster = new RedisCluster(servers);
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

    private static async Task<string> RunCliAsync(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("redis-cli --cluster create did not finish in 60 s");
        }
        return await output + await error;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in Servers) await s.DisposeAsync();
    }
}

/// <summary>One <see cref="RedisCluster"/> for a whole test collection.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    public RedisCluster Cluster { get; private set; } = null!;

    public string SeedUrl => Cluster.Seed.Url;

    public async Task InitializeAsync() => Cluster = await RedisCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

/// <summary>Tests on the shared cluster run one after another; each looks up roles afresh (another test may have failed a primary over).</summary>
[CollectionDefinition("redis-cluster")]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>;
