using System.Text;
using System.Text.Json.Serialization;

namespace BetterDb.Core.Lines;

/// <summary>
/// One MONITOR line as the API returns it. Malformed lines keep only <see cref="Raw"/> and <see cref="NodeId"/>.
/// What it holds is bounded whatever the line's size (a 300 MB argument must not become a 600 MB string, nor a
/// 300 MB JSON value): each argument and key shows at most <c>maxArgumentBytes</c> of its bytes, the raw text and the
/// arguments together at most <see cref="LineBudgetFactor"/> times that, and at most <see cref="MaxArgumentsShown"/>
/// arguments and keys are listed. A line cut so says <see cref="Truncated"/> and carries its real sizes
/// (<see cref="RawBytes"/>, <see cref="ArgLengths"/>, <see cref="ArgCount"/>); the txt export still has every byte.
/// </summary>
public sealed class MonitorLine
{
    /// <summary>Bytes of one argument (or key) shown by default: <c>BetterDb:Monitor:MaxArgumentBytesShown</c>.</summary>
    public const int DefaultMaxArgumentBytesShown = 64 * 1024;

    /// <summary>The raw text, and the arguments together (likewise the keys), show at most this many times the argument limit.</summary>
    public const int LineBudgetFactor = 4;

    /// <summary>Arguments (and keys) listed at most; <see cref="ArgCount"/> says how many a longer line has.</summary>
    public const int MaxArgumentsShown = 10_000;

    /// <summary>Unix epoch milliseconds (microseconds floored); null when malformed.</summary>
    public long? Ts { get; init; }

    /// <summary>The timestamp text exactly as Redis wrote it, keeping microsecond precision.</summary>
    public string? TsRaw { get; init; }

    public int? Db { get; init; }

    public string? Addr { get; init; }

    /// <summary>Command name in upper case.</summary>
    public string? Cmd { get; init; }

    /// <summary>Arguments after the command, decoded with <see cref="SdsRepr.ToDisplay(ReadOnlySpan{byte})"/>, each cut at the argument limit.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    public IReadOnlyList<string> Keys { get; init; } = [];

    /// <summary>The line as received (UTF-8 decoded), minus one trailing <c>\r</c>; its start only when <see cref="Truncated"/>.</summary>
    public string Raw { get; init; } = "";

    public string? NodeId { get; init; }

    public bool Malformed { get; init; }

    /// <summary>Something of the line was cut: the raw text, an argument or key, or the list of arguments.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] // additive: only cut lines carry these
    public bool Truncated { get; init; }

    /// <summary>When <see cref="Truncated"/>: the whole line's length in bytes (without the trailing <c>\r</c>), as MONITOR sent it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? RawBytes { get; init; }

    /// <summary>When <see cref="Truncated"/>: the real length in bytes (decoded) of each argument listed in <see cref="Args"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<long>? ArgLengths { get; init; }

    /// <summary>When <see cref="Truncated"/>: how many arguments the line has (after the command); more than <see cref="Args"/> lists when over the limit.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ArgCount { get; init; }

