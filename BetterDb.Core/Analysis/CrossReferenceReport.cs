using BetterDb.Core.Configuration;
using BetterDb.Core.History;

namespace BetterDb.Core.Analysis;

/// <summary>The baselines a capture can be compared with, as the API names them.</summary>
public static class Baselines
{
    public const string SixHours = "6h";
    public const string Day = "24h";
    public const string Week = "7d";
    public const string SameHourLastWeek = "same-hour-last-week";

    public static readonly string[] All = [SixHours, Day, Week, SameHourLastWeek];

    /// <summary>The baseline window of a capture from <paramref name="start"/> to <paramref name="end"/> (epoch ms): [from, to).</summary>
    /// <exception cref="InvalidInputException">an unknown baseline, naming the allowed values</exception>
    public static BaselineWindow Window(string? baseline, long start, long end)
    {
        const long hour = 3_600_000, day = 24 * hour;
        return baseline switch
        {
            SixHours => new(SixHours, start - 6 * hour, start, "the 6 hours before the capture"),
            Day => new(Day, start - day, start, "the 24 hours before the capture"),
            Week => new(Week, start - 7 * day, start, "the 7 days before the capture"),
            // The clock hours the capture ran in, one week earlier.
            SameHourLastWeek => new(SameHourLastWeek, start / hour * hour - 7 * day, (Math.Max(end, start + 1) + hour - 1) / hour * hour - 7 * day,
                "the same clock hour(s) (UTC) one week earlier"),
            _ => throw new InvalidInputException("baseline",
                $"baseline must be one of {string.Join(", ", All)} (got '{baseline}')."),
        };
    }
}

public sealed record BaselineWindow(string Baseline, long FromTs, long ToTs, string Description);

/// <summary>What a section rests on, and what it had to do without.</summary>
public abstract record CrossReferenceSection
{
    public IReadOnlyList<string> Sources { get; init; } = [];
    public IReadOnlyList<string> Lacking { get; init; } = [];
}

public sealed record ShapeCount(string Shape, long Count);

public sealed record ShapesSection : CrossReferenceSection
{
    public int CaptureShapes { get; init; }
    /// <summary>Shapes of the capture that no baseline source shows, most frequent first.</summary>
    public IReadOnlyList<ShapeCount> New { get; init; } = [];
    /// <summary>Shapes the window's earlier captures had and this one does not (only from captures, which record every command).</summary>
    public IReadOnlyList<ShapeCount> Vanished { get; init; } = [];
    public int BaselineCaptures { get; init; }
}

public sealed record HotKey(string Key, int Rank, long Count, int? BaselineRank);

public sealed record HotKeysSection : CrossReferenceSection
{
    public int TopK { get; init; }
    /// <summary>Keys in the capture's top K that were not in the baseline's.</summary>
    public IReadOnlyList<HotKey> NewInTop { get; init; } = [];
    /// <summary>Keys in both top K lists whose rank changed (positive <see cref="HotKeyChange.Change"/>: it rose).</summary>
    public IReadOnlyList<HotKeyChange> RankChanges { get; init; } = [];
    /// <summary>Keys in the baseline's top K that left the capture's.</summary>
    public IReadOnlyList<HotKey> LeftTop { get; init; } = [];
}

public sealed record HotKeyChange(string Key, int Rank, int BaselineRank, int Change, long Count);

/// <param name="PValue">null when there is no baseline to test against (JSON has no NaN).</param>
public sealed record VerbRegression(string Verb, long CaptureEntries, double CapturePerSec, long BaselineEntries, double BaselinePerSec, double? Ratio,
    double? PValue, double? AdjustedPValue, bool Significant, IReadOnlyList<LogItem> Worst);

public sealed record SlowlogSection : CrossReferenceSection
{
    public string Test { get; init; } = PoissonRateTest.Description;
    /// <summary>Significance level, Bonferroni-adjusted over the verbs tested.</summary>
    public double Alpha { get; init; } = CrossReferenceService.Alpha;
    public double CaptureSeconds { get; init; }
    /// <summary>The part of the window the slowlog was being read (history started, or gaps).</summary>
    public double BaselineSeconds { get; init; }
    public IReadOnlyList<VerbRegression> Verbs { get; init; } = [];
}

public sealed record AclGroup(string Reason, string Username, string Client, int Entries, long Count);

public sealed record CounterComparison(string Name, string Label, long? Delta, double? PerSec, double? BaselinePerSec, double? Ratio, double? PValue,
    bool Significant, string? Note);

public sealed record AclSection : CrossReferenceSection
{
    public int Entries { get; init; }
    public IReadOnlyList<AclGroup> Groups { get; init; } = [];
    public IReadOnlyList<CounterComparison> Counters { get; init; } = [];
}

/// <summary>What is new in a capture compared with the instance's history (the API's <c>cross-reference</c>).</summary>
public sealed record CrossReferenceReport
{
    public required string SessionId { get; init; }
    public required string Baseline { get; init; }
    public required BaselineWindow Window { get; init; }
    public long CaptureFromTs { get; init; }
    public long CaptureToTs { get; init; }
    public required ShapesSection Shapes { get; init; }
    public required HotKeysSection HotKeys { get; init; }
    public required SlowlogSection Slowlog { get; init; }
    public required AclSection Acl { get; init; }
    public DateTime ComputedAt { get; init; }
}
