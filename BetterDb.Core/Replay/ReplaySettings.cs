using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;

namespace BetterDb.Core.Replay;

/// <summary>How fast a replay sends: at the capture's own gaps, N times faster (or slower), or as fast as the target answers.</summary>
public enum ReplayPaceKind { Original, Speed, Max }

/// <summary>
/// A replay's pace as API.md writes it: <c>"original"</c>, <c>"max"</c> or a speed factor (a JSON number, 2 = twice as
/// fast). Also the text a replay row stores (<see cref="ToString"/> / <see cref="TryParse"/>).
/// </summary>
[JsonConverter(typeof(ReplayPaceJsonConverter))]
public readonly record struct ReplayPace(ReplayPaceKind Kind, double Factor)
{
    public const double MinFactor = 0.01;
    public const double MaxFactor = 1000;

    public static ReplayPace Original => new(ReplayPaceKind.Original, 1);
    public static ReplayPace Max => new(ReplayPaceKind.Max, 0);
    public static ReplayPace Speed(double factor) => new(ReplayPaceKind.Speed, factor);

    public bool IsMax => Kind == ReplayPaceKind.Max;

    /// <summary>The capture's gaps are divided by this (1 at the original pace); meaningless at max.</summary>
    public double TimeDivisor => Kind == ReplayPaceKind.Speed ? Factor : 1;

    public const string Expected = "pace must be \"original\", \"max\" or a speed factor (a number from 0.01 to 1000 such as 2 or 0.5).";

    public override string ToString() => Kind switch
    {
        ReplayPaceKind.Original => "original",
        ReplayPaceKind.Max => "max",
        _ => Factor.ToString("0.###", CultureInfo.InvariantCulture),
    };

    /// <summary>What the UI shows: "original pace", "10x", "as fast as possible".</summary>
    public string Describe() => Kind switch
    {
        ReplayPaceKind.Original => "original pace",
        ReplayPaceKind.Max => "as fast as possible",
        _ => $"{ToString()}x",
    };

    public static bool TryParse(string? text, out ReplayPace pace)
    {
        pace = Original;
        switch (text)
        {
            case "original": return true;
            case "max": pace = Max; return true;
        }
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var f) && IsFactor(f))
        {
            pace = Speed(f);
            return true;
        }
        return false;
    }

    public static bool IsFactor(double f) => double.IsFinite(f) && f >= MinFactor && f <= MaxFactor;
}

/// <summary>
/// How many connections a replay opens: one per original client address (<see cref="PerClient"/>, per-client order and
/// MULTI..EXEC blocks kept on their connection) or a fixed number that every original client is spread over, each
/// client staying on one of them. <c>"original"</c> or a JSON number in API.md.
/// </summary>
[JsonConverter(typeof(ReplayConcurrencyJsonConverter))]
public readonly record struct ReplayConcurrency(int Fixed)
{
    /// <summary>The most connections a replay opens; more original clients than this share them, and the report says so.</summary>
    public const int MaxConnections = 256;

    public static ReplayConcurrency PerClient => new(0);

    public bool IsPerClient => Fixed == 0;

    public const string Expected = "connections must be \"original\" or a whole number of connections from 1 to 256.";

    public override string ToString() => IsPerClient ? "original" : Fixed.ToString(CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out ReplayConcurrency value)
    {
        value = PerClient;
        if (text == "original") return true;
        if (WholeNumber.TryParse(text ?? "", 1, MaxConnections, out var n))
        {
            value = new ReplayConcurrency((int)n);
            return true;
        }
        return false;
    }
}

/// <summary>
/// The commands a replay does not send, as entries of one verb (<c>FLUSHALL</c>) or a verb and its subcommand
/// (<c>SCRIPT FLUSH</c>). The default is on for every run unless the run gives its own list (empty: nothing denied).
/// </summary>
public sealed class ReplayDenylist
{
    public static readonly IReadOnlyList<string> Default =
    [
        "FLUSHALL", "FLUSHDB", "SHUTDOWN", "CONFIG", "DEBUG", "SCRIPT FLUSH", "CLIENT KILL",
        "MONITOR", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE",
    ];

    public const int MaxEntries = 200;

    private readonly (byte[] Verb, byte[]? Sub)[] _entries;

