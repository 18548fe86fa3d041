using System.Globalization;
using BetterDb.Core.Automation;
using BetterDb.Core.Capture;
using BetterDb.Core.Preflight;

namespace BetterDb.Blazor.Ui;

/// <summary>
/// The schedule dialog's values in its own words and units (an interval as amount + unit, a duration in seconds, a byte
/// cap in MB), turned into a <see cref="ScheduleInput"/> and back. Interval and duration messages speak the form's
/// units; the cron expression and the time zone keep the core's (they name what is wrong in the expression itself).
/// </summary>
public sealed class ScheduleForm
{
    public static readonly (string Name, int Seconds)[] IntervalUnits = [("seconds", 1), ("minutes", 60), ("hours", 3600)];
    private const long Mb = 1024 * 1024;

    public string? ConnectionId { get; set; }
    /// <summary>Advanced: a cron expression instead of an interval.</summary>
    public bool UseCron { get; set; }
    public int? IntervalAmount { get; set; } = 1;
    public string IntervalUnit { get; set; } = "hours";
    public string? CronExpression { get; set; }
    public string? TimeZone { get; set; } = ScheduleCadence.DefaultTimeZone;
    public int? DurationSeconds { get; set; } = 30;
    public double? ByteCapMb { get; set; }
    public long? LineCap { get; set; }
    public bool Enabled { get; set; } = true;
    public string? CreatedBy { get; set; }

    public static ScheduleForm From(Schedule s)
    {
        var form = new ScheduleForm
        {
            ConnectionId = s.ConnectionId,
            UseCron = s.CronExpression is not null,
            CronExpression = s.CronExpression,
            TimeZone = s.TimeZone,
            DurationSeconds = (int)Math.Max(1, s.DurationMs / 1000),
            ByteCapMb = s.ByteCap is { } b ? Math.Round(b / (double)Mb, 3) : null,
            LineCap = s.LineCap,
            Enabled = s.Enabled,
            CreatedBy = s.CreatedBy,
        };
        if (s.IntervalSeconds is { } seconds)
        {
            // The largest unit that says it exactly: 5400 s is 90 minutes, 7200 s is 2 hours.
            var unit = IntervalUnits.Last(u => seconds % u.Seconds == 0);
            form.IntervalAmount = seconds / unit.Seconds;
            form.IntervalUnit = unit.Name;
        }
        return form;
    }

    public ScheduleForm Copy() => (ScheduleForm)MemberwiseClone();

    private int UnitSeconds => IntervalUnits.FirstOrDefault(u => u.Name == IntervalUnit, IntervalUnits[0]).Seconds;

    /// <summary>The interval in seconds (out-of-range amounts kept out of range, never wrapped); null in cron mode or when empty.</summary>
    public int? IntervalSeconds => UseCron || IntervalAmount is not { } amount ? null : (int)Math.Clamp((long)amount * UnitSeconds, int.MinValue, int.MaxValue);

    public ScheduleInput ToInput() => new()
    {
        ConnectionId = ConnectionId,
        IntervalSeconds = UseCron ? null : IntervalSeconds ?? 0,
        CronExpression = UseCron ? CronExpression ?? "" : null,
        TimeZone = UseCron ? TimeZone : null,
        DurationMs = DurationSeconds is { } d ? d * 1000L : null,
        ByteCap = ByteCapMb is { } mb ? (long)Math.Round(mb * Mb) : null,
        LineCap = LineCap,
        Enabled = Enabled,
        CreatedBy = string.IsNullOrWhiteSpace(CreatedBy) ? null : CreatedBy.Trim(),
    };

    /// <summary>The cadence's words and next fires as typed, or what is wrong with it.</summary>
    public CadencePreview Preview()
    {
        if (!UseCron) return ScheduleService.Preview(IntervalSeconds ?? 0, null, null);
        if (string.IsNullOrWhiteSpace(CronExpression))
            return new CadencePreview(null, [], [new("cronExpression", "Enter a cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first.")]);
        return ScheduleService.Preview(null, CronExpression, TimeZone);
    }

