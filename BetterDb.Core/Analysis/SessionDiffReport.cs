using BetterDb.Core.Capture;

namespace BetterDb.Core.Analysis;

/// <summary>
/// What changed between two captures (the API's <c>diff</c>): <see cref="Capture"/> is the session asked about (<c>{id}</c>),
/// <see cref="Baseline"/> the one it is compared with (<c>vs</c>). Every delta is capture minus baseline; counts become rates
/// per second of each capture's own duration, because captures differ in length and raw counts mislead.
/// </summary>
public sealed record SessionDiffReport
{
    public required string SessionId { get; init; }
    public required string VsSessionId { get; init; }
    public required DiffSide Capture { get; init; }
    public required DiffSide Baseline { get; init; }
    public required DiffThroughput Throughput { get; init; }
    public required DiffShapes Shapes { get; init; }
    /// <summary>Every command of either side, biggest movers (absolute change of rate) first.</summary>
    public required DiffCommands Commands { get; init; }
    public required DiffHotKeys HotKeys { get; init; }
    public required DiffPrefixes Prefixes { get; init; }
    public required DiffClients Clients { get; init; }
    public required DiffInferredTime InferredTime { get; init; }
    public required DiffLargestArguments LargestArguments { get; init; }
    /// <summary>True when both sides came from their stored analysis (no line was read for this answer).</summary>
    public bool FromStoredAggregates { get; init; }
    public IReadOnlyList<Lines.FilterWarning> Warnings { get; init; } = [];
    public DateTime ComputedAt { get; init; }
}

/// <summary>One of the two captures, as the diff saw it.</summary>
public sealed record DiffSide
{
    public required string SessionId { get; init; }
    public string? ConnectionId { get; init; }
    public string? ConnectionName { get; init; }
    public required CaptureSource Source { get; init; }
    public string? Label { get; init; }
    public DateTime StartedAt { get; init; }
    public DateTime? EndedAt { get; init; }
    public long LineCount { get; init; }
    /// <summary>The seconds every rate of this side is divided by: the capture's own span (at least 1 s).</summary>
    public double DurationSeconds { get; init; }
    public double LinesPerSec { get; init; }
    public bool CountsExact { get; init; }
    public long MaxCountError { get; init; }
}

/// <summary>How a figure moved: <c>new</c> (absent from the baseline), <c>vanished</c>, <c>up</c>, <c>down</c> or <c>same</c> (within 5 %).</summary>
public static class DiffChange
{
    public const string New = "new";
    public const string Vanished = "vanished";
    public const string Up = "up";
    public const string Down = "down";
    public const string Same = "same";

    /// <summary>A change smaller than this fraction of the larger side is <see cref="Same"/>.</summary>
    public const double Tolerance = 0.05;

    public static string Of(double value, double baseline, bool inCapture = true, bool inBaseline = true)
    {
        if (inCapture && !inBaseline) return New;
        if (!inCapture && inBaseline) return Vanished;
        var scale = Math.Max(Math.Abs(value), Math.Abs(baseline));
        if (scale == 0 || Math.Abs(value - baseline) <= Tolerance * scale) return Same;
        return value > baseline ? Up : Down;
    }
}

/// <summary>A count on both sides and its rate per second of each side's duration.</summary>
public sealed record RateDelta(string Name, long Count, double PerSec, long BaselineCount, double BaselinePerSec, double DeltaPerSec, double? Ratio, string Change);

public sealed record DiffThroughput
{
    public double LinesPerSec { get; init; }
    public double BaselineLinesPerSec { get; init; }
    public double DeltaPerSec { get; init; }
    public double? Ratio { get; init; }
    public string Change { get; init; } = DiffChange.Same;
    public long Lines { get; init; }
    public long BaselineLines { get; init; }
    /// <summary>The busiest second's lines (from the per-second timeline).</summary>
    public long PeakSecond { get; init; }
    public long BaselinePeakSecond { get; init; }
    public long Malformed { get; init; }
    public long BaselineMalformed { get; init; }
}

public sealed record ShapeRate(string Shape, long Count, double PerSec);

public sealed record DiffShapes
{
    public int CaptureShapes { get; init; }
    public int BaselineShapes { get; init; }
    /// <summary>Shapes (<c>VERB:arity</c>, scripts by sha or function) the capture has and the baseline lacks, most frequent first.</summary>
    public IReadOnlyList<ShapeRate> New { get; init; } = [];
    public IReadOnlyList<ShapeRate> Vanished { get; init; } = [];
    public IReadOnlyList<string> Lacking { get; init; } = [];
}