    /// <summary>Parses <paramref name="raw"/>; never throws on bad input, it yields a malformed line instead.</summary>
    /// <param name="keySpecs">which arguments are keys (the session's server's table); null for the built-in one.</param>
    /// <param name="maxArgumentBytes">bytes shown of each argument; see the class summary for the rest of the bounds.</param>
    public static MonitorLine FromRaw(ReadOnlySpan<byte> raw, string? nodeId = null, KeySpecTable? keySpecs = null,
        int maxArgumentBytes = DefaultMaxArgumentBytesShown)
    {
        ReadOnlySpan<byte> withoutCr = !raw.IsEmpty && raw[^1] == (byte)'\r' ? raw[..^1] : raw;
        long rawBytes = withoutCr.Length;
        // A line the writer kept cut (beyond BetterDb:Monitor:MaxLineBytes) records how long it was.
        var cutWhenStored = TruncatedLine.TryRead(withoutCr, out var kept, out var storedLength);
        if (cutWhenStored)
        {
            withoutCr = kept;
            rawBytes = storedLength;
        }
        var budget = (long)maxArgumentBytes * LineBudgetFactor;
        // Real MONITOR lines are ASCII; for anything else invalid sequences become U+FFFD.
        var rawCut = withoutCr.Length > budget;
        string rawText = Encoding.UTF8.GetString(rawCut ? Utf8Prefix(withoutCr, (int)budget) : withoutCr);

        // The parser strips one trailing \r itself (a second one makes the line malformed).
        if (cutWhenStored || !MonitorLineParser.TryParse(raw, out MonitorLineView view))
        {
            var cut = cutWhenStored || rawCut;
            return new MonitorLine { Raw = rawText, NodeId = nodeId, Malformed = true, Truncated = cut, RawBytes = cut ? rawBytes : null };
        }

        var argCount = view.ArgCount - 1;
        var shown = Math.Min(argCount, MaxArgumentsShown);
        var args = new string[shown];
        var lengths = new long[shown];
        var truncated = rawCut || shown < argCount;
        var left = budget;
        var enumerator = view.EnumerateArgs();
        enumerator.MoveNext(); // the command
        for (int i = 0; i < shown && enumerator.MoveNext(); i++)
        {
            args[i] = Shown(enumerator.Current, maxArgumentBytes, ref left, out lengths[i], ref truncated);
        }

        string cmd = CommandName(view.Command);
        return new MonitorLine
        {
            Ts = view.TimestampMicros / 1000,
            TsRaw = Encoding.ASCII.GetString(view.TimestampText),
            Db = view.Db,
            Addr = Encoding.UTF8.GetString(view.Addr),
            Cmd = cmd,
            Args = args,
            Keys = ShownKeys(view, keySpecs ?? KeySpecTable.BuiltIn, maxArgumentBytes, ref truncated),
            Raw = rawText,
            NodeId = nodeId,
            Truncated = truncated,
            RawBytes = truncated ? rawBytes : null,
            ArgLengths = truncated ? lengths : null,
            ArgCount = truncated ? argCount : null,
        };
    }

    /// <summary>One argument as shown: cut at the argument limit and at what is left of the line's budget.</summary>
    private static string Shown(ReadOnlySpan<byte> escaped, int maxArgumentBytes, ref long left, out long length, ref bool truncated)
    {
        var limit = (int)Math.Min(maxArgumentBytes, left);
        var text = SdsRepr.ToDisplay(escaped, limit, out length);
        if (length > limit) truncated = true;
        left -= Math.Min(length, limit);
        return text;
    }

    /// <summary>The keys of the line, bounded like the arguments (a key is an argument).</summary>
    private static IReadOnlyList<string> ShownKeys(in MonitorLineView view, KeySpecTable keySpecs, int maxArgumentBytes, ref bool truncated)
    {
        Span<Range> found = stackalloc Range[16];
        var count = keySpecs.KeyRanges(view, found);
        if (count == 0) return [];
        if (count > found.Length)
        {
            found = new Range[count];
            keySpecs.KeyRanges(view, found);
        }
        var shown = Math.Min(count, MaxArgumentsShown);
        if (shown < count) truncated = true;
        var keys = new string[shown];
        var left = (long)maxArgumentBytes * LineBudgetFactor;
        for (var i = 0; i < shown; i++)
            keys[i] = Shown(view.ArgsText[found[i]], maxArgumentBytes, ref left, out _, ref truncated);
        return keys;
    }

    /// <summary>At most <paramref name="max"/> bytes of <paramref name="text"/>, not ending inside a UTF-8 character.</summary>
    internal static ReadOnlySpan<byte> Utf8Prefix(ReadOnlySpan<byte> text, int max)
    {
        if (text.Length <= max) return text;
        var end = max;
        // Back off continuation bytes (at most 3) so the cut falls before a character's first byte.
        for (var i = 0; i < 3 && end > 0 && (text[end] & 0xC0) == 0x80; i++) end--;
        return text[..end];
    }

    private static string CommandName(ReadOnlySpan<byte> escaped) =>
        // Known commands reuse one cached string instead of allocating per line.
        KeyExtractor.TryGetKnownCommand(escaped, out string? known)
            ? known
            : SdsRepr.ToDisplay(escaped, DefaultMaxArgumentBytesShown, out _).ToUpperInvariant();
}
