namespace BetterDb.Core.Connections;

/// <summary>
/// Reads CLUSTER SHARDS (Redis 7+): one entry per shard, a map of <c>slots</c> (start, end, start, end...) and
/// <c>nodes</c>, each node a map of <c>id</c>, <c>port</c>, <c>tls-port</c>, <c>ip</c>, <c>endpoint</c>, <c>hostname</c>,
/// <c>role</c>, <c>replication-offset</c>, <c>health</c>. A map is a flat key/value array in RESP2 and reads the same from
/// RESP3 (see <see cref="RespReply"/>). Unknown keys are skipped and missing ones tolerated, so what a newer server adds,
/// or an older one leaves out, does not break it; a node without an id cannot be named and is left out.
/// </summary>
public static class ClusterShardsParser
{
    /// <param name="tls">the connection is TLS: a node's <c>tls-port</c> is the one to use.</param>
    public static IReadOnlyList<ClusterNode> Parse(RespReply reply, bool tls)
    {
        var nodes = new List<ClusterNode>();
        foreach (var shard in reply.Items ?? [])
        {
            var slots = new List<SlotRange>();
            var members = new List<ClusterNode>();
            foreach (var (key, value) in Pairs(shard))
            {
                if (key == "slots") slots.AddRange(ReadSlots(value));
                else if (key == "nodes")
                    foreach (var entry in value.Items ?? [])
                        if (ReadNode(entry, tls) is { } node) members.Add(node);
            }
            // The shard's slots are its primary's. Since Redis 7.2 a failed primary stays in its shard next to the
            // replica that took over, both saying master: the healthy one serves the slots.
            var primary = members.Where(n => n.IsPrimary).OrderBy(n => n.Healthy ? 0 : 1).FirstOrDefault();
            foreach (var node in members)
                nodes.Add(ReferenceEquals(node, primary) ? node with { Slots = slots }
                    : node.Role == ClusterRole.Replica ? node with { PrimaryId = primary?.Id }
                    : node);
        }
        return nodes;
    }

    private static ClusterNode? ReadNode(RespReply entry, bool tls)
    {
        string? id = null, ip = null, endpoint = null, hostname = null, role = null, health = null;
        long port = 0, tlsPort = 0;
        foreach (var (key, value) in Pairs(entry))
        {
            switch (key)
            {
                case "id": id = Text(value); break;
                case "ip": ip = Text(value); break;
                case "endpoint": endpoint = Text(value); break;
                case "hostname": hostname = Text(value); break;
                case "role": role = Text(value); break;
                case "health": health = Text(value); break;
                case "port": port = Number(value); break;
                case "tls-port": tlsPort = Number(value); break;
            }
        }
        if (string.IsNullOrEmpty(id)) return null;
        // An announced hostname is what the operator wants clients to use, and what a TLS certificate names (SNI and
        // verification need the name, not the ip); then the endpoint the cluster prefers ("?" when it has none); then the ip.
        var host = !string.IsNullOrEmpty(hostname) ? hostname
            : !string.IsNullOrEmpty(endpoint) && endpoint != "?" ? endpoint
            : ip ?? "";
        // A TLS connection needs the TLS port; a plaintext one the plain port. When only the other is announced it is
        // still the one way in (and connecting to it says what is wrong).
        var chosen = tls ? (tlsPort > 0 ? tlsPort : port) : (port > 0 ? port : tlsPort);
        return ClusterNode.At(id, host, chosen is > 0 and <= 65535 ? (int)chosen : 0, Role(role), Health(health));
    }

    private static string Role(string? role) => role switch
    {
        "master" or "primary" => ClusterRole.Primary,
        "replica" or "slave" => ClusterRole.Replica,
        _ => ClusterRole.Unknown,
    };

    /// <summary>Redis 7.0 says <c>fail</c>, later ones <c>failed</c>; a word this build does not know is kept (and is not healthy).</summary>
    private static string Health(string? health) => health switch
    {
        null or "" or "online" => ClusterHealth.Online,
        "fail" or "failed" => ClusterHealth.Fail,
        _ => health,
    };

    private static IEnumerable<SlotRange> ReadSlots(RespReply value)
    {
        var items = value.Items ?? [];
        for (var i = 0; i + 1 < items.Length; i += 2)
            if (SlotRange.Of(Number(items[i], -1), Number(items[i + 1], -1)) is { } range)
                yield return range;
    }

    /// <summary>The key/value pairs of a map (a flat array); a key that is not text is skipped with its value.</summary>
    private static IEnumerable<(string Key, RespReply Value)> Pairs(RespReply map)
    {
        var items = map.Items ?? [];
        for (var i = 0; i + 1 < items.Length; i += 2)
            if (items[i].Text is { } key)
                yield return (key, items[i + 1]);
    }

    private static string? Text(RespReply value) => value.Type == ':' ? value.Integer.ToString(System.Globalization.CultureInfo.InvariantCulture) : value.Text;

    private static long Number(RespReply value, long otherwise = 0) =>
        value.Type == ':' ? value.Integer
        : long.TryParse(value.Text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
        : otherwise;
}
