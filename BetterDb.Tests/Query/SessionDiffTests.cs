using BetterDb.Core.Analysis;
using BetterDb.Core.Capture;

namespace BetterDb.Tests.Query;

/// <summary><see cref="SessionDiff"/> on crafted reports: every axis, with answers worked out by hand.</summary>
public sealed class SessionDiffTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static CaptureSession Session(string id, double seconds, string? connectionId = "c1") => new()
    {
        Id = id, Status = CaptureStatus.Completed, Source = CaptureSource.Manual, ConnectionId = connectionId,
        StartedAt = T0, EndedAt = T0.AddSeconds(seconds),
    };

    private static AnalysisReport Report(long lines, (string Cmd, long Count)[]? commands = null, (string Key, long Count)[]? keys = null,
        (string Prefix, long Count)[]? prefixes = null, (string Addr, long Count)[]? clients = null, long? distinctPrefixes = null, long? distinctClients = null) => new()
    {
        LineCount = lines,
        Commands = (commands ?? []).Select(c => new CommandCount(c.Cmd, c.Count, 0)).ToList(),
        TopKeys = (keys ?? []).Select(k => new KeyCount(k.Key, k.Count)).ToList(),
        TopPrefixes = (prefixes ?? []).Select(p => new PrefixCount(p.Prefix, p.Count)).ToList(),
        Clients = (clients ?? []).Select(c => new ClientCount(c.Addr, c.Count)).ToList(),
        DistinctPrefixes = distinctPrefixes ?? prefixes?.Length ?? 0,
        DistinctClients = distinctClients ?? clients?.Length ?? 0,
        DistinctKeys = keys?.Length ?? 0,
    };

    private static SessionShapeCounts Shapes(params (string Shape, long Count)[] shapes) =>
        new(shapes.Sum(s => s.Count), shapes.ToDictionary(s => s.Shape, s => s.Count), false);

    private static SessionDiffReport Diff(AnalysisReport capture, double captureSeconds, AnalysisReport baseline, double baselineSeconds,
        SessionShapeCounts? captureShapes = null, SessionShapeCounts? baselineShapes = null) =>
        SessionDiff.Compare(new DiffInput(Session("after", captureSeconds), capture, captureShapes ?? Shapes()),
            new DiffInput(Session("before", baselineSeconds), baseline, baselineShapes ?? Shapes()));

    [Fact]
    public void The_command_mix_is_compared_as_rates_of_each_captures_own_duration_biggest_movers_first()
    {
        // Raw counts say GET is unchanged (100 and 100); per second it doubled, because the capture is half as long.
        var after = Report(150, [("GET", 100), ("SET", 50)]);
        var before = Report(210, [("GET", 100), ("SET", 100), ("DEL", 10)]);
        var d = Diff(after, 5, before, 10);

        Assert.Equal(["GET", "DEL", "SET"], d.Commands.Rows.Select(r => r.Name));
        var get = d.Commands.Rows[0];
        Assert.Equal((20.0, 10.0, 10.0, 2.0, DiffChange.Up), (get.PerSec, get.BaselinePerSec, get.DeltaPerSec, get.Ratio!.Value, get.Change));
        var del = d.Commands.Rows[1];
        Assert.Equal((0.0, 1.0, -1.0, DiffChange.Vanished), (del.PerSec, del.BaselinePerSec, del.DeltaPerSec, del.Change));
        Assert.Null(del.Ratio);
        Assert.Equal(DiffChange.Same, d.Commands.Rows[2].Change);

        Assert.Equal((30.0, 21.0, 9.0, DiffChange.Up), (d.Throughput.LinesPerSec, d.Throughput.BaselineLinesPerSec, d.Throughput.DeltaPerSec, d.Throughput.Change));
        Assert.Equal((5.0, 10.0), (d.Capture.DurationSeconds, d.Baseline.DurationSeconds));
        Assert.Equal(("after", "before"), (d.SessionId, d.VsSessionId));
    }

    [Fact]
    public void New_and_vanished_shapes_come_from_the_shape_counts()
    {
        var d = Diff(Report(3), 1, Report(3), 1,
            Shapes(("GET:2", 10), ("HGETALL:2", 4), ("EVALSHA:abc", 2)), Shapes(("GET:2", 10), ("GET:3", 1), ("DEL:2", 7)));
        Assert.Equal(["HGETALL:2", "EVALSHA:abc"], d.Shapes.New.Select(s => s.Shape));
        Assert.Equal(["DEL:2", "GET:3"], d.Shapes.Vanished.Select(s => s.Shape));
        Assert.Equal(4.0, d.Shapes.New[0].PerSec);
        Assert.Equal((3, 3), (d.Shapes.CaptureShapes, d.Shapes.BaselineShapes));
    }

    [Fact]
    public void Hot_keys_new_in_the_top_rank_changes_and_keys_that_left()
    {
        var after = Report(200, keys: [("user:2", 70), ("user:1", 50), ("session:1", 25), ("user:3", 20)]);
        var before = Report(200, keys: [("user:1", 80), ("user:2", 60), ("user:3", 40), ("tmp:1", 1)]);
        var d = Diff(after, 5, before, 10);

        var added = Assert.Single(d.HotKeys.NewInTop);
        Assert.Equal(("session:1", 3, (int?)null, 5.0), (added.Key, added.Rank, added.BaselineRank, added.PerSec));
        Assert.Equal([("user:2", 1, 2, 1), ("user:1", 2, 1, -1), ("user:3", 4, 3, -1)],
            d.HotKeys.RankChanges.Select(c => (c.Key, c.Rank, c.BaselineRank!.Value, c.Change!.Value)));
        var left = Assert.Single(d.HotKeys.LeftTop);
        Assert.Equal(("tmp:1", 0, (int?)4), (left.Key, left.Rank, left.BaselineRank));
    }

    [Fact]
    public void A_prefix_or_client_absent_from_a_list_that_is_not_complete_is_not_called_vanished()
    {
        // The capture's lists keep its top only (3 prefixes and 9 clients counted): what it seems to lack may be further down.
        var cut = Report(100, prefixes: [("user:", 100)], clients: [("10.0.0.1:1", 100)], distinctPrefixes: 3, distinctClients: 9);
        var before = Report(100, prefixes: [("user:", 50), ("tmp:", 50)], clients: [("10.0.0.1:1", 50), ("10.0.0.3:3", 50)]);
        var d = Diff(cut, 1, before, 1);
        Assert.Equal(DiffChange.Down, d.Prefixes.Rows.Single(r => r.Name == "tmp:").Change);
        Assert.Empty(d.Clients.Vanished);
        Assert.Contains(d.Prefixes.Lacking, l => l.Contains("has 3 prefixes and its analysis keeps the top 1"));

        var whole = Report(100, prefixes: [("user:", 100)], clients: [("10.0.0.1:1", 100)]);
        d = Diff(whole, 1, before, 1);
        Assert.Equal(DiffChange.Vanished, d.Prefixes.Rows.Single(r => r.Name == "tmp:").Change);
        Assert.Equal(["10.0.0.3:3"], d.Clients.Vanished.Select(c => c.Addr));
        Assert.Empty(d.Prefixes.Lacking);
    }

    [Fact]
    public void Clients_are_told_by_address_and_by_the_name_the_history_knows()
    {
        var after = Report(100, clients: [("10.0.0.1:1", 60), ("10.0.0.2:9", 40)]);
        var before = Report(100, clients: [("10.0.0.1:1", 70), ("10.0.0.2:5", 30)]);
        var d = SessionDiff.Compare(
            new DiffInput(Session("after", 1), after, Shapes()) { ClientNames = new Dictionary<string, string> { ["10.0.0.2:9"] = "worker", ["10.0.0.1:1"] = "web" }, NameSnapshots = 2 },
            new DiffInput(Session("before", 1), before, Shapes()) { ClientNames = new Dictionary<string, string> { ["10.0.0.2:5"] = "worker", ["10.0.0.1:1"] = "web" }, NameSnapshots = 1 });

        var added = Assert.Single(d.Clients.New);
        Assert.Equal(("10.0.0.2:9", "worker", 40.0), (added.Addr, added.Name, added.PerSec));
        Assert.Equal(["10.0.0.2:5"], d.Clients.Vanished.Select(c => c.Addr));
        Assert.Equal(("10.0.0.1:1", DiffChange.Down), (d.Clients.Changed.Single().Addr, d.Clients.Changed.Single().Change));
        // The worker reconnected on a new port: a new address, the same name, busier.
        Assert.Equal([("web", DiffChange.Down), ("worker", DiffChange.Up)], d.Clients.Names.Select(n => (n.Name, n.Change)));
        Assert.Equal(2, d.Clients.Sources.Count);

        // Without history, names are unknown and the section says why.
        d = Diff(after, 1, before, 1);
        Assert.Null(d.Clients.New.Single().Name);
        Assert.Empty(d.Clients.Names);
        Assert.Contains(d.Clients.Lacking, l => l.Contains("client names are unknown"));
    }

    private static InferredTime Timing(long busyGaps, long idleGaps, params (string Cmd, long Median, long P99)[] busy) => new()
    {
        PerCommand = busy.Select(t => new CommandTiming(t.Cmd, 10, t.Median * 1000, 0, 0, t.P99 * 1000, 0, 0)).ToList(),
        Busy = new BusyTime
        {
            BusyGaps = busyGaps, IdleGaps = idleGaps, ThresholdUs = 64,
            PerCommand = busyGaps == 0 ? [] : busy.Select(t => new CommandTiming(t.Cmd, 10, t.Median, 0, 0, t.P99, 0, 0)).ToList(),
        },
    };

    [Fact]
    public void Inferred_time_is_meaningful_only_when_both_servers_were_busy()
    {
        var after = Report(10) with { InferredTime = Timing(90, 10, ("GET", 5, 40), ("SET", 8, 20)) };
        var before = Report(10) with { InferredTime = Timing(80, 20, ("GET", 4, 10), ("SET", 8, 21)) };
        var d = Diff(after, 1, before, 1);
        Assert.Equal(("busy", true), (d.InferredTime.Basis, d.InferredTime.Meaningful));
        Assert.Equal((0.9, 0.8), (d.InferredTime.BusyShare!.Value, d.InferredTime.BaselineBusyShare!.Value));
        var get = d.InferredTime.PerCommand[0];
        Assert.Equal(("GET", 1L, 30L, DiffChange.Up), (get.Cmd, get.MedianDeltaUs, get.P99DeltaUs, get.Change));
        Assert.Equal(DiffChange.Same, d.InferredTime.PerCommand[1].Change);

        // A mostly idle baseline: still compared inside busy stretches, but flagged.
        var idle = Report(10) with { InferredTime = Timing(10, 90, ("GET", 4, 10)) };
        d = Diff(after, 1, idle, 1);
        Assert.False(d.InferredTime.Meaningful);
        Assert.Contains(d.InferredTime.Lacking, l => l.Contains("mostly waiting"));

        // No busy stretch at all: every gap, said to be idle time.
        var quiet = Report(10) with { InferredTime = Timing(0, 100, ("GET", 50, 100)) };
        d = Diff(after, 1, quiet, 1);
        Assert.Equal(("all", false), (d.InferredTime.Basis, d.InferredTime.Meaningful));
        Assert.Equal(5000 - 50000, d.InferredTime.PerCommand.Single(t => t.Cmd == "GET").MedianDeltaUs);
        Assert.Contains(d.InferredTime.Lacking, l => l.Contains("no busy stretch"));
    }

    [Fact]
    public void Largest_arguments_compare_the_biggest_and_each_commands_largest()
    {
        var after = Report(3) with { LargestArguments = [new(1, "SET", "user:1", "a", 2, 1000), new(2, "HSET", "h", "a", 3, 10)] };
        var before = Report(3) with { LargestArguments = [new(1, "SET", "user:1", "a", 2, 100), new(2, "LPUSH", "l", "a", 2, 50)] };
        var d = Diff(after, 1, before, 1);
        Assert.Equal((1000L, 100L, 900L, DiffChange.Up), (d.LargestArguments.MaxBytes, d.LargestArguments.BaselineMaxBytes, d.LargestArguments.DeltaBytes, d.LargestArguments.Change));
        Assert.Equal([("SET", 900L), ("LPUSH", -50L), ("HSET", 10L)], d.LargestArguments.PerCommand.Select(p => (p.Cmd, p.DeltaBytes)));
    }

    [Fact]
    public void Rates_use_the_capture_span_at_least_one_second_and_a_filters_window()
    {
        var report = Report(10) with { FirstTs = 0, LastTs = 0 };
        Assert.Equal(1.0, SessionDiff.Seconds(new DiffInput(Session("x", 0.2), report, null)));
        Assert.Equal(60.0, SessionDiff.Seconds(new DiffInput(Session("x", 60), report, null)));
        var from = new DateTimeOffset(T0).ToUnixTimeMilliseconds();
        Assert.Equal(10.0, SessionDiff.Seconds(new DiffInput(Session("x", 60), report, null) { AfterTs = from + 20_000, BeforeTs = from + 30_000 }));
    }

    [Fact]
    public void The_analysis_counts_distinct_keys_prefixes_and_clients()
    {
        var acc = new AnalysisAccumulator();
        acc.Add("1700000000.000001 [0 127.0.0.1:1] \"SET\" \"user:1\" \"v\""u8);
        acc.Add("1700000000.000002 [0 127.0.0.1:2] \"GET\" \"user:2\""u8);
        acc.Add("1700000000.000003 [0 127.0.0.1:2] \"GET\" \"session:1\""u8);
        var r = acc.Build("s");
        Assert.Equal((3L, 2L, 2L), (r.DistinctKeys!.Value, r.DistinctPrefixes!.Value, r.DistinctClients!.Value));
    }
}
