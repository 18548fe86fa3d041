namespace BetterDb.Core.Connections;

/// <summary>A range of hash slots a primary serves, both ends included.</summary>
public sealed record SlotRange(int Start, int End)
{
    /// <summary>The highest hash slot (a cluster has 16384).</summary>
    public const int MaxSlot = 16383;

    /// <summary>The range, or null when it is not one (an end out of 0-16383, or before the start).</summary>
    public static SlotRange? Of(long start, long end) =>
        start is >= 0 and <= MaxSlot && end >= start && end <= MaxSlot ? new SlotRange((int)start, (int)end) : null;

    public override string ToString() => Start == End ? $"{Start}" : $"{Start}-{End}";
}

/// <summary>A cluster node's role, as <see cref="ClusterNode.Role"/> spells it (Redis says <c>master</c>/<c>slave</c>).</summary>
public static class ClusterRole
{
    public const string Primary = "primary";
    public const string Replica = "replica";
    public const string Unknown = "unknown";
}

/// <summary>The words of <see cref="ClusterNode.Health"/>; only <see cref="Online"/> is healthy.</summary>
public static class ClusterHealth
{
    public const string Online = "online";
    /// <summary>Suspected failing: this node lost contact (<c>fail?</c> in CLUSTER NODES), the cluster has not agreed yet.</summary>
    public const string Pfail = "pfail";
    /// <summary>The cluster agreed the node failed.</summary>
    public const string Fail = "fail";
    /// <summary>Being introduced to the cluster; not a full member yet.</summary>
    public const string Handshake = "handshake";
    /// <summary>A replica still loading its primary's data.</summary>
    public const string Loading = "loading";
    /// <summary>The cluster knows no address for it.</summary>
    public const string NoAddr = "noaddr";
    /// <summary>The seed's cluster-bus link to it is down.</summary>
    public const string Disconnected = "disconnected";
}

/// <summary>
/// One node of a cluster. <see cref="Address"/> is <c>host:port</c> as clients reach it (the TLS port on a TLS
/// connection); <see cref="Role"/> is <c>primary</c>, <c>replica</c> or <c>unknown</c>; <see cref="PrimaryId"/> is the
/// primary a replica follows; <see cref="Slots"/> the ranges a primary serves; <see cref="Health"/> the cluster's word
/// for it (<c>online</c>, <c>pfail</c>, <c>fail</c>, <c>handshake</c>, <c>loading</c>, <c>noaddr</c>, <c>disconnected</c>).
/// </summary>
public sealed record ClusterNode(string Id, string Address, string Role, bool Healthy)
{
    public string Host { get; init; } = "";
    public int Port { get; init; }
    public string? PrimaryId { get; init; }
    public IReadOnlyList<SlotRange> Slots { get; init; } = [];
    public string Health { get; init; } = ClusterHealth.Online;
    /// <summary>Whether this is the node the connection points at (the seed the topology was read through).</summary>
    public bool Myself { get; init; }

    public bool IsPrimary => Role == ClusterRole.Primary;

    /// <summary>A node at <paramref name="host"/>:<paramref name="port"/> whose <see cref="Healthy"/> follows <paramref name="health"/>.</summary>
    public static ClusterNode At(string id, string host, int port, string role, string health) =>
        new(id, FormatAddress(host, port), role, health == ClusterHealth.Online) { Host = host, Port = port, Health = health };

    /// <summary>This node with another health (and <see cref="Healthy"/> to match).</summary>
    public ClusterNode WithHealth(string health) => this with { Health = health, Healthy = health == ClusterHealth.Online };

    /// <summary><c>host:port</c>, an IPv6 host in brackets; empty when the cluster announces no address.</summary>
    public static string FormatAddress(string host, int port) =>
        host.Length == 0 || port == 0 ? "" : host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}";
}

/// <summary>
/// <c>GET /api/connections/{id}/nodes</c>: primaries first (by their first slot), each replica after its primary.
/// <see cref="Error"/> says why a cluster's nodes could not be read (null for a standalone server and on success).
/// </summary>
public sealed record NodesResult(bool IsCluster, IReadOnlyList<ClusterNode> Nodes)
{
    public int Primaries => Nodes.Count(n => n.IsPrimary);
    public int Replicas => Nodes.Count(n => n.Role == ClusterRole.Replica);

    /// <summary>
    /// The primaries a fan-out capture reads: primaries that serve slots at an address (after a failover the old primary
    /// stays listed, failed and without slots), whatever their health.
    /// </summary>
    public IReadOnlyList<ClusterNode> FanOutPrimaries => Nodes.Where(n => n.IsPrimary && n.Slots.Count > 0 && n.Port > 0).ToList();
    /// <summary>Nodes whose health is not <c>online</c>.</summary>
    public int Unhealthy => Nodes.Count(n => !n.Healthy);
    public string? Error { get; init; }