    /// <summary>The message under the interval amount, in the form's units; null when it is fine (or cron mode).</summary>
    public string? IntervalProblem()
    {
        if (UseCron) return null;
        if (IntervalAmount is null) return "How often: from 10 seconds to 24 hours.";
        var s = IntervalSeconds!.Value;
        return s is < ScheduleCadence.MinIntervalSeconds or > ScheduleCadence.MaxIntervalSeconds
            ? $"From 10 seconds to 24 hours ({IntervalAmount} {IntervalUnit} is {(s < ScheduleCadence.MinIntervalSeconds ? "shorter" : "longer")})."
            : null;
    }

    /// <summary>The message under the duration; null when it is fine.</summary>
    public string? DurationProblem()
    {
        if (DurationSeconds is not { } d) return "How long each capture runs: from 1 second to 24 hours.";
        if (d * 1000L is < CaptureSessionService.MinDurationMs or > CaptureSessionService.MaxDurationMs) return "From 1 second to 24 hours.";
        if (!UseCron && IntervalProblem() is null && d >= IntervalSeconds!.Value)
            return $"Shorter than the interval ({ScheduleCadence.DescribeInterval(IntervalSeconds.Value)}), or every other tick finds the last capture still running.";
        return null;
    }

    public string? ByteCapProblem() => ByteCapMb is <= 0 ? "A positive size, or empty for the default." : null;
    public string? LineCapProblem() => LineCap is <= 0 ? "A positive number, or empty for the default." : null;

    /// <summary>Every message the form shows, by the API's field names (the dialog puts each under its field).</summary>
    public Dictionary<string, string> Problems()
    {
        var problems = new Dictionary<string, string>();
        if (string.IsNullOrEmpty(ConnectionId)) problems["connectionId"] = "Choose the connection to capture.";
        if (IntervalProblem() is { } interval) problems["intervalSeconds"] = interval;
        if (UseCron && !Preview().IsValid)
            foreach (var e in Preview().Errors) problems.TryAdd(e.Field, e.Message);
        if (DurationProblem() is { } duration) problems["durationMs"] = duration;
        if (ByteCapProblem() is { } bytes) problems["byteCap"] = bytes;
        if (LineCapProblem() is { } lines) problems["lineCap"] = lines;
        return problems;
    }
}

/// <summary>A schedule's reasons and times in the UI's words.</summary>
public static class ScheduleWords
{
    /// <summary>Why a tick started no capture, for people; the code stays available as a tooltip.</summary>
    public static string SkipReason(string? reason) => reason switch
    {
        null or "" => "",
        SkipReasons.MemoryAboveThreshold => "server memory above the health gate's threshold",
        SkipReasons.RecentOom => "the server refused commands for lack of memory recently",
        SkipReasons.FailoverInProgress => "a failover or resync was in progress",
        SkipReasons.ReplicationLagAboveThreshold => "replication lag above the health gate's threshold",
        ScheduleSkipReasons.SessionAlreadyActive => "a capture was already running on the connection",
        ScheduleSkipReasons.ConnectionNotFound => "the connection no longer exists",
        ScheduleSkipReasons.TickLate => "the tick ran more than 5 minutes late",
        _ => reason,
    };

    /// <summary>"in 42 s", "in 5 min", "in 3 h", "in 2 days"; "now" once due.</summary>
    public static string Until(DateTime utc, DateTime now)
    {
        var span = utc - now;
        if (span.TotalSeconds < 1) return "now";
        if (span.TotalMinutes < 1) return $"in {(int)Math.Ceiling(span.TotalSeconds)} s";
        if (span.TotalHours < 1) return $"in {(int)Math.Round(span.TotalMinutes)} min";
        if (span.TotalDays < 2) return $"in {Math.Round(span.TotalHours, span.TotalHours < 10 ? 1 : 0).ToString(CultureInfo.InvariantCulture)} h";
        return $"in {(int)Math.Round(span.TotalDays)} days";
    }

    /// <summary>UTC shown in <paramref name="zone"/>: "Thu 2026-12-03 09:00:00".</summary>
    public static string InZone(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("ddd yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The first letter up: "Every hour", "At 09:00, Monday through Friday (UTC)".</summary>
    public static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
