using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using BetterDb.Core.Configuration;

namespace BetterDb.Core.Lines;

/// <summary>
/// The filters shared by <c>/lines</c>, <c>/export</c>, the analysis and the UI, all AND-ed:
/// command verbs, client substring, key glob (any key of the line), db, time window
/// (epoch ms, inclusive) and a text that is a substring of the raw line or of one decoded argument (so "José" finds
/// <c>"Jos\xc3\xa9"</c>). Only the text filter can match a malformed line.
/// The key filter finds a line's keys with <see cref="KeySpecs"/> (the session's server's key specs,
/// see <see cref="WithKeySpecs"/>), or with the built-in table when none is set.
/// </summary>
public sealed class LineFilter
{
    public static readonly LineFilter None = new();

    /// <summary>
    /// The longest key pattern accepted, in characters. Redis has no limit, but a pattern this long is no real
    /// filter, and each byte of it is work on every key of every line.
    /// </summary>
    public const int MaxKeyPatternLength = 512;

    // Decoded arguments are searched through a window this size, so a huge argument is never decoded whole.
    private const int DecodeWindow = 64 * 1024;

    private byte[][]? _commands;   // upper-case verbs as bytes
    private byte[]? _client;
    private byte[]? _text;
    private bool _textNeedsDecoding; // the text holds a byte MONITOR escapes: only a decoded argument can hold it
    private KeySpecTable? _keySpecs;

    public IReadOnlyList<string>? Commands { get; private init; }
    public string? Client { get; private init; }
    public RedisGlob? Key { get; private init; }
    public int? Db { get; private init; }
    public long? AfterTs { get; private init; }
    public long? BeforeTs { get; private init; }
    public string? Text { get; private init; }
    /// <summary>A cluster node id: only that node's chunks are read (a chunk-level choice, not counted in <see cref="IsEmpty"/>).</summary>
    public string? Node { get; private set; }

    /// <summary>The same filter for one node's lines only (null: every node).</summary>
    public LineFilter ForNode(string? node)
    {
        node = string.IsNullOrEmpty(node) ? null : node;
        if (node == Node) return this;
        var copy = (LineFilter)MemberwiseClone();
        copy.Node = node;
        return copy;
    }

    /// <summary>The key table the key filter uses; null means <see cref="KeySpecTable.BuiltIn"/>.</summary>
    public KeySpecTable? KeySpecs => _keySpecs;

    /// <summary>What the filter's values mean where that is unusual (e.g. a glob Redis reads in a surprising way); the match follows it all the same.</summary>
    public IReadOnlyList<FilterWarning> Warnings =>
        Key is null || Key.Warnings.Count == 0 ? [] : Key.Warnings.Select(w => new FilterWarning("key", w)).ToArray();

    public bool IsEmpty => Commands is null && Client is null && Key is null && Db is null && AfterTs is null && BeforeTs is null && Text is null;

    /// <summary>Every line of every node: what a session's stored analysis and command shapes were computed over.</summary>
    public bool IsWholeSession => IsEmpty && Node is null;

    /// <summary>True when only the raw text matters, so malformed lines can still match.</summary>
    private bool NeedsParse => Commands is not null || Client is not null || Key is not null || Db is not null || AfterTs is not null || BeforeTs is not null;