public sealed record DiffCommands
{
    public IReadOnlyList<RateDelta> Rows { get; init; } = [];
    public IReadOnlyList<string> Lacking { get; init; } = [];
}

public sealed record DiffHotKey(string Key, int Rank, int? BaselineRank, int? Change, long Count, double PerSec, long? BaselineCount, double? BaselinePerSec);

public sealed record DiffHotKeys
{
    public int TopK { get; init; }
    /// <summary>Keys in the capture's top K that were not in the baseline's.</summary>
    public IReadOnlyList<DiffHotKey> NewInTop { get; init; } = [];
    /// <summary>Keys in both top K lists whose rank moved; a positive change rose (rank 3 to 1 is +2), biggest moves first.</summary>
    public IReadOnlyList<DiffHotKey> RankChanges { get; init; } = [];
    /// <summary>Keys of the baseline's top K that left the capture's (<see cref="DiffHotKey.Rank"/> is 0).</summary>
    public IReadOnlyList<DiffHotKey> LeftTop { get; init; } = [];
    public IReadOnlyList<string> Lacking { get; init; } = [];
}

public sealed record DiffPrefixes
{
    /// <summary>Every prefix of either side's list, biggest movers first.</summary>
    public IReadOnlyList<RateDelta> Rows { get; init; } = [];
    public string Delimiter { get; init; } = ":";
    public IReadOnlyList<string> Lacking { get; init; } = [];
}

public sealed record ClientDelta(string Addr, string? Name, long Count, double PerSec, long BaselineCount, double BaselinePerSec, double DeltaPerSec, string Change);

public sealed record ClientNameDelta(string Name, int Addresses, int BaselineAddresses, long Count, long BaselineCount, string Change);

public sealed record DiffClients
{
    public IReadOnlyList<ClientDelta> New { get; init; } = [];
    public IReadOnlyList<ClientDelta> Vanished { get; init; } = [];
    /// <summary>Addresses on both sides, biggest movers first.</summary>
    public IReadOnlyList<ClientDelta> Changed { get; init; } = [];
    /// <summary>Client names (<c>CLIENT SETNAME</c>) from the instance history's CLIENT LIST snapshots taken during each capture.</summary>
    public IReadOnlyList<ClientNameDelta> Names { get; init; } = [];
    public IReadOnlyList<string> Sources { get; init; } = [];
    public IReadOnlyList<string> Lacking { get; init; } = [];
}

public sealed record TimingDelta(string Cmd, long Count, long BaselineCount, long MedianUs, long BaselineMedianUs, long MedianDeltaUs,
    long P99Us, long BaselineP99Us, long P99DeltaUs, string Change);

public sealed record DiffInferredTime
{
    public string Note { get; init; } = new InferredTime().Note;
    /// <summary><c>busy</c>: both sides' figures inside busy stretches (as the analysis shows them); <c>all</c>: every gap (idle time included).</summary>
    public string Basis { get; init; } = "busy";
    /// <summary>Whether the figures say something about command cost: both captures were of a busy server (most gaps busy).</summary>
    public bool Meaningful { get; init; }
    /// <summary>Share of gaps inside busy stretches, per side (null: an analysis stored before busy time existed).</summary>
    public double? BusyShare { get; init; }
    public double? BaselineBusyShare { get; init; }
    public long? ThresholdUs { get; init; }
    public long? BaselineThresholdUs { get; init; }
    /// <summary>Commands timed on both sides, the biggest p99 change first; <c>change</c> is the p99's.</summary>
    public IReadOnlyList<TimingDelta> PerCommand { get; init; } = [];
    public IReadOnlyList<string> Lacking { get; init; } = [];
}

public sealed record ArgumentSizeDelta(string Cmd, long MaxBytes, long BaselineMaxBytes, long DeltaBytes, string Change);

public sealed record DiffLargestArguments
{
    public long MaxBytes { get; init; }
    public long BaselineMaxBytes { get; init; }
    public long DeltaBytes { get; init; }
    public string Change { get; init; } = DiffChange.Same;
    /// <summary>Per command, the largest argument each side's top list holds, the biggest growth first.</summary>
    public IReadOnlyList<ArgumentSizeDelta> PerCommand { get; init; } = [];
    public IReadOnlyList<LargeArgument> Capture { get; init; } = [];
    public IReadOnlyList<LargeArgument> Baseline { get; init; } = [];
    public IReadOnlyList<string> Lacking { get; init; } = [];
}
