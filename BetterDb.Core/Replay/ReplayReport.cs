namespace BetterDb.Core.Replay;

/// <summary>
/// What a replay did (or, dry, would do): stored with the run when it ends, cancelled runs included (what was sent so far).
/// Latencies are measured on the target, from writing a command to reading its reply (in a pipeline, the wait behind the
/// commands before it counts). The original capture has no latencies: <see cref="ReplayCommandStats.OriginalGapP50Ms"/>
/// is the time between a client's command and its next one, an upper bound of the original round trip.
/// </summary>
public sealed record ReplayReport
{
    public bool DryRun { get; init; }
    public bool Cancelled { get; init; }
    /// <summary>Lines of the session (after the filter) the replay read.</summary>
    public long LinesRead { get; init; }
    public long Sent { get; init; }
    /// <summary>A dry run's count of what it would send.</summary>
    public long WouldSend { get; init; }
    /// <summary>SELECTs the replay added because a line's db differed from its connection's.</summary>
    public long SelectsAdded { get; init; }
    public long Replies { get; init; }
    public long Skipped { get; init; }
    public IReadOnlyList<ReplaySkipCount> SkippedByReason { get; init; } = [];
    public long Errors { get; init; }
    public IReadOnlyList<ReplayErrorCount> ErrorsByText { get; init; } = [];
    /// <summary>Blocking commands whose timeout was lowered to the run's <c>maxBlockMs</c>.</summary>
    public long BlockingCapped { get; init; }
    public int Connections { get; init; }
    public long Clients { get; init; }
    public double DurationMs { get; init; }
    /// <summary>Captured commands sent per second of the run (the SELECTs it added are not counted; <see cref="RepliesPerSec"/> counts them).</summary>
    public double CommandsPerSec { get; init; }
    public double RepliesPerSec { get; init; }
    public double? LatencyP50Ms { get; init; }
    public double? LatencyP99Ms { get; init; }
    /// <summary>At the original pace or N x: how late commands were sent against their scaled capture time (p50, p99, max).</summary>
    public double? PacingLagP50Ms { get; init; }
    public double? PacingLagP99Ms { get; init; }
    public double? PacingLagMaxMs { get; init; }
    public IReadOnlyList<ReplayCommandStats> Commands { get; init; } = [];
    public IReadOnlyList<ReplaySecond> Timeline { get; init; } = [];
    public required ReplayOriginal Original { get; init; }
    public ReplayTargetInfo? TargetBefore { get; init; }
    public ReplayTargetInfo? TargetAfter { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>A dry run's first commands as they would be sent.</summary>
    public IReadOnlyList<ReplayPreviewLine>? Preview { get; init; }
}

public sealed record ReplaySkipCount(ReplaySkipReason Reason, long Count);

/// <summary>Error replies of one command with one text (the first 200 distinct; the rest are counted as <c>(other errors)</c>).</summary>
public sealed record ReplayErrorCount(string Cmd, string Error, long Count);

public sealed record ReplayCommandStats(string Cmd, long Count, long Errors, double? P50Ms, double? P99Ms, double? OriginalGapP50Ms, double? OriginalGapP99Ms);

/// <summary>Replies (and error replies among them) the target gave in each second of the run, from its start.</summary>
public sealed record ReplaySecond(long Second, long Replies, long Errors);

/// <summary>The captured lines replayed: their count, time span and rate, to set beside the replay's.</summary>
public sealed record ReplayOriginal(long Lines, double DurationMs, double CommandsPerSec);

/// <summary>The target's INFO before or after the run; <see cref="Error"/> when it could not be read.</summary>
public sealed record ReplayTargetInfo(long? UsedMemory, long? TotalCommandsProcessed, double? OpsPerSec, long? ConnectedClients, string? Error = null)
{
    public static ReplayTargetInfo From(IReadOnlyDictionary<string, string> info)
    {
        static long? L(IReadOnlyDictionary<string, string> f, string k) => f.TryGetValue(k, out var v) && long.TryParse(v, out var n) ? n : null;
        return new ReplayTargetInfo(L(info, "used_memory"), L(info, "total_commands_processed"), L(info, "instantaneous_ops_per_sec"),
            L(info, "connected_clients"));
    }
}
