namespace BetterDb.Core.Storage;

/// <summary>
/// A scheduled capture: every <see cref="IntervalSeconds"/> or on <see cref="CronExpression"/> (exactly one is set),
/// a capture of <see cref="DurationMs"/> on <see cref="ConnectionId"/>. The Hangfire job that ticks it is derived
/// from this row (and rebuilt from it at every start): the row is the truth, the job its consequence.
/// </summary>
public sealed class ScheduleEntity
{
    public required string Id { get; set; }
    public required string ConnectionId { get; set; }
    public int? IntervalSeconds { get; set; }
    /// <summary>5 fields, or 6 with seconds first; whitespace collapsed to single spaces.</summary>
    public string? CronExpression { get; set; }
    /// <summary>The IANA zone a cron expression is read in; "UTC" by default.</summary>
    public required string TimeZone { get; set; }
    public long DurationMs { get; set; }
    /// <summary>null: the configured defaults at the time of each tick.</summary>
    public long? ByteCap { get; set; }
    public long? LineCap { get; set; }
    public bool Enabled { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>Where an interval's grid starts (whole seconds): creation, or the last change of the cadence. Ticks fall on anchor + k x interval.</summary>
    public DateTime AnchorAt { get; set; }

    /// <summary>The last tick that started a capture, and that capture.</summary>
    public DateTime? LastFiredAt { get; set; }
    public string? LastSessionId { get; set; }
    /// <summary>The last tick that did not start one, and why (the health gate's reason, <c>session_already_active</c>, ...).</summary>
    public DateTime? LastSkippedAt { get; set; }
    public string? LastSkipReason { get; set; }

    /// <summary>The Hangfire job that ran the last tick: a job delivered twice (a retry, a restart mid-run) ticks once.</summary>
    public string? LastTickJobId { get; set; }
    /// <summary>Delayed-job cadences only: the due time of the pending tick and its Hangfire job.</summary>
    public DateTime? PendingDueAt { get; set; }
    public string? PendingJobId { get; set; }
}
