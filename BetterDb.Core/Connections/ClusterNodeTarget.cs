using BetterDb.Core.Configuration;

namespace BetterDb.Core.Connections;

/// <summary>
/// One node of a cluster connection as a capture or a pre-flight reaches it: the connection's own credentials and TLS
/// settings, the node's address. MONITOR is per node, so <c>targetNodeId</c> names the node whose commands are captured.
/// </summary>
public static class ClusterNodeTarget
{
    public const string Field = "targetNodeId";

    /// <summary>
    /// The profile that reaches <paramref name="node"/>: same id, name, user, password and TLS; the node's host and port;
    /// db 0 (a cluster has no other); the connection's host as <see cref="ConnectionProfile.SeedHost"/>, a name the
    /// node's certificate may carry instead of the address the cluster announces.
    /// </summary>
    public static ConnectionProfile ForNode(ConnectionProfile profile, ClusterNode node) =>
        profile with { Host = node.Host, Port = node.Port, Db = 0, SeedHost = profile.SeedHost ?? profile.Host };

    /// <summary>
    /// Finds <paramref name="nodeId"/> (a node id, or the node's <c>host:port</c>) in the topology read now through the
    /// connection's seed. A replica is allowed: whoever names one chose it.
    /// </summary>
    /// <exception cref="InvalidInputException">the connection is not a cluster, or has no such node (the message lists its nodes)</exception>
    public static async Task<(ConnectionProfile Profile, ClusterNode Node)> ResolveAsync(ConnectionProfile profile, string nodeId, CancellationToken ct = default)
    {
        var wanted = nodeId.Trim();
        var topology = await ClusterTopology.DiscoverAsync(profile, ct);
        if (!topology.IsCluster)
            throw new InvalidInputException(Field,
                $"Connection '{profile.Name}' ({profile.Endpoint}) is not a cluster, or its nodes could not be read: capture it without {Field}.");
        var node = topology.Nodes.FirstOrDefault(n => n.Id == wanted)
                   ?? topology.Nodes.FirstOrDefault(n => string.Equals(n.Address, wanted, StringComparison.OrdinalIgnoreCase))
                   ?? throw new InvalidInputException(Field,
                       $"The cluster of '{profile.Name}' has no node '{Shorten(wanted)}'; its nodes: " +
                       string.Join(", ", topology.Nodes.Select(n => $"{n.Id} ({n.Address} {n.Role})")) + ".");
        if (node.Port == 0 || string.IsNullOrEmpty(node.Host))
            throw new InvalidInputException(Field, $"Node {node.Id} has no address the cluster announces ({node.Health}), so it cannot be captured.");
        return (ForNode(profile, node), node);
    }

    /// <summary>
    /// <see cref="NodesResult.FanOutPrimaries"/> read now; one that cannot be reached is recorded as its own failed segment.
    /// </summary>
    /// <exception cref="InvalidInputException">the connection is not a cluster, or no primary serves slots</exception>
    public static async Task<IReadOnlyList<ClusterNode>> PrimariesAsync(ConnectionProfile profile, CancellationToken ct = default)
    {
        var topology = await ClusterTopology.DiscoverAsync(profile, ct);
        if (!topology.IsCluster)
            throw new InvalidInputException("fanOut",
                $"Connection '{profile.Name}' ({profile.Endpoint}) is not a cluster, or its nodes could not be read{(topology.Error is { } e ? $" ({e})" : "")}: capture it without fanOut.");
        var primaries = topology.FanOutPrimaries;
        if (primaries.Count == 0)
            throw new InvalidInputException("fanOut", $"The cluster of '{profile.Name}' lists no primary that serves slots.");
        return primaries;
    }

    private static string Shorten(string s) => s.Length > 60 ? s[..60] + "…" : s;
}
