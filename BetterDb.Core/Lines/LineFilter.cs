using System.Globalization;
using System.Text;
using BetterDb.Core.Configuration;

namespace BetterDb.Core.Lines;

/// <summary>
/// The filters shared by <c>/lines</c>, <c>/export</c>, the analysis and the UI, all AND-ed:
/// command verbs, client substring, key glob (any key of the line), db, time window
/// (epoch ms, inclusive) and a substring of the raw line.
/// </summary>
public sealed class LineFilter
{
    public static readonly LineFilter None = new();

    private byte[][]? _commands;   // upper-case verbs as bytes
    private byte[]? _client;
    private byte[]? _text;

    public IReadOnlyList<string>? Commands { get; private init; }
    public string? Client { get; private init; }
    public RedisGlob? Key { get; private init; }
    public int? Db { get; private init; }
    public long? AfterTs { get; private init; }
    public long? BeforeTs { get; private init; }
    public string? Text { get; private init; }

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
            Key = glob is { MatchesAll: true } ? null : glob,
            Db = db,
            AfterTs = afterTs,
            BeforeTs = beforeTs,
            Text = text,
            _text = text is null ? null : Encoding.UTF8.GetBytes(text),
        };
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
    public bool Matches(ReadOnlySpan<byte> raw)
    {
        if (_text is not null && raw.IndexOf(_text) < 0) return false;
        if (!NeedsParse) return true;
        return MonitorLineParser.TryParse(raw, out var view) && Matches(view);
    }

    public bool Matches(in MonitorLineView view)
    {
        if (Db is { } db && view.Db != db) return false;
        if (AfterTs is not null || BeforeTs is not null)
        {
            var ms = view.TimestampMicros / 1000;
            if (ms < AfterTs || ms > BeforeTs) return false;
        }
        if (_client is not null && view.Addr.IndexOf(_client) < 0) return false;
        if (_commands is not null && !MatchesCommand(view.Command)) return false;
        if (Key is not null && !MatchesKey(view)) return false;
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
    private bool MatchesKey(in MonitorLineView view)
    {
        Span<Range> keys = stackalloc Range[16];
        var count = KeyExtractor.KeyRanges(view, keys);
        if (count > keys.Length)
        {
            keys = new Range[count];
            KeyExtractor.KeyRanges(view, keys);
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
