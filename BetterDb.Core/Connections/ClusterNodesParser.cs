namespace BetterDb.Core.Connections;

/// <summary>
/// Reads CLUSTER NODES, one node a line:
/// <c>id ip:port@cport[,hostname[,key=value...]] flags primary-id ping-sent pong-recv config-epoch link-state slot...</c>.
/// Lines too short to be a node are skipped, unknown flags and aux fields ignored.
/// </summary>
public static class ClusterNodesParser
{
    /// <param name="tls">the connection is TLS: a <c>tls-port=</c> aux field (Redis 7.2+) is the port to use. Older servers
    /// already print the port that suits the asking connection (the TLS one to a TLS client when <c>tls-cluster</c> is on).</param>
    public static IReadOnlyList<ClusterNode> Parse(string text, bool tls = false)
    {
        var nodes = new List<ClusterNode>();
        foreach (var raw in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = raw.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 8) continue;
            var (host, port) = ReadAddress(parts[1], tls);
            var flags = parts[2].Split(',');
            var role = flags.Contains("master") ? ClusterRole.Primary : flags.Contains("slave") ? ClusterRole.Replica : ClusterRole.Unknown;
            var node = ClusterNode.At(parts[0], host, port, role, Health(flags, parts[7])) with
            {
                PrimaryId = role == ClusterRole.Primary || parts[3] == "-" ? null : parts[3],
                Slots = role == ClusterRole.Primary ? ReadSlots(parts.AsSpan(8)) : [],
                Myself = flags.Contains("myself"),
            };
            nodes.Add(node);
        }
        return nodes;
    }

    /// <summary>The worst thing the flags and the link state say, in <see cref="ClusterHealth"/>'s words.</summary>
    private static string Health(string[] flags, string linkState) =>
        flags.Contains("fail") ? ClusterHealth.Fail
        : flags.Contains("fail?") ? ClusterHealth.Pfail
        : flags.Contains("handshake") ? ClusterHealth.Handshake
        : flags.Contains("noaddr") ? ClusterHealth.NoAddr
        : linkState == "disconnected" ? ClusterHealth.Disconnected
        : ClusterHealth.Online;

    /// <summary>
    /// <c>ip:port@cport[,hostname[,key=value...]]</c>. The ip may be IPv6 (<c>::1:7000@17000</c>, no brackets: the port is
    /// after the last colon) or empty for a node without address (<c>:0@0</c>). An announced hostname wins over the ip
    /// (see <see cref="ClusterShardsParser"/> why).
    /// </summary>
    private static (string Host, int Port) ReadAddress(string field, bool tls)
    {
        var items = field.Split(',');
        var ipPort = items[0].Split('@')[0];
        var colon = ipPort.LastIndexOf(':');
        var ip = (colon >= 0 ? ipPort[..colon] : ipPort).Trim('[', ']');
        var port = colon >= 0 && int.TryParse(ipPort[(colon + 1)..], out var p) ? p : 0;
        var hostname = items.Length > 1 && !items[1].Contains('=') ? items[1] : "";
        if (tls)
            foreach (var aux in items.Skip(1))
                if (aux.StartsWith("tls-port=", StringComparison.Ordinal) && int.TryParse(aux["tls-port=".Length..], out var tlsPort) && tlsPort > 0)
                    port = tlsPort;
        return (hostname.Length > 0 ? hostname : ip, port);
    }

    /// <summary><c>0-5460</c>, <c>5461</c>; a slot being migrated or imported (<c>[5461-&gt;-id]</c>) is not served by this node yet and is skipped.</summary>
    private static IReadOnlyList<SlotRange> ReadSlots(ReadOnlySpan<string> items)
    {
        var slots = new List<SlotRange>();
        foreach (var item in items)
        {
            if (item.StartsWith('[')) continue;
            var dash = item.IndexOf('-');
            var (first, last) = dash < 0 ? (item, item) : (item[..dash], item[(dash + 1)..]);
            if (long.TryParse(first, out var start) && long.TryParse(last, out var end) && SlotRange.Of(start, end) is { } range)
                slots.Add(range);
        }
        return slots;
    }
}
