using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;

namespace BetterDb.Core.Automation;

/// <summary>A bad value in a schedule, naming its field as the API spells it.</summary>
public sealed record ScheduleFieldError(string Field, string Message);

/// <summary>
/// When a schedule fires: every <see cref="IntervalSeconds"/> (10 s .. 24 h) on a grid anchored at the schedule's
/// anchor, or on a cron expression (5 fields, or 6 with seconds first; parsed by Cronos) read in an IANA time zone.
/// Pure: parsing, validation, the next occurrences, the words for people and the cron Hangfire runs it with.
/// </summary>
public sealed partial class ScheduleCadence
{
    public const int MinIntervalSeconds = 10;
    public const int MaxIntervalSeconds = 24 * 60 * 60;
    public const string DefaultTimeZone = "UTC";
    /// <summary>Occurrences of a cron expression checked for the 10 s minimum spacing (covers every field's pattern in practice).</summary>
    private const int SpacingProbe = 500;

    private readonly CronExpression? _cron;

    private ScheduleCadence(int? intervalSeconds, string? cronText, CronExpression? cron, TimeZoneInfo zone)
    {
        IntervalSeconds = intervalSeconds;
        CronExpression = cronText;
        _cron = cron;
        Zone = zone;
    }

    public int? IntervalSeconds { get; }

    /// <summary>The expression as stored: trimmed, whitespace collapsed to single spaces.</summary>
    public string? CronExpression { get; }

    public TimeZoneInfo Zone { get; }

    public string TimeZoneId => Zone.Id;

    public bool IsCron => _cron is not null;

    /// <summary>
    /// Exactly one of <paramref name="intervalSeconds"/> and <paramref name="cronExpression"/> (an empty expression counts
    /// as absent). Errors name <c>intervalSeconds</c>, <c>cronExpression</c> or <c>timeZone</c>.
    /// </summary>
    public static ScheduleCadence? TryParse(int? intervalSeconds, string? cronExpression, string? timeZone, out IReadOnlyList<ScheduleFieldError> errors)
    {
        var list = new List<ScheduleFieldError>();
        errors = list;
        var zone = ParseZone(timeZone, list);
        var hasCron = !string.IsNullOrEmpty(cronExpression);
        if (intervalSeconds is null && !hasCron)
        {
            const string neither = "Give exactly one of intervalSeconds (10 to 86400) or cronExpression (5 or 6 fields); neither was given.";
            list.Add(new("intervalSeconds", neither));
            list.Add(new("cronExpression", neither));
            return null;
        }
        if (intervalSeconds is not null && hasCron)
        {
            const string both = "Give exactly one of intervalSeconds or cronExpression, not both.";
            list.Add(new("intervalSeconds", both));
            list.Add(new("cronExpression", both));
            return null;
        }
        if (intervalSeconds is { } seconds)
        {
            if (seconds is < MinIntervalSeconds or > MaxIntervalSeconds)
                list.Add(new("intervalSeconds", $"intervalSeconds must be between {MinIntervalSeconds} (10 s) and {MaxIntervalSeconds} (24 h); got {seconds}."));
            return list.Count == 0 ? new ScheduleCadence(seconds, null, null, zone!) : null;
        }

        var (text, cron, cronError) = ParseCron(cronExpression!);
        if (cronError is not null) list.Add(new("cronExpression", cronError));
        if (list.Count > 0) return null;
        var cadence = new ScheduleCadence(null, text, cron, zone!);
        if (cadence.SpacingError() is { } spacing)
        {
            list.Add(new("cronExpression", spacing));
            return null;
        }
        return cadence;
    }

    /// <exception cref="Configuration.InvalidInputException">the first error</exception>
    public static ScheduleCadence Parse(int? intervalSeconds, string? cronExpression, string? timeZone) =>
        TryParse(intervalSeconds, cronExpression, timeZone, out var errors)
        ?? throw new Configuration.InvalidInputException(errors[0].Field, errors[0].Message);

