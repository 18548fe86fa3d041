namespace BetterDb.Core.Analysis;

/// <summary>What a capture (or a filtered slice of it) says: the analysis endpoint's body.</summary>
public sealed record AnalysisReport
{
    public string? SessionId { get; init; }
    public long LineCount { get; init; }
    public long MalformedCount { get; init; }
    /// <summary>From the first to the last MONITOR timestamp.</summary>
    public long DurationMs { get; init; }
    public double CommandsPerSec { get; init; }
    public long? FirstTs { get; init; }
    public long? LastTs { get; init; }
    public IReadOnlyList<CommandCount> Commands { get; init; } = [];
    public IReadOnlyList<KeyCount> TopKeys { get; init; } = [];
    public IReadOnlyList<PrefixCount> TopPrefixes { get; init; } = [];
    public IReadOnlyList<ClientCount> Clients { get; init; } = [];
    public IReadOnlyList<DbCount> Dbs { get; init; } = [];
    public IReadOnlyList<TimelinePoint> Timeline { get; init; } = [];
    public InferredTime InferredTime { get; init; } = new();
    public IReadOnlyList<LargeArgument> LargestArguments { get; init; } = [];
    public string PrefixDelimiter { get; init; } = ":";
    /// <summary>True when every count is exact; otherwise counts may be low by at most <see cref="MaxCountError"/>.</summary>
    public bool CountsExact { get; init; } = true;
    public long MaxCountError { get; init; }
    /// <summary>
    /// Distinct keys, prefixes and clients counted (additive; null in an analysis stored before them): when a list holds them all,
    /// something absent from it is absent from the capture, which a diff needs to call a client or prefix vanished.
    /// </summary>
    public long? DistinctKeys { get; init; }
    public long? DistinctPrefixes { get; init; }
    public long? DistinctClients { get; init; }
    public DateTime ComputedAt { get; init; }
    /// <summary>What the filter's values mean where that is unusual (additive; see <see cref="Lines.LineFilter.Warnings"/>).</summary>
    public IReadOnlyList<Lines.FilterWarning> Warnings { get; init; } = [];
}

public sealed record CommandCount(string Cmd, long Count, double Pct);
public sealed record KeyCount(string Key, long Count);
public sealed record PrefixCount(string Prefix, long Count);
public sealed record ClientCount(string Addr, long Count);
public sealed record DbCount(int Db, long Count);
/// <summary>Lines in the second starting at <see cref="Second"/> (epoch seconds).</summary>
public sealed record TimelinePoint(long Second, long Count);

public sealed record InferredTime
{
    public string Note { get; init; } =
        "Inferred from the gap between a command's MONITOR timestamp and the next one: meaningful only on a busy server, " +
        "where the next command waits for this one; on a quiet server the gaps are idle time.";
    public IReadOnlyList<CommandTiming> PerCommand { get; init; } = [];
    /// <summary>Commands by total inferred time, heaviest first.</summary>
    public IReadOnlyList<CommandTiming> Heaviest { get; init; } = [];
    public IReadOnlyList<SlowCall> Slowest { get; init; } = [];

    /// <summary>
    /// The same figures counted inside busy stretches only (additive): gaps over <see cref="BusyTime.ThresholdUs"/> are idle time,
    /// not a command's cost. Null in an analysis stored before it existed.
    /// </summary>
    public BusyTime? Busy { get; init; }
}

/// <summary>Inferred time inside busy stretches: gaps up to <see cref="ThresholdUs"/> (derived from the capture's median gap).</summary>
public sealed record BusyTime
{
    /// <summary>The median gap between two lines of the capture (all lines, whatever the filter).</summary>
    public long MedianGapUs { get; init; }
    /// <summary>A gap up to this is a command's time; a longer one is idle: 16 x the median gap, within 50 µs .. 1 ms, rounded up to the histogram's bucket edge.</summary>
    public long ThresholdUs { get; init; }
    /// <summary>Gaps of the selected lines counted as busy.</summary>
    public long BusyGaps { get; init; }
    /// <summary>Gaps of the selected lines left out as idle, and their total.</summary>
    public long IdleGaps { get; init; }
    public long IdleUs { get; init; }
    public IReadOnlyList<CommandTiming> PerCommand { get; init; } = [];
    public IReadOnlyList<CommandTiming> Heaviest { get; init; } = [];
    public IReadOnlyList<SlowCall> Slowest { get; init; } = [];
}

public sealed record CommandTiming(string Cmd, long Count, long MedianUs, long P75Us, long P90Us, long P99Us, long MaxUs, long TotalUs);
public sealed record SlowCall(long Ts, string TsRaw, string Cmd, string Addr, long GapUs, string Raw);
public sealed record LargeArgument(long Ts, string Cmd, string? Key, string Addr, int ArgIndex, long Bytes);
