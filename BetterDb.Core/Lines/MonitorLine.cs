using System.Text;

namespace BetterDb.Core.Lines;

/// <summary>One MONITOR line as the API returns it. Malformed lines keep only <see cref="Raw"/> and <see cref="NodeId"/>.</summary>
public sealed class MonitorLine
{
    /// <summary>Unix epoch milliseconds (microseconds floored); null when malformed.</summary>
    public long? Ts { get; init; }

    /// <summary>The timestamp text exactly as Redis wrote it, keeping microsecond precision.</summary>
    public string? TsRaw { get; init; }

    public int? Db { get; init; }

    public string? Addr { get; init; }

    /// <summary>Command name in upper case.</summary>
    public string? Cmd { get; init; }

    /// <summary>Arguments after the command, decoded with <see cref="SdsRepr.ToDisplay"/>.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    public IReadOnlyList<string> Keys { get; init; } = [];

    /// <summary>The line as received (UTF-8 decoded), minus one trailing <c>\r</c>.</summary>
    public string Raw { get; init; } = "";

    public string? NodeId { get; init; }

    public bool Malformed { get; init; }

    /// <summary>Parses <paramref name="raw"/>; never throws on bad input, it yields a malformed line instead.</summary>
    public static MonitorLine FromRaw(ReadOnlySpan<byte> raw, string? nodeId = null)
    {
        ReadOnlySpan<byte> withoutCr = !raw.IsEmpty && raw[^1] == (byte)'\r' ? raw[..^1] : raw;
        // Real MONITOR lines are ASCII; for anything else invalid sequences become U+FFFD.
        string rawText = Encoding.UTF8.GetString(withoutCr);

        if (!MonitorLineParser.TryParse(raw, out MonitorLineView view))
            return new MonitorLine { Raw = rawText, NodeId = nodeId, Malformed = true };

        var args = new string[view.ArgCount - 1];
        var enumerator = view.EnumerateArgs();
        enumerator.MoveNext(); // the command
        for (int i = 0; enumerator.MoveNext(); i++)
            args[i] = SdsRepr.ToDisplay(enumerator.Current);

        string cmd = CommandName(view.Command);
        return new MonitorLine
        {
            Ts = view.TimestampMicros / 1000,
            TsRaw = Encoding.ASCII.GetString(view.TimestampText),
            Db = view.Db,
            Addr = Encoding.UTF8.GetString(view.Addr),
            Cmd = cmd,
            Args = args,
            Keys = KeyExtractor.Keys(cmd, args),
            Raw = rawText,
            NodeId = nodeId,
        };
    }

    private static string CommandName(ReadOnlySpan<byte> escaped) =>
        // Known commands reuse one cached string instead of allocating per line.
        KeyExtractor.TryGetKnownCommand(escaped, out string? known)
            ? known
            : SdsRepr.ToDisplay(escaped).ToUpperInvariant();
}
