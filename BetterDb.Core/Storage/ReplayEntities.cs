namespace BetterDb.Core.Storage;

/// <summary>
/// One replay of a capture against a target connection: what was asked (pace, connections, safety, filter), its state
/// and live counters while it runs, and its report (JSON of <see cref="Replay.ReplayReport"/>) once it has ended.
/// </summary>
public sealed class ReplayEntity
{
    public required string Id { get; set; }
    public required string SessionId { get; set; }
    public required string TargetConnectionId { get; set; }
    /// <summary>A <see cref="Replay.ReplayStatus"/>'s word.</summary>
    public required string Status { get; set; }
    /// <summary><c>original</c>, <c>max</c> or the speed factor (<see cref="Replay.ReplayPace"/>).</summary>
    public required string Pace { get; set; }
    /// <summary><c>original</c> or the number of connections (<see cref="Replay.ReplayConcurrency"/>).</summary>
    public required string Connections { get; set; }
    public bool DryRun { get; set; }
    public bool AllowSourceConnection { get; set; }
    /// <summary>JSON array of the run's denylist entries.</summary>
    public required string Denylist { get; set; }
    public int MaxBlockMs { get; set; }
    /// <summary>The line filter as a query string (<c>command=GET&amp;db=0</c>), "" for every line.</summary>
    public required string Filter { get; set; }
    public string? RequestedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public long LinesRead { get; set; }
    /// <summary>The session's line count when the replay was asked for: what <see cref="LinesRead"/> goes up to unfiltered.</summary>
    public long LinesTotal { get; set; }
    public long Sent { get; set; }
    public long Skipped { get; set; }
    public long Errors { get; set; }
    /// <summary>Why a failed run failed.</summary>
    public string? Error { get; set; }
    public bool CancelRequested { get; set; }
    /// <summary>The running replay's last sign of life (its progress write); a running row without one for long lost its process.</summary>
    public DateTime? HeartbeatAt { get; set; }
    public string? JobId { get; set; }
    public string? ReportJson { get; set; }
}