    /// <summary>Builds a filter from query-string style values; a bad value throws <see cref="InvalidInputException"/> naming it.</summary>
    public static LineFilter Parse(Func<string, string?> get)
    {
        var commands = get("command") is { Length: > 0 } c
            ? c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => v.ToUpperInvariant()).Distinct().ToArray()
            : null;
        var db = ParseLong(get, "db", 0, int.MaxValue);
        var after = ParseLong(get, "afterTs", 0, long.MaxValue);
        var before = ParseLong(get, "beforeTs", 0, long.MaxValue);
        if (after is not null && before is not null && after > before)
            throw new InvalidInputException("afterTs", "afterTs is later than beforeTs.");
        var key = get("key");
        if (key is { Length: > MaxKeyPatternLength })
            throw new InvalidInputException("key", $"The key pattern is {key.Length} characters long; key takes at most {MaxKeyPatternLength}.");
        return Create(commands is { Length: > 0 } ? commands : null, NullIfEmpty(get("client")), string.IsNullOrEmpty(key) ? null : key,
            (int?)db, after, before, NullIfEmpty(get("text"))).ForNode(NullIfEmpty(get("node")));
    }

    public static LineFilter Create(IReadOnlyList<string>? commands = null, string? client = null, string? keyGlob = null, int? db = null,
        long? afterTs = null, long? beforeTs = null, string? text = null)
    {
        var glob = keyGlob is null ? null : new RedisGlob(keyGlob);
        return new LineFilter
        {
            Commands = commands,
            _commands = commands?.Select(v => Encoding.UTF8.GetBytes(v.ToUpperInvariant())).ToArray(),
            Client = client,
            _client = client is null ? null : Encoding.UTF8.GetBytes(client),
            // "*" still filters: a line matches only if it has a key (API.md: "matches if any key of the line matches").
            Key = glob,
            Db = db,
            AfterTs = afterTs,
            BeforeTs = beforeTs,
            Text = text,
            _text = text is null ? null : Encoding.UTF8.GetBytes(text),
            _textNeedsDecoding = text is not null && Encoding.UTF8.GetBytes(text).AsSpan().IndexOfAnyExcept(SdsRepr.VerbatimBytes) >= 0,
        };
    }

    /// <summary>This filter finding keys with <paramref name="keySpecs"/> (a server's table; null for the built-in one).</summary>
    public LineFilter WithKeySpecs(KeySpecTable? keySpecs)
    {
        if (ReferenceEquals(keySpecs, _keySpecs)) return this;
        var copy = (LineFilter)MemberwiseClone();
        copy._keySpecs = keySpecs;
        return copy;
    }

    /// <summary>Whether a chunk whose well-formed lines span these MONITOR timestamps (µs) can hold a match.</summary>
    /// <param name="minTsMicros">the chunk's earliest timestamp; null when not known (a chunk stored before it was recorded).</param>
    /// <param name="maxTsMicros">its latest; 0 for both when the chunk holds no timestamp at all.</param>
    public bool MayMatchChunk(long? minTsMicros, long? maxTsMicros)
    {
        if (AfterTs is null && BeforeTs is null) return true;
        if (minTsMicros is not { } min || maxTsMicros is not { } max) return true;
        // A chunk of malformed lines only has no timestamps: a time filter can't match any of them.
        if (min == 0 && max == 0) return false;
        if (AfterTs is { } a && max / 1000 < a) return false;
        if (BeforeTs is { } b && min / 1000 > b) return false;
        return true;
    }

    /// <summary>Does this raw line (as stored) pass the filter?</summary>
    public bool Matches(ReadOnlySpan<byte> raw) => Matches(raw, _keySpecs);

    /// <summary>Does this raw line pass, finding keys with <paramref name="keySpecs"/> (null: the built-in table)?</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Matches(ReadOnlySpan<byte> raw, KeySpecTable? keySpecs)
    {
        if (_text is not null && !ContainsText(raw)) return false;
        if (!NeedsParse) return true;
        if (QuickReject(raw)) return false;
        return MonitorLineParser.TryParse(raw, out var view) && MatchesParsed(view, keySpecs);
    }

    /// <summary>
    /// Rejects, without validating the whole line, one whose timestamp or verb already fails the filter: the
    /// timestamp leads the line and the verb is the first quoted argument after the first <c>] "</c>, which is
    /// exactly where the parser finds them. Only ever rejects, so a malformed line still never matches.
    /// </summary>
    private bool QuickReject(ReadOnlySpan<byte> raw)
    {
        if ((AfterTs is not null || BeforeTs is not null) && MonitorLineParser.TryReadTimestamp(raw, out var micros))
        {
            var ms = micros / 1000;
            if (ms < AfterTs || ms > BeforeTs) return true;
        }
        if (_commands is null) return false;
        var header = raw.IndexOf("] \""u8);
        if (header < 0) return true; // no argument list: malformed
        var verb = raw[(header + 3)..];
        var end = verb.IndexOf((byte)'"');
        if (end < 0) return true;
        verb = verb[..end];
        // An escaped quote would end the verb early: leave such a line to the parser.
        return verb.IndexOf((byte)'\\') < 0 && !MatchesCommand(verb);
    }

    /// <summary>Does this line pass, given both its raw bytes and its parsed view (parse once, filter and count)?</summary>
    public bool Matches(ReadOnlySpan<byte> raw, in MonitorLineView view, KeySpecTable? keySpecs)
    {
        if (_text is not null && !(raw.IndexOf(_text) >= 0 || (_textNeedsDecoding && DecodedArgsContain(view)))) return false;
        return MatchesParsed(view, keySpecs);
    }

    /// <summary>Does this parsed line pass? (The text filter is checked against <see cref="MonitorLineView"/>'s parts only when the raw line is not at hand: use the raw overloads.)</summary>
    public bool Matches(in MonitorLineView view) => Matches(view, _keySpecs);

    public bool Matches(in MonitorLineView view, KeySpecTable? keySpecs)
    {
        if (_text is not null && !ContainsText(view)) return false;
        return MatchesParsed(view, keySpecs);
    }

    /// <summary>The text filter on a raw line: a substring of it, or of one of its decoded arguments.</summary>
    private bool ContainsText(ReadOnlySpan<byte> raw)
    {
        if (raw.IndexOf(_text) >= 0) return true;
        // Text of bytes MONITOR writes as they are is in the raw line wherever it is in an argument.
        return _textNeedsDecoding && MonitorLineParser.TryParse(raw, out var view) && DecodedArgsContain(view);
    }

    /// <summary>The text filter on a view: the raw line is the timestamp, " [", db, " ", addr, "] " and the arguments.</summary>
    private bool ContainsText(in MonitorLineView view)
    {
        // The header is small: rebuild it with the start of the arguments (for a match across the seam), never the whole line.
        var seam = Math.Min(view.ArgsText.Length, _text!.Length - 1);
        var length = view.TimestampText.Length + 2 + 11 + 1 + view.Addr.Length + 2 + seam;
        var buffer = length <= 1024 ? stackalloc byte[1024] : new byte[length];
        var pos = 0;
        void Put(ReadOnlySpan<byte> part, Span<byte> into, ref int at) { part.CopyTo(into[at..]); at += part.Length; }
        Put(view.TimestampText, buffer, ref pos);
        Put(" ["u8, buffer, ref pos);
        view.Db.TryFormat(buffer[pos..], out var written, default, CultureInfo.InvariantCulture);
        pos += written;
        Put(" "u8, buffer, ref pos);
        Put(view.Addr, buffer, ref pos);
        Put("] "u8, buffer, ref pos);
        Put(view.ArgsText[..seam], buffer, ref pos);
        return buffer[..pos].IndexOf(_text) >= 0 || view.ArgsText.IndexOf(_text) >= 0 || (_textNeedsDecoding && DecodedArgsContain(view));
    }

    /// <summary>
    /// Whether one decoded argument holds the text. Only arguments with escapes can differ from the raw line; each is
    /// decoded a window at a time (keeping the text's length less one byte across windows), so a 300 MB argument
    /// costs one pass over it and 64 KB of memory, not a copy of itself.
    /// </summary>
    private bool DecodedArgsContain(in MonitorLineView view)
    {
        var needle = _text!;
        Span<byte> small = stackalloc byte[256];
        byte[]? window = null;
        foreach (var escaped in view.EnumerateArgs())
        {
            if (escaped.IndexOf((byte)'\\') < 0) continue; // same bytes as in the raw line: already searched
            if (escaped.Length <= small.Length)
            {
                if (small[..SdsRepr.Unescape(escaped, small)].IndexOf(needle) >= 0) return true;
                continue;
            }
            window ??= needle.Length * 2 <= DecodeWindow
                ? _decodeWindow ??= new byte[DecodeWindow]
                : new byte[needle.Length * 2];
            if (WindowedContains(escaped, needle, window)) return true;
        }
        return false;
    }

    // One small window per thread: scans run on a thread at a time, and 64 KB is not worth pooling.
    [ThreadStatic] private static byte[]? _decodeWindow;

    private static bool WindowedContains(ReadOnlySpan<byte> escaped, ReadOnlySpan<byte> needle, Span<byte> window)
    {
        var carry = 0;
        while (!escaped.IsEmpty)
        {
            var written = SdsRepr.Unescape(escaped, window[carry..], out var consumed);
            var filled = carry + written;
            if (window[..filled].IndexOf(needle) >= 0) return true;
            escaped = escaped[consumed..];
            carry = Math.Min(needle.Length - 1, filled);
            window[(filled - carry)..filled].CopyTo(window);
        }
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool MatchesParsed(in MonitorLineView view, KeySpecTable? keySpecs)
    {
        if (Db is { } db && view.Db != db) return false;
        if (AfterTs is not null || BeforeTs is not null)
        {
            var ms = view.TimestampMicros / 1000;
            if (ms < AfterTs || ms > BeforeTs) return false;
        }
        if (_client is not null && view.Addr.IndexOf(_client) < 0) return false;
        if (_commands is not null && !MatchesCommand(view.Command)) return false;
        if (Key is not null && !MatchesKey(view, keySpecs ?? KeySpecTable.BuiltIn)) return false;
        return true;
    }

    private bool MatchesCommand(ReadOnlySpan<byte> escapedCommand)
    {
        Span<byte> upper = stackalloc byte[64];
        if (escapedCommand.Length > upper.Length) return false;
        for (var i = 0; i < escapedCommand.Length; i++)
        {
            var b = escapedCommand[i];
            upper[i] = b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;
        }
        var verb = upper[..escapedCommand.Length];
        foreach (var c in _commands!)
            if (verb.SequenceEqual(c)) return true;
        return false;
    }

    /// <summary>Matches the glob against each key's real bytes (unescaped), so binary keys match too.</summary>
    private bool MatchesKey(in MonitorLineView view, KeySpecTable keySpecs)
    {
        Span<Range> keys = stackalloc Range[16];
        var count = keySpecs.KeyRanges(view, keys);
        if (count > keys.Length)
        {
            keys = new Range[count];
            keySpecs.KeyRanges(view, keys);
        }
        Span<byte> buffer = stackalloc byte[256];
        for (var i = 0; i < count; i++)
        {
            var escaped = view.ArgsText[keys[i]];
            if (escaped.IndexOf((byte)'\\') < 0)
            {
                if (Key!.IsMatch(escaped)) return true;
                continue;
            }
            var target = escaped.Length <= buffer.Length ? buffer : new byte[escaped.Length];
            var n = SdsRepr.Unescape(escaped, target);
            if (Key!.IsMatch(target[..n])) return true;
        }
        return false;
    }

    /// <summary>The filter as query-string pairs (for export links that carry the current filters).</summary>
    public IEnumerable<KeyValuePair<string, string>> ToQuery()
    {
        if (Commands is not null) yield return new("command", string.Join(',', Commands));
        if (Client is not null) yield return new("client", Client);
        if (Key is not null) yield return new("key", Key.Pattern);
        if (Db is not null) yield return new("db", Db.Value.ToString(CultureInfo.InvariantCulture));
        if (AfterTs is not null) yield return new("afterTs", AfterTs.Value.ToString(CultureInfo.InvariantCulture));
        if (BeforeTs is not null) yield return new("beforeTs", BeforeTs.Value.ToString(CultureInfo.InvariantCulture));
        if (Text is not null) yield return new("text", Text);
        if (Node is not null) yield return new("node", Node);
    }

    private static long? ParseLong(Func<string, string?> get, string name, long min, long max)
    {
        var v = get(name);
        if (string.IsNullOrEmpty(v)) return null;
        // Digits only: no sign, no spaces, no trailing NUL (which long.TryParse would take).
        if (!WholeNumber.TryParse(v, min, max, out var n))
            throw new InvalidInputException(name, $"{name} must be a whole number from {min} to {max}, in plain digits.");
        return n;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}

/// <summary>Something a filter value means that the user may not expect; <see cref="Field"/> is the query parameter.</summary>
public sealed record FilterWarning(string Field, string Detail);
