using BetterDb.Core.Storage;

namespace BetterDb.Core.Automation;

/// <summary>The schedule object of API.md: the stored schedule, what it did last and when it fires next.</summary>
public sealed record Schedule
{
    public required string Id { get; init; }
    public required string ConnectionId { get; init; }
    public int? IntervalSeconds { get; init; }
    public string? CronExpression { get; init; }
    /// <summary>The IANA zone the cron expression is read in ("UTC" by default; an interval does not depend on it).</summary>
    public required string TimeZone { get; init; }
    public long DurationMs { get; init; }
    /// <summary>null: the configured default caps, read at each tick.</summary>
    public long? ByteCap { get; init; }
    public long? LineCap { get; init; }
    public bool Enabled { get; init; }
    public string? CreatedBy { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    /// <summary>The last tick that started a capture, and that session.</summary>
    public DateTime? LastFiredAt { get; init; }
    public string? LastSessionId { get; init; }
    /// <summary>The last tick that did not start a capture, and why (the health gate's reason, <c>session_already_active</c>, ...).</summary>
    public DateTime? LastSkippedAt { get; init; }
    public string? LastSkipReason { get; init; }
    /// <summary>null while disabled.</summary>
    public DateTime? NextFireAt { get; init; }
    /// <summary>The next five fire times (empty while disabled).</summary>
    public IReadOnlyList<DateTime> NextFires { get; init; } = [];
    /// <summary>The cadence in words: "every hour", "at 09:00, Monday through Friday (UTC)".</summary>
    public required string Cadence { get; init; }
    /// <summary>What the schedule does, as its Hangfire job is named: "Capture 30 s every hour, connection prod-1".</summary>
    public required string Description { get; init; }
    /// <summary><c>recurring</c> (a Hangfire recurring job) or <c>delayed</c> (a chain of delayed jobs, for intervals no cron can say).</summary>
    public required string JobKind { get; init; }
}

/// <summary>What a caller gives to create or replace a schedule. Exactly one of <see cref="IntervalSeconds"/> and <see cref="CronExpression"/>.</summary>
public sealed record ScheduleInput
{
    public string? ConnectionId { get; init; }
    public int? IntervalSeconds { get; init; }
    public string? CronExpression { get; init; }
    public string? TimeZone { get; init; }
    /// <summary>Capture duration, 1 s .. 24 h; 30 s when left out. An interval schedule's must be shorter than its interval.</summary>
    public long? DurationMs { get; init; }
    public long? ByteCap { get; init; }
    public long? LineCap { get; init; }
    /// <summary>true when left out on create; left as it is on a replace.</summary>
    public bool? Enabled { get; init; }
    public string? CreatedBy { get; init; }
}

/// <summary>A cadence being typed: its words and next fire times, or the error to show under the field.</summary>
public sealed record CadencePreview(string? Cadence, IReadOnlyList<DateTime> NextFires, IReadOnlyList<ScheduleFieldError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

internal static class ScheduleJobKind
{
    public const string Recurring = "recurring";
    public const string Delayed = "delayed";

    public static string Of(ScheduleCadence cadence, ScheduleEntity row) => cadence.HangfireCron(row.AnchorAt) is null ? Delayed : Recurring;
}
