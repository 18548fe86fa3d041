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
