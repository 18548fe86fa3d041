using System.Globalization;
using BetterDb.Core.Capture;

namespace BetterDb.Core.Analysis;

/// <summary>One side of a diff: the session and its aggregates (its analysis and command shapes), and the client names its history knows.</summary>
public sealed record DiffInput(CaptureSession Session, AnalysisReport Analysis, SessionShapeCounts? Shapes)
{
    /// <summary>Client address to name, from CLIENT LIST snapshots taken during the capture; null when there is no history to ask.</summary>
    public IReadOnlyDictionary<string, string>? ClientNames { get; init; }
    /// <summary>The CLIENT LIST snapshots <see cref="ClientNames"/> came from.</summary>
    public int NameSnapshots { get; init; }
    /// <summary>The time window of a filter (epoch ms), which bounds the duration rates are taken over.</summary>
    public long? AfterTs { get; init; }
    public long? BeforeTs { get; init; }
}

/// <summary>
/// Compares two captures from their aggregates only (never their lines), so it costs the same for 100 lines or 5 M:
/// the work is proportional to the lists the analysis keeps (commands, top 50 keys, prefixes and clients, shapes).
/// </summary>
public static class SessionDiff
{
    public const int TopK = 50;
    private const int ArgumentsShown = 10;

    public static SessionDiffReport Compare(DiffInput capture, DiffInput baseline)
    {
        var a = capture.Analysis;
        var b = baseline.Analysis;
        var sa = Seconds(capture);
        var sb = Seconds(baseline);
        return new SessionDiffReport
        {
            SessionId = capture.Session.Id,
            VsSessionId = baseline.Session.Id,
            Capture = Side(capture, sa),
            Baseline = Side(baseline, sb),
            Throughput = Throughput(a, b, sa, sb),
            Shapes = Shapes(capture.Shapes, baseline.Shapes, sa, sb),
            Commands = Commands(a, b, sa, sb),
            HotKeys = HotKeys(a, b, sa, sb),
            Prefixes = Prefixes(a, b, sa, sb),
            Clients = Clients(capture, baseline, sa, sb),
            InferredTime = Inferred(a, b),
            LargestArguments = Largest(a, b),
            ComputedAt = DateTime.UtcNow,
        };
    }

    /// <summary>
    /// A capture's own duration: from its start to its end (an import's first to last line), cut to a filter's time window;
    /// at least one second, so a capture of one instant does not make rates without bound.
    /// </summary>
    public static double Seconds(DiffInput side)
    {
        var s = side.Session;
        long from = Ms(s.StartedAt), to = Ms(s.EndedAt ?? s.StartedAt);
        if (to <= from && side.Analysis is { FirstTs: { } f, LastTs: { } l }) (from, to) = (f, l);
        if (side.AfterTs is { } after) from = Math.Max(from, after);
        if (side.BeforeTs is { } before) to = Math.Min(to, before);
        return Math.Max(1.0, (to - from) / 1000.0);
    }

    private static long Ms(DateTime t) => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    private static double Rate(long count, double seconds) => Math.Round(count / seconds, 3);

    private static double? Ratio(double value, double baseline) => baseline > 0 ? Math.Round(value / baseline, 3) : null;