    public static readonly NodesResult Standalone = new(false, []);

    public static NodesResult Failed(string error) => new(false, []) { Error = error };
}

/// <summary>A cluster's topology, read through a connection's seed node each time it is asked for (so it is never stale after a failover).</summary>
public static class ClusterTopology
{
    public static async Task<NodesResult> DiscoverAsync(ConnectionProfile profile, CancellationToken ct = default)
    {
        try
        {
            await using var client = await RedisCommandClient.OpenAsync(profile, "topology", ConnectionService.ConnectTimeout, ct);
            return await ReadAsync(client, profile, ct);
        }
        catch (TargetUnreachableException ex)
        {
            return NodesResult.Failed(ex.Message);
        }
    }

    /// <summary>
    /// Reads the topology over an open client: <c>CLUSTER SHARDS</c> (Redis 7+) for the layout, with the health
    /// <c>CLUSTER NODES</c> adds; <c>CLUSTER NODES</c> alone where SHARDS is unknown (older servers) or refused (ACL).
    /// </summary>
    public static async Task<NodesResult> ReadAsync(RedisCommandClient client, ConnectionProfile profile, CancellationToken ct = default)
    {
        var shards = await client.SendAsync(ct, "CLUSTER", "SHARDS");
        var nodesText = await client.SendAsync(ct, "CLUSTER", "NODES");
        if (!shards.IsError && shards.Items is not null)
        {
            var fromShards = ClusterShardsParser.Parse(shards, profile.Tls);
            var myId = await client.SendAsync(ct, "CLUSTER", "MYID");
            var flagged = nodesText is { IsError: false, Text: { } text } ? ClusterNodesParser.Parse(text, profile.Tls) : [];
            return new NodesResult(true, Order(Combine(fromShards, flagged, myId.IsError ? null : myId.Text)));
        }
        if (!nodesText.IsError && nodesText.Text is { } nodes)
            return new NodesResult(true, Order(ClusterNodesParser.Parse(nodes, profile.Tls)));
        var error = nodesText.Text ?? shards.Text ?? "no answer";
        // A server without cluster support is simply standalone; anything else (NOPERM, ...) is a discovery that failed.
        return error.Contains("cluster support disabled", StringComparison.OrdinalIgnoreCase)
            ? NodesResult.Standalone
            : NodesResult.Failed($"{profile.Endpoint}: CLUSTER SHARDS: {shards.Text}; CLUSTER NODES: {nodesText.Text}");
    }

    /// <summary>
    /// SHARDS' health knows only online, failed and loading; the flags of CLUSTER NODES also say when the seed suspects a
    /// node (<c>fail?</c>) or lost its link to it, the first signs of a node dying. A node SHARDS calls online takes those.
    /// </summary>
    /// <param name="myId">the seed's id (<c>CLUSTER MYID</c>); null to take the <c>myself</c> flag of CLUSTER NODES.</param>
    internal static IReadOnlyList<ClusterNode> Combine(IReadOnlyList<ClusterNode> shards, IReadOnlyList<ClusterNode> flagged, string? myId)
    {
        var byId = flagged.GroupBy(n => n.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        myId ??= flagged.FirstOrDefault(n => n.Myself)?.Id;
        return shards.Select(node =>
        {
            var health = node.Health == ClusterHealth.Online && byId.TryGetValue(node.Id, out var other) ? other.Health : node.Health;
            return node.WithHealth(health) with { Myself = node.Id == myId };
        }).ToList();
    }

    /// <summary>
    /// Primaries by their first slot (those without slots after them), each followed by its replicas; then replicas whose
    /// primary is not listed, and nodes of unknown role.
    /// </summary>
    public static IReadOnlyList<ClusterNode> Order(IEnumerable<ClusterNode> nodes)
    {
        var all = nodes.ToList();
        var primaries = all.Where(n => n.IsPrimary)
            .OrderBy(n => n.Slots.Count == 0 ? int.MaxValue : n.Slots.Min(s => s.Start))
            .ThenBy(n => n.Address, StringComparer.Ordinal)
            .ToList();
        var ordered = new List<ClusterNode>(all.Count);
        foreach (var primary in primaries)
        {
            ordered.Add(primary);
            ordered.AddRange(all.Where(n => !n.IsPrimary && n.PrimaryId == primary.Id).OrderBy(n => n.Address, StringComparer.Ordinal));
        }
        var placed = ordered.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        ordered.AddRange(all.Where(n => !placed.Contains(n.Id)).OrderBy(n => n.Role, StringComparer.Ordinal).ThenBy(n => n.Address, StringComparer.Ordinal));
        return ordered;
    }
}
