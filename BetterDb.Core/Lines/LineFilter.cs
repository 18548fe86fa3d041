using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using BetterDb.Core.Configuration;

namespace BetterDb.Core.Lines;

/// <summary>
/// The filters shared by <c>/lines</c>, <c>/export</c>, the analysis and the UI, all AND-ed:
/// command verbs, client substring, key glob (any key of the line), db, time window
/// (epoch ms, inclusive) and a substring of the raw line. Only the text filter can match a malformed line.
/// The key filter finds a line's keys with <see cref="KeySpecs"/> (the session's server's key specs,
/// see <see cref="WithKeySpecs"/>), or with the built-in table when none is set.
/// </summary>
public sealed class LineFilter
{
    public static readonly LineFilter None = new();

    private byte[][]? _commands;   // upper-case verbs as bytes
    private byte[]? _client;
    private byte[]? _text;
    private KeySpecTable? _keySpecs;

    public IReadOnlyList<string>? Commands { get; private init; }
    public string? Client { get; private init; }
    public RedisGlob? Key { get; private init; }
    public int? Db { get; private init; }
    public long? AfterTs { get; private init; }
    public long? BeforeTs { get; private init; }
    public string? Text { get; private init; }

    /// <summary>The key table the key filter uses; null means <see cref="KeySpecTable.BuiltIn"/>.</summary>
    public KeySpecTable? KeySpecs => _keySpecs;

    public bool IsEmpty => Commands is null && Client is null && Key is null && Db is null && AfterTs is null && BeforeTs is null && Text is null;

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
        if (key is { Length: > 4096 }) throw new InvalidInputException("key", "The key pattern is longer than 4096 characters.");
        return Create(commands is { Length: > 0 } ? commands : null, NullIfEmpty(get("client")), string.IsNullOrEmpty(key) ? null : key,
            (int?)db, after, before, NullIfEmpty(get("text")));
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
    public bool MayMatchChunk(long firstTsMicros, long lastTsMicros)
    {
        // A chunk of malformed lines only has no timestamps: a time filter can't match any of them.
        if (firstTsMicros == 0 && lastTsMicros == 0) return AfterTs is null && BeforeTs is null;
        if (AfterTs is { } a && lastTsMicros / 1000 < a) return false;
        if (BeforeTs is { } b && firstTsMicros / 1000 > b) return false;
        return true;
    }

    /// <summary>Does this raw line (as stored) pass the filter?</summary>
    public bool Matches(ReadOnlySpan<byte> raw) => Matches(raw, _keySpecs);

    /// <summary>Does this raw line pass, finding keys with <paramref name="keySpecs"/> (null: the built-in table)?</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Matches(ReadOnlySpan<byte> raw, KeySpecTable? keySpecs)
    {
        if (_text is not null && raw.IndexOf(_text) < 0) return false;
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
        if (_text is not null && raw.IndexOf(_text) < 0) return false;
        return MatchesParsed(view, keySpecs);
    }

    /// <summary>Does this parsed line pass? (The text filter is checked against <see cref="MonitorLineView"/>'s parts only when the raw line is not at hand: use the raw overloads.)</summary>
    public bool Matches(in MonitorLineView view) => Matches(view, _keySpecs);

    public bool Matches(in MonitorLineView view, KeySpecTable? keySpecs)
    {
        if (_text is not null && !ContainsText(view)) return false;
        return MatchesParsed(view, keySpecs);
    }

    /// <summary>The text filter on a view: the raw line is the timestamp, " [", db, " ", addr, "] " and the arguments.</summary>
    private bool ContainsText(in MonitorLineView view)
    {
        // Rebuilding the line costs a copy; views come from the raw bytes, so most callers use the raw overload.
        var length = view.TimestampText.Length + 2 + 11 + 1 + view.Addr.Length + 2 + view.ArgsText.Length;
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
        Put(view.ArgsText, buffer, ref pos);
        return buffer[..pos].IndexOf(_text) >= 0;
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
    }

    private static long? ParseLong(Func<string, string?> get, string name, long min, long max)
    {
        var v = get(name);
        if (string.IsNullOrEmpty(v)) return null;
        if (!long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new InvalidInputException(name, $"{name} must be a whole number from {min}.");
        return n;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
