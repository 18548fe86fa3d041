namespace BetterDb.Core.Connections;

/// <summary>Reads the <c>field:value</c> lines of an INFO reply.</summary>
public static class InfoParser
{
    public static Dictionary<string, string> Parse(string info)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in info.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            var colon = line.IndexOf(':');
            if (colon > 0) fields[line[..colon]] = line[(colon + 1)..];
        }
        return fields;
    }
}

/// <summary>Reads CLUSTER NODES: <c>id ip:port@cport[,hostname] flags master ping pong epoch link slots...</c>.</summary>
public static class ClusterNodesParser
{
    public static IReadOnlyList<ClusterNode> Parse(string text)
    {
        var nodes = new List<ClusterNode>();
        foreach (var raw in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = raw.Trim().Split(' ');
            if (parts.Length < 8) continue;
            var address = parts[1].Split('@')[0].Split(',')[0];
            var flags = parts[2].Split(',');
            var role = flags.Contains("master") ? "primary" : flags.Contains("slave") ? "replica" : "unknown";
            var healthy = !flags.Contains("fail") && !flags.Contains("fail?") && !flags.Contains("handshake")
                          && !flags.Contains("noaddr") && parts[7] == "connected";
            var colon = address.LastIndexOf(':');
            nodes.Add(new ClusterNode(parts[0], address, role, healthy)
            {
                Host = colon > 0 ? address[..colon].Trim('[', ']') : address,
                Port = colon > 0 && int.TryParse(address[(colon + 1)..], out var port) ? port : 0,
                PrimaryId = parts[3] == "-" ? null : parts[3],
                Myself = flags.Contains("myself"),
            });
        }
        return nodes;
    }
}