    private ReplayDenylist(IReadOnlyList<string> entries)
    {
        Entries = entries;
        _entries = entries.Select(e =>
        {
            var words = e.Split(' ');
            return (System.Text.Encoding.ASCII.GetBytes(words[0]), words.Length > 1 ? System.Text.Encoding.ASCII.GetBytes(words[1]) : null);
        }).ToArray();
    }

    /// <summary>The entries, upper case, one space between a verb and its subcommand.</summary>
    public IReadOnlyList<string> Entries { get; }

    /// <summary>
    /// The list a run uses: <paramref name="entries"/> normalised (upper case, <c>CLIENT|KILL</c> read as <c>CLIENT KILL</c>),
    /// or <see cref="Default"/> when null. A bad entry throws <see cref="InvalidInputException"/> naming <c>denylist</c>.
    /// </summary>
    public static ReplayDenylist Create(IEnumerable<string?>? entries)
    {
        if (entries is null) return new ReplayDenylist(Default);
        var list = new List<string>();
        foreach (var raw in entries)
        {
            var words = (raw ?? "").Replace('|', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length is 0 or > 2 || words.Any(w => w.Length > 64 || !w.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                throw new InvalidInputException("denylist",
                    $"The denylist entry '{raw}' is not a command: give a verb (FLUSHALL) or a verb and its subcommand (SCRIPT FLUSH).");
            var entry = string.Join(' ', words).ToUpperInvariant();
            if (!list.Contains(entry)) list.Add(entry);
        }
        if (list.Count > MaxEntries) throw new InvalidInputException("denylist", $"The denylist has {list.Count} entries; at most {MaxEntries}.");
        return new ReplayDenylist(list);
    }

    /// <summary>Whether a line's command (<paramref name="verb"/> upper case; <paramref name="sub"/> its first argument, escaped) is denied.</summary>
    public bool Denies(ReadOnlySpan<byte> verb, ReadOnlySpan<byte> sub)
    {
        foreach (var (v, s) in _entries)
        {
            if (!verb.SequenceEqual(v)) continue;
            if (s is null || sub.Length == s.Length && Ascii.EqualsIgnoreCase(sub, s)) return true;
        }
        return false;
    }
}

/// <summary>Everything a replay run is asked to do, checked.</summary>
public sealed record ReplaySettings
{
    public const int DefaultMaxBlockMs = 1000;
    public const int MaxMaxBlockMs = 60_000;

    public ReplayPace Pace { get; init; } = ReplayPace.Original;
    public ReplayConcurrency Connections { get; init; } = ReplayConcurrency.PerClient;
    public bool DryRun { get; init; }
    public ReplayDenylist Denylist { get; init; } = ReplayDenylist.Create(null);
    /// <summary>Blocking commands (BLPOP, XREAD BLOCK, WAIT...) wait at most this long on the target; a longer or endless timeout is lowered to it.</summary>
    public int MaxBlockMs { get; init; } = DefaultMaxBlockMs;
    public LineFilter Filter { get; init; } = LineFilter.None;
}

internal sealed class ReplayPaceJsonConverter : JsonConverter<ReplayPace>
{
    public override ReplayPace Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && ReplayPace.TryParse(reader.GetString(), out var named) && named.Kind != ReplayPaceKind.Speed)
            return named;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var f) && ReplayPace.IsFactor(f))
            return ReplayPace.Speed(f);
        throw new JsonException(ReplayPace.Expected);
    }

    public override void Write(Utf8JsonWriter writer, ReplayPace value, JsonSerializerOptions options)
    {
        if (value.Kind == ReplayPaceKind.Speed) writer.WriteNumberValue(value.Factor);
        else writer.WriteStringValue(value.ToString());
    }
}

internal sealed class ReplayConcurrencyJsonConverter : JsonConverter<ReplayConcurrency>
{
    public override ReplayConcurrency Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && reader.GetString() == "original") return ReplayConcurrency.PerClient;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var n) && n is >= 1 and <= ReplayConcurrency.MaxConnections)
            return new ReplayConcurrency(n);
        throw new JsonException(ReplayConcurrency.Expected);
    }

    public override void Write(Utf8JsonWriter writer, ReplayConcurrency value, JsonSerializerOptions options)
    {
        if (value.IsPerClient) writer.WriteStringValue("original");
        else writer.WriteNumberValue(value.Fixed);
    }
}