    private static TimeZoneInfo? ParseZone(string? id, List<ScheduleFieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(id)) return TimeZoneInfo.Utc;
        id = id.Trim();
        // IANA ids only ("Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"); nothing that walks the file system.
        if (id.Length > 64 || !ZoneId().IsMatch(id) || id.Contains(".."))
        {
            errors.Add(new("timeZone", $"timeZone must be an IANA time zone such as UTC or Europe/Berlin; got '{Shorten(id)}'."));
            return null;
        }
        if (id.Equals("UTC", StringComparison.OrdinalIgnoreCase)) return TimeZoneInfo.Utc;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            errors.Add(new("timeZone", $"timeZone '{id}' is not a known IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)."));
            return null;
        }
    }

    private static (string Text, CronExpression? Cron, string? Error) ParseCron(string raw)
    {
        var fields = raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var text = string.Join(' ', fields);
        if (fields.Length == 0) return (text, null, "cronExpression is empty: give 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first).");
        if (text.Length > 200) return (text, null, "cronExpression is longer than 200 characters.");
        if (fields.Length is not (5 or 6))
        {
            var hint = fields[0].StartsWith('@') ? $" Macros such as {Shorten(fields[0])} are not accepted: write the fields, e.g. '0 0 * * *' for @daily." : "";
            return (text, null, $"cronExpression must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first); '{Shorten(text)}' has {fields.Length}.{hint}");
        }
        try
        {
            return (text, Cronos.CronExpression.Parse(text, fields.Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard), null);
        }
        catch (CronFormatException ex)
        {
            return (text, null, $"cronExpression '{Shorten(text)}' is not valid: {CronosReason(ex.Message)}");
        }
    }

    /// <summary>Cronos says "The given cron expression has an invalid format. Minutes: Value must be ...": keep what names the field.</summary>
    private static string CronosReason(string message)
    {
        const string lead = "The given cron expression has an invalid format.";
        var reason = message.StartsWith(lead, StringComparison.Ordinal) ? message[lead.Length..].Trim() : message;
        if (reason.Length == 0) return "it does not parse.";
        // "Minutes: Value must be a number between 0 and 59" -> "minutes: value must be a number between 0 and 59"
        var colon = reason.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && colon + 2 < reason.Length)
            reason = reason[..colon].ToLowerInvariant() + ": " + char.ToLowerInvariant(reason[colon + 2]) + reason[(colon + 3)..];
        return reason.EndsWith('.') ? reason : reason + ".";
    }

    /// <summary>A cron that never fires, or fires less than 10 s apart, is refused: the interval's limits hold for cron too.</summary>
    private string? SpacingError()
    {
        var from = DateTime.UtcNow;
        DateTime? previous = null;
        var count = 0;
        foreach (var next in Occurrences(from, from))
        {
            if (previous is { } p && (next - p).TotalSeconds < MinIntervalSeconds)
                return $"cronExpression '{CronExpression}' fires {(next - p).TotalSeconds:0} s apart (at {p:HH:mm:ss} and {next:HH:mm:ss} UTC); schedules fire at most every {MinIntervalSeconds} s.";
            previous = next;
            if (++count >= SpacingProbe) break;
        }
        return count == 0 ? $"cronExpression '{CronExpression}' never fires (e.g. a day that no month has)." : null;
    }

    /// <summary>The occurrences strictly after <paramref name="afterUtc"/>, in UTC. An interval's grid starts at <paramref name="anchorUtc"/> (whole seconds).</summary>
    public IEnumerable<DateTime> Occurrences(DateTime afterUtc, DateTime anchorUtc)
    {
        afterUtc = DateTime.SpecifyKind(afterUtc, DateTimeKind.Utc);
        if (_cron is not null)
        {
            var at = afterUtc;
            while (_cron.GetNextOccurrence(at, Zone) is { } next)
            {
                yield return next;
                at = next;
            }
            yield break;
        }
        var step = TimeSpan.FromSeconds(IntervalSeconds!.Value);
        var t = NextOnGrid(afterUtc, anchorUtc);
        while (true)
        {
            yield return t;
            t += step;
        }
    }

    public DateTime? Next(DateTime afterUtc, DateTime anchorUtc) =>
        Occurrences(afterUtc, anchorUtc).Select(t => (DateTime?)t).FirstOrDefault();

    private DateTime NextOnGrid(DateTime afterUtc, DateTime anchorUtc)
    {
        var anchor = WholeSeconds(anchorUtc);
        if (afterUtc < anchor) return anchor;
        var n = IntervalSeconds!.Value;
        var k = (long)Math.Floor((afterUtc - anchor).TotalSeconds / n) + 1;
        return anchor.AddSeconds(k * n);
    }

    public static DateTime WholeSeconds(DateTime utc) =>
        new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    /// <summary>
    /// The 6-field cron Hangfire's recurring job runs this cadence with, in <see cref="HangfireZone"/>; null when no cron
    /// can say it exactly (an interval such as 45 s, 7 min or 5 h: those tick as a chain of delayed jobs instead).
    /// An interval is exact when it divides a minute (10, 12, 15, 20, 30 s), is whole minutes dividing an hour, or whole
    /// hours dividing a day: then its grid, anchored at <paramref name="anchorUtc"/>, is a fixed pattern of the clock in UTC.
    /// </summary>
    public string? HangfireCron(DateTime anchorUtc)
    {
        if (CronExpression is not null) return CronExpression;
        var n = IntervalSeconds!.Value;
        var a = WholeSeconds(anchorUtc);
        int s = a.Second, m = a.Minute, h = a.Hour;
        if (n == 60) return $"{s} * * * * *";
        if (60 % n == 0) return $"{s % n}/{n} * * * * *";
        if (n % 60 == 0 && 3600 % n == 0) return n == 3600 ? $"{s} {m} * * * *" : $"{s} {m % (n / 60)}/{n / 60} * * * *";
        if (n % 3600 == 0 && 86400 % n == 0) return n == 86400 ? $"{s} {m} {h} * * *" : $"{s} {m} {h % (n / 3600)}/{n / 3600} * * *";
        return null;
    }

    /// <summary>The zone of <see cref="HangfireCron"/>: the schedule's for a cron expression, UTC for an interval's grid.</summary>
    public TimeZoneInfo HangfireZone => IsCron ? Zone : TimeZoneInfo.Utc;

    /// <summary>"every 10 seconds", "every hour", "at 09:00, Monday through Friday (Europe/Berlin)".</summary>
    public string Describe() => _cron is not null
        ? CronDescription.Describe(_cron.ToString(), Zone.Id)
        : DescribeInterval(IntervalSeconds!.Value);

    public static string DescribeInterval(int seconds)
    {
        static string Every(long n, string unit) => n == 1 ? $"every {unit}" : $"every {n.ToString(CultureInfo.InvariantCulture)} {unit}s";
        if (seconds % 3600 == 0) return Every(seconds / 3600, "hour");
        if (seconds % 60 == 0) return Every(seconds / 60, "minute");
        return Every(seconds, "second");
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";

    [GeneratedRegex("^[A-Za-z0-9_+\\-]+(/[A-Za-z0-9_+\\-]+)*$")]
    private static partial Regex ZoneId();
}
