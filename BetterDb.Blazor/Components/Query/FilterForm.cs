using System.Globalization;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;

namespace BetterDb.Blazor.Components.Query;

/// <summary>
/// What the filter bar's fields hold, as typed, and the way to and from a <see cref="LineFilter"/>.
/// Validation is the core's (<see cref="LineFilter.Parse"/>), so the UI and the HTTP API accept and
/// refuse the same things; its messages, which name API parameters in epoch milliseconds, are said again here in the
/// words of the form. Two things are converted: the browser's <c>datetime-local</c> text, read in the user's time zone,
/// becomes epoch milliseconds; and the key pattern is typed as the list shows keys (<see cref="KeyPatternText"/>:
/// <c>\n</c> is a newline), so what you see is what you can type.
/// </summary>
public sealed class FilterForm
{
    /// <summary>Field names as <see cref="InvalidInputException.Field"/> spells them.</summary>
    public const string CommandField = "command", ClientField = "client", KeyField = "key", DbField = "db",
        AfterField = "afterTs", BeforeField = "beforeTs", TextField = "text", NodeField = "node";

    private static readonly string[] LocalFormats =
        ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.f", "yyyy-MM-ddTHH:mm:ss.ff", "yyyy-MM-ddTHH:mm:ss.fff"];

    public string? Command { get; set; }
    public string? Client { get; set; }
    public string? Key { get; set; }
    public string? Db { get; set; }
    /// <summary>Local date and time as an <c>&lt;input type="datetime-local"&gt;</c> gives it.</summary>
    public string? After { get; set; }
    public string? Before { get; set; }
    public string? Text { get; set; }
    /// <summary>One node of a fan-out session (its id); null for all of them.</summary>
    public string? Node { get; set; }

    public bool IsBlank => new[] { Command, Client, Key, Db, After, Before, Text, Node }.All(string.IsNullOrWhiteSpace);

    /// <summary>The filter these fields describe; a bad value throws <see cref="InvalidInputException"/> naming its field.</summary>
    public LineFilter ToFilter(TimeZoneInfo zone)
    {
        var after = ToEpochMs(After, zone, AfterField, endOfSecond: false);
        var before = ToEpochMs(Before, zone, BeforeField, endOfSecond: true);
        var values = new Dictionary<string, string?>
        {
            [CommandField] = NormalizeCommands(Command),
            [ClientField] = Client,
            [KeyField] = string.IsNullOrEmpty(Key) ? Key : KeyPatternText.FromTyped(Key),
            [DbField] = Db?.Trim(),
            [AfterField] = after?.ToString(CultureInfo.InvariantCulture),
            [BeforeField] = before?.ToString(CultureInfo.InvariantCulture),
            [TextField] = Text,
            [NodeField] = Node,
        };
        try
        {
            return LineFilter.Parse(name => values.GetValueOrDefault(name));
        }
        catch (InvalidInputException ex)
        {
            throw new InvalidInputException(ex.Field, InWords(ex));
        }
    }

    /// <summary>The core's message for a field, in the form's words (its labels, no epoch milliseconds).</summary>
    internal static string InWords(InvalidInputException ex) => ex.Field switch
    {
        DbField => "The database is a whole number, 0 or more.",
        AfterField when ex.Message.Contains("later than", StringComparison.Ordinal) => "\"From\" is later than \"To\": swap them or widen the window.",
        AfterField or BeforeField => "Enter a date and time (yyyy-mm-dd hh:mm:ss).",
        KeyField => ex.Message.Replace("key takes at most", "a key pattern takes at most", StringComparison.Ordinal),
        _ => ex.Message,
    };

    /// <summary>What Redis does with the key pattern as typed (an unclosed class, a trailing backslash...); empty when nothing is unusual.</summary>
    public IReadOnlyList<string> KeyWarnings()
    {
        if (string.IsNullOrEmpty(Key)) return [];
        try
        {
            return new RedisGlob(KeyPatternText.FromTyped(Key)).Warnings;
        }
        catch (InvalidInputException)
        {
            return []; // said on the field when applied
        }
    }

    /// <summary>The fields showing <paramref name="filter"/> (times in <paramref name="zone"/>).</summary>
    public static FilterForm From(LineFilter filter, TimeZoneInfo zone) => new()
    {
        Command = filter.Commands is null ? null : string.Join(", ", filter.Commands),
        Client = filter.Client,
        Key = filter.Key is { } key ? KeyPatternText.ToTyped(key.Pattern) : null,
        Db = filter.Db?.ToString(CultureInfo.InvariantCulture),
        After = ToLocalText(filter.AfterTs, zone, endOfSecond: false),
        Before = ToLocalText(filter.BeforeTs, zone, endOfSecond: true),
        Text = filter.Text,
        Node = filter.Node,
    };

    /// <summary>"get set, hget" -> "get,set,hget": commas or spaces both separate verbs (a verb never holds a space).</summary>
    internal static string? NormalizeCommands(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return string.Join(',', text.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// Local time text -> epoch ms. The inputs show whole seconds, so an upper bound without a fraction
    /// takes the whole second: "to 09:23:13" keeps a line at 09:23:13.456, as the tail shows it.
    /// </summary>
    internal static long? ToEpochMs(string? text, TimeZoneInfo zone, string field, bool endOfSecond)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (!DateTime.TryParseExact(text, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            throw new InvalidInputException(field, "Enter a date and time (yyyy-mm-dd hh:mm:ss).");
        if (zone.IsInvalidTime(local))
            throw new InvalidInputException(field, "That local time does not exist (the clocks changed then).");
        var utc = TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone);
        var ms = (long)(utc - DateTime.UnixEpoch).TotalMilliseconds;
        if (ms < 0) throw new InvalidInputException(field, "Choose a time after 1970.");
        var hasFraction = text.IndexOf('.') >= 0;
        return endOfSecond && !hasFraction ? ms + 999 : ms;
    }

    internal static string? ToLocalText(long? epochMs, TimeZoneInfo zone, bool endOfSecond)
    {
        if (epochMs is not { } ms) return null;
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddMilliseconds(ms), zone);
        var fraction = ms % 1000;
        // The whole-second upper bound made above reads back as the second itself.
        if (fraction == 0 || (endOfSecond && fraction == 999))
            return local.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        return local.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture);
    }
}
