namespace BetterDb.Core.Connections;

/// <summary>A range of hash slots a primary serves, both ends included.</summary>
public sealed record SlotRange(int Start, int End)
{
    public override string ToString() => Start == End ? $"{Start}" : $"{Start}-{End}";
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
    public string Health { get; init; } = "online";
    /// <summary>Whether this is the node the connection points at (the seed the topology was read through).</summary>
    public bool Myself { get; init; }

    public bool IsPrimary => Role == "primary";
}

/// <summary><c>GET /api/connections/{id}/nodes</c>: primaries first (by their first slot), each replica after its primary.</summary>
public sealed record NodesResult(bool IsCluster, IReadOnlyList<ClusterNode> Nodes)
{
    public int Primaries => Nodes.Count(n => n.IsPrimary);
    public int Replicas => Nodes.Count(n => n.Role == "replica");
}

/// <summary>A cluster's topology, read through a connection's seed node each time it is asked for (so it is never stale after a failover).</summary>
public static class ClusterTopology
{
    public static async Task<NodesResult> DiscoverAsync(ConnectionProfile profile, CancellationToken ct = default)
    {
        try
        {
            await using var client = await RedisCommandClient.OpenAsync(profile, "topology", ConnectionService.ConnectTimeout, ct);
            var reply = await client.SendAsync(ct, "CLUSTER", "NODES");
            if (reply.IsError || reply.Text is null) return new NodesResult(false, []);
            return new NodesResult(true, ClusterNodesParser.Parse(reply.Text));
        }
        catch (TargetUnreachableException)
        {
            return new NodesResult(false, []);
        }
    }
}
