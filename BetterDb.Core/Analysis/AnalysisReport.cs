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
}

public sealed record CommandTiming(string Cmd, long Count, long MedianUs, long P75Us, long P90Us, long P99Us, long MaxUs, long TotalUs);
public sealed record SlowCall(long Ts, string TsRaw, string Cmd, string Addr, long GapUs, string Raw);
public sealed record LargeArgument(long Ts, string Cmd, string? Key, string Addr, int ArgIndex, long Bytes);