    private static string N(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    private static DiffSide Side(DiffInput input, double seconds) => new()
    {
        SessionId = input.Session.Id,
        ConnectionId = input.Session.ConnectionId,
        ConnectionName = input.Session.ConnectionName,
        Source = input.Session.Source,
        Label = input.Session.Label,
        StartedAt = input.Session.StartedAt,
        EndedAt = input.Session.EndedAt,
        LineCount = input.Analysis.LineCount,
        DurationSeconds = Math.Round(seconds, 3),
        LinesPerSec = Rate(input.Analysis.LineCount, seconds),
        CountsExact = input.Analysis.CountsExact,
        MaxCountError = input.Analysis.MaxCountError,
    };

    private static DiffThroughput Throughput(AnalysisReport a, AnalysisReport b, double sa, double sb)
    {
        var ra = Rate(a.LineCount, sa);
        var rb = Rate(b.LineCount, sb);
        return new DiffThroughput
        {
            LinesPerSec = ra, BaselineLinesPerSec = rb, DeltaPerSec = Math.Round(ra - rb, 3), Ratio = Ratio(ra, rb),
            Change = DiffChange.Of(ra, rb), Lines = a.LineCount, BaselineLines = b.LineCount,
            PeakSecond = a.Timeline.Count == 0 ? 0 : a.Timeline.Max(t => t.Count),
            BaselinePeakSecond = b.Timeline.Count == 0 ? 0 : b.Timeline.Max(t => t.Count),
            Malformed = a.MalformedCount, BaselineMalformed = b.MalformedCount,
        };
    }

    /// <summary>Rows for every name of either side, biggest absolute change of rate first (ties by name).</summary>
    private static List<RateDelta> Rates(IEnumerable<(string Name, long Count)> capture, IEnumerable<(string Name, long Count)> baseline, double sa, double sb,
        bool captureComplete = true, bool baselineComplete = true)
    {
        var mine = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, n) in capture) mine[name] = mine.GetValueOrDefault(name) + n;
        var theirs = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, n) in baseline) theirs[name] = theirs.GetValueOrDefault(name) + n;
        var rows = new List<RateDelta>();
        foreach (var name in mine.Keys.Concat(theirs.Keys).Distinct(StringComparer.Ordinal))
        {
            var inA = mine.TryGetValue(name, out var ca);
            var inB = theirs.TryGetValue(name, out var cb);
            var ra = Rate(ca, sa);
            var rb = Rate(cb, sb);
            // Absent from a list that is not complete is "below its top", not "gone": only a complete list can say new or vanished.
            var change = DiffChange.Of(ra, rb, inA || !captureComplete, inB || !baselineComplete);
            rows.Add(new RateDelta(name, ca, ra, cb, rb, Math.Round(ra - rb, 3), inA && inB ? Ratio(ra, rb) : null, change));
        }
        return rows.OrderByDescending(r => Math.Abs(r.DeltaPerSec)).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    private static DiffCommands Commands(AnalysisReport a, AnalysisReport b, double sa, double sb)
    {
        var lacking = new List<string>();
        if (a.Commands.Any(c => c.Cmd == AnalysisAccumulator.OtherCommands) || b.Commands.Any(c => c.Cmd == AnalysisAccumulator.OtherCommands))
            lacking.Add($"more than {AnalysisAccumulator.MaxCommands} distinct verbs: the rest are counted together as {AnalysisAccumulator.OtherCommands}");
        return new DiffCommands
        {
            Rows = Rates(a.Commands.Select(c => (c.Cmd, c.Count)), b.Commands.Select(c => (c.Cmd, c.Count)), sa, sb),
            Lacking = lacking,
        };
    }

    private static DiffShapes Shapes(SessionShapeCounts? a, SessionShapeCounts? b, double sa, double sb)
    {
        if (a is null || b is null)
            return new DiffShapes { Lacking = ["the command shapes of " + (a is null ? "this capture" : "the other capture") + " could not be counted"] };
        var lacking = new List<string>();
        if (a.Capped || b.Capped)
            lacking.Add($"a capture has more than {ShapeCounter.MaxShapes:#,0} shapes; the rest are counted together as {ShapeCounter.Other}, so some new or vanished shapes may be hidden there");
        var isNew = a.Shapes.Where(kv => kv.Key != ShapeCounter.Other && !b.Shapes.ContainsKey(kv.Key))
            .Select(kv => new ShapeRate(kv.Key, kv.Value, Rate(kv.Value, sa)))
            .OrderByDescending(s => s.Count).ThenBy(s => s.Shape, StringComparer.Ordinal).ToList();
        var vanished = b.Shapes.Where(kv => kv.Key != ShapeCounter.Other && !a.Shapes.ContainsKey(kv.Key))
            .Select(kv => new ShapeRate(kv.Key, kv.Value, Rate(kv.Value, sb)))
            .OrderByDescending(s => s.Count).ThenBy(s => s.Shape, StringComparer.Ordinal).ToList();
        return new DiffShapes { CaptureShapes = a.Shapes.Count, BaselineShapes = b.Shapes.Count, New = isNew, Vanished = vanished, Lacking = lacking };
    }

    private static DiffHotKeys HotKeys(AnalysisReport a, AnalysisReport b, double sa, double sb)
    {
        var lacking = new List<string>();
        if (!a.CountsExact || !b.CountsExact)
            lacking.Add($"key counts are approximate (within {N(Math.Max(a.MaxCountError, b.MaxCountError))}): ranks near a tie may be swapped");
        var mine = a.TopKeys.Take(TopK).ToList();
        var theirs = b.TopKeys.Take(TopK).ToList();
        if (mine.Count == 0) lacking.Add("this capture has no keys (no command with a key argument)");
        if (theirs.Count == 0) lacking.Add("the other capture has no keys, so every hot key is new");
        var ranks = theirs.Select((k, i) => (k, i)).ToDictionary(x => x.k.Key, x => (Rank: x.i + 1, x.k.Count), StringComparer.Ordinal);
        var newInTop = new List<DiffHotKey>();
        var changes = new List<DiffHotKey>();
        for (var i = 0; i < mine.Count; i++)
        {
            var k = mine[i];
            var rank = i + 1;
            if (ranks.TryGetValue(k.Key, out var before))
            {
                if (before.Rank != rank)
                    changes.Add(new DiffHotKey(k.Key, rank, before.Rank, before.Rank - rank, k.Count, Rate(k.Count, sa), before.Count, Rate(before.Count, sb)));
            }
            else newInTop.Add(new DiffHotKey(k.Key, rank, null, null, k.Count, Rate(k.Count, sa), null, null));
        }
        var mineKeys = mine.Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
        var left = theirs.Select((k, i) => (k, Rank: i + 1)).Where(x => !mineKeys.Contains(x.k.Key))
            .Select(x => new DiffHotKey(x.k.Key, 0, x.Rank, null, 0, 0, x.k.Count, Rate(x.k.Count, sb))).ToList();
        return new DiffHotKeys
        {
            TopK = TopK, NewInTop = newInTop, LeftTop = left, Lacking = lacking,
            RankChanges = changes.OrderByDescending(c => Math.Abs(c.Change!.Value)).ThenBy(c => c.Rank).ToList(),
        };
    }

    private static bool Complete(int listed, long? distinct, bool exact) => exact && distinct is { } d && listed >= d;

    private static string Incomplete(string what, string side, int listed, long? distinct) => distinct is { } d
        ? $"{side} has {N(d)} {what} and its analysis keeps the top {N(listed)}: one below that is not called new or vanished"
        : $"{side}'s analysis was stored before it counted distinct {what}: one absent from its top {N(listed)} is not called new or vanished";

    private static DiffPrefixes Prefixes(AnalysisReport a, AnalysisReport b, double sa, double sb)
    {
        var lacking = new List<string>();
        var ca = Complete(a.TopPrefixes.Count, a.DistinctPrefixes, a.CountsExact);
        var cb = Complete(b.TopPrefixes.Count, b.DistinctPrefixes, b.CountsExact);
        if (!ca) lacking.Add(Incomplete("prefixes", "this capture", a.TopPrefixes.Count, a.DistinctPrefixes));
        if (!cb) lacking.Add(Incomplete("prefixes", "the other capture", b.TopPrefixes.Count, b.DistinctPrefixes));
        if (a.PrefixDelimiter != b.PrefixDelimiter) lacking.Add($"the two analyses cut prefixes at different delimiters ('{a.PrefixDelimiter}' and '{b.PrefixDelimiter}')");
        return new DiffPrefixes
        {
            Rows = Rates(a.TopPrefixes.Select(p => (p.Prefix, p.Count)), b.TopPrefixes.Select(p => (p.Prefix, p.Count)), sa, sb, ca, cb),
            Delimiter = a.PrefixDelimiter,
            Lacking = lacking,
        };
    }

    private static DiffClients Clients(DiffInput capture, DiffInput baseline, double sa, double sb)
    {
        var a = capture.Analysis;
        var b = baseline.Analysis;
        var sources = new List<string>();
        var lacking = new List<string>();
        var ca = Complete(a.Clients.Count, a.DistinctClients, a.CountsExact);
        var cb = Complete(b.Clients.Count, b.DistinctClients, b.CountsExact);
        if (!ca) lacking.Add(Incomplete("clients", "this capture", a.Clients.Count, a.DistinctClients));
        if (!cb) lacking.Add(Incomplete("clients", "the other capture", b.Clients.Count, b.DistinctClients));
        var namesA = capture.ClientNames ?? new Dictionary<string, string>();
        var namesB = baseline.ClientNames ?? new Dictionary<string, string>();
        foreach (var (side, input) in new[] { ("this capture", capture), ("the other capture", baseline) })
        {
            if (input.ClientNames is null) lacking.Add($"{side} has no connection with instance history: its client names are unknown");
            else if (input.NameSnapshots == 0) lacking.Add($"no CLIENT LIST snapshot was taken during {side}: its client names are unknown");
            else sources.Add($"{input.NameSnapshots} CLIENT LIST {(input.NameSnapshots == 1 ? "snapshot" : "snapshots")} taken during {side} ({input.ClientNames.Count} named clients)");
        }
        string? NameOf(string addr) => namesA.GetValueOrDefault(addr) ?? namesB.GetValueOrDefault(addr);

        var rows = Rates(a.Clients.Select(c => (c.Addr, c.Count)), b.Clients.Select(c => (c.Addr, c.Count)), sa, sb, ca, cb)
            .Select(r => new ClientDelta(r.Name, NameOf(r.Name), r.Count, r.PerSec, r.BaselineCount, r.BaselinePerSec, r.DeltaPerSec, r.Change)).ToList();
        var isNew = rows.Where(r => r.Change == DiffChange.New).OrderByDescending(r => r.Count).ThenBy(r => r.Addr, StringComparer.Ordinal).ToList();
        var vanished = rows.Where(r => r.Change == DiffChange.Vanished).OrderByDescending(r => r.BaselineCount).ThenBy(r => r.Addr, StringComparer.Ordinal).ToList();
        var changed = rows.Where(r => r.Count > 0 && r.BaselineCount > 0).ToList();

        // By name: a client that reconnects gets a new port, so its address is new while its name is not.
        var names = new List<ClientNameDelta>();
        if (namesA.Count > 0 || namesB.Count > 0)
        {
            var byA = a.Clients.Where(c => namesA.ContainsKey(c.Addr)).GroupBy(c => namesA[c.Addr]).ToDictionary(g => g.Key, g => (Addrs: g.Count(), Count: g.Sum(c => c.Count)));
            var byB = b.Clients.Where(c => namesB.ContainsKey(c.Addr)).GroupBy(c => namesB[c.Addr]).ToDictionary(g => g.Key, g => (Addrs: g.Count(), Count: g.Sum(c => c.Count)));
            foreach (var name in byA.Keys.Concat(byB.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                var inA = byA.TryGetValue(name, out var x);
                var inB = byB.TryGetValue(name, out var y);
                names.Add(new ClientNameDelta(name, x.Addrs, y.Addrs, x.Count, y.Count, DiffChange.Of(Rate(x.Count, sa), Rate(y.Count, sb), inA, inB)));
            }
        }
        return new DiffClients { New = isNew, Vanished = vanished, Changed = changed, Names = names, Sources = sources, Lacking = lacking };
    }

    /// <summary>Share of gaps that were busy (not idle), null when the analysis predates busy time or saw no gap.</summary>
    private static double? BusyShare(BusyTime? busy) =>
        busy is { } x && x.BusyGaps + x.IdleGaps > 0 ? Math.Round((double)x.BusyGaps / (x.BusyGaps + x.IdleGaps), 3) : null;

    /// <summary>A capture is of a busy server when at least this share of its gaps are busy (the next command was already waiting).</summary>
    public const double BusyShareNeeded = 0.5;

    private static DiffInferredTime Inferred(AnalysisReport a, AnalysisReport b)
    {
        var lacking = new List<string>();
        var shareA = BusyShare(a.InferredTime.Busy);
        var shareB = BusyShare(b.InferredTime.Busy);
        var busyA = a.InferredTime.Busy?.PerCommand ?? [];
        var busyB = b.InferredTime.Busy?.PerCommand ?? [];
        // Busy stretches on both sides, as the analysis shows them; otherwise every gap, idle time included, said plainly.
        var useBusy = busyA.Count > 0 && busyB.Count > 0;
        var ta = useBusy ? busyA : a.InferredTime.PerCommand;
        var tb = useBusy ? busyB : b.InferredTime.PerCommand;
        var meaningful = useBusy && shareA >= BusyShareNeeded && shareB >= BusyShareNeeded;
        if (!useBusy)
            lacking.Add(a.InferredTime.Busy is null || b.InferredTime.Busy is null
                ? "an analysis was stored before busy stretches were told apart: figures include idle time"
                : "a capture has no busy stretch (its commands are further apart than the busy threshold): these are gaps between commands, mostly idle time, not what commands cost");
        else if (!meaningful)
            lacking.Add($"fewer than {BusyShareNeeded:P0} of a capture's gaps are busy: the server was mostly waiting for its clients, so these times say little about the commands");
        var byCmd = tb.ToDictionary(t => t.Cmd, StringComparer.Ordinal);
        var rows = new List<TimingDelta>();
        foreach (var t in ta)
        {
            if (!byCmd.TryGetValue(t.Cmd, out var o)) continue;
            rows.Add(new TimingDelta(t.Cmd, t.Count, o.Count, t.MedianUs, o.MedianUs, t.MedianUs - o.MedianUs, t.P99Us, o.P99Us, t.P99Us - o.P99Us,
                DiffChange.Of(t.P99Us, o.P99Us)));
        }
        var onlyOne = ta.Count(t => !byCmd.ContainsKey(t.Cmd)) + tb.Count(t => ta.All(x => x.Cmd != t.Cmd));
        if (onlyOne > 0) lacking.Add($"{onlyOne} {(onlyOne == 1 ? "command is" : "commands are")} timed on one side only (see the command mix)");
        return new DiffInferredTime
        {
            Basis = useBusy ? "busy" : "all", Meaningful = meaningful, BusyShare = shareA, BaselineBusyShare = shareB,
            ThresholdUs = a.InferredTime.Busy?.ThresholdUs, BaselineThresholdUs = b.InferredTime.Busy?.ThresholdUs,
            PerCommand = rows.OrderByDescending(r => Math.Abs(r.P99DeltaUs)).ThenBy(r => r.Cmd, StringComparer.Ordinal).ToList(),
            Lacking = lacking,
        };
    }

    private static DiffLargestArguments Largest(AnalysisReport a, AnalysisReport b)
    {
        var lacking = new List<string>();
        var maxA = a.LargestArguments.Count == 0 ? 0 : a.LargestArguments.Max(x => x.Bytes);
        var maxB = b.LargestArguments.Count == 0 ? 0 : b.LargestArguments.Max(x => x.Bytes);
        if (a.LargestArguments.Count == 0 && b.LargestArguments.Count == 0) lacking.Add("neither capture has a command with arguments");
        var perA = a.LargestArguments.GroupBy(x => x.Cmd).ToDictionary(g => g.Key, g => g.Max(x => x.Bytes), StringComparer.Ordinal);
        var perB = b.LargestArguments.GroupBy(x => x.Cmd).ToDictionary(g => g.Key, g => g.Max(x => x.Bytes), StringComparer.Ordinal);
        var rows = perA.Keys.Concat(perB.Keys).Distinct(StringComparer.Ordinal).Select(cmd =>
        {
            var inA = perA.TryGetValue(cmd, out var x);
            var inB = perB.TryGetValue(cmd, out var y);
            // Each side keeps its 20 largest arguments: a command missing from one list had smaller ones, not none.
            return new ArgumentSizeDelta(cmd, x, y, x - y, DiffChange.Of(x, y));
        }).OrderByDescending(r => Math.Abs(r.DeltaBytes)).ThenBy(r => r.Cmd, StringComparer.Ordinal).ToList();
        if (rows.Count > 0) lacking.Add("each capture keeps its 20 largest arguments: a command shown with 0 bytes on one side had only smaller ones there");
        return new DiffLargestArguments
        {
            MaxBytes = maxA, BaselineMaxBytes = maxB, DeltaBytes = maxA - maxB, Change = DiffChange.Of(maxA, maxB), PerCommand = rows,
            Capture = a.LargestArguments.Take(ArgumentsShown).ToList(), Baseline = b.LargestArguments.Take(ArgumentsShown).ToList(), Lacking = lacking,
        };
    }
}
