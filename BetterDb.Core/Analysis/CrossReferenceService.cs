using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.History;
using BetterDb.Core.Lines;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Analysis;

/// <summary>
/// Compares a finished capture with its connection's recent history on four axes, each saying which evidence it rests on
/// and what it lacked:
/// <list type="bullet">
/// <item>command shapes: the capture's against earlier captures on this connection in the window first, then SLOWLOG and
///   COMMANDLOG entries, then CLIENT LIST's last commands (a verb seen there covers every arity of it, not a script);
///   shapes the earlier captures had and this one lacks are listed as vanished;</item>
/// <item>hot keys (top 50): against the earlier captures' top keys, else the keys in slowlog/commandlog arguments;</item>
/// <item>slowlog regressions: per verb, slow entries per second in the capture against the verb's own rate in the window,
///   flagged by <see cref="PoissonRateTest"/> at <see cref="Alpha"/> (Bonferroni over the verbs tested);</item>
/// <item>ACL/auth: ACL LOG entries that overlap the capture, grouped by reason, user and client, and the INFO counter
///   deltas of the capture's boundary snapshots against the window's typical rate (from the stored INFO samples).</item>
/// </list>
/// Results are kept a few minutes per (session, baseline), so switching back to a baseline is instant.
/// </summary>
public sealed class CrossReferenceService(
    IDbContextFactory<BetterDbContext> contexts,
    SessionLines lines,
    SessionAnalysis analysis,
    HistoryReader history,
    SessionServerStatsService serverStats,
    HistoryCollectors? collectors = null)
{
    public const double Alpha = 0.01;
    public const int TopK = 50;
    public static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] AllLogs = ["slowlog", CommandLogTypes.Slow, CommandLogTypes.LargeRequest, CommandLogTypes.LargeReply];
    private static readonly string[] SlowLogs = ["slowlog"];

    private readonly ConcurrentDictionary<(string, string), (CrossReferenceReport Report, DateTime Until)> _cache = new();
    private long _computations;

    /// <summary>How many reports were computed (not served from the cache).</summary>
    public long Computations => Interlocked.Read(ref _computations);

    /// <returns>null when there is no such session</returns>
    /// <exception cref="InvalidInputException">an unknown baseline (the message lists the allowed ones)</exception>
    /// <exception cref="ConflictException">the capture is still running</exception>
    public async Task<CrossReferenceReport?> GetAsync(string sessionId, string? baseline, CancellationToken ct = default)
    {
        if (baseline is null || !Baselines.All.Contains(baseline)) Baselines.Window(baseline, 0, 0); // throws, naming the values
        if (_cache.TryGetValue((sessionId, baseline!), out var hit) && hit.Until > DateTime.UtcNow) return hit.Report;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var session = await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, ct);
        if (session is null) return null;
        if (session.Status == CaptureStatus.Running.Word())
            throw new ConflictException("The capture is still running: a cross-reference compares a finished capture with its history.");
        var report = await ComputeAsync(session, baseline!, ct);
        Interlocked.Increment(ref _computations);
        if (_cache.Count > 200) _cache.Clear();
        _cache[(sessionId, baseline!)] = (report, DateTime.UtcNow + CacheFor);
        return report;
    }

    private async Task<CrossReferenceReport> ComputeAsync(SessionEntity session, string baseline, CancellationToken ct)
    {
        var start = Ms(session.StartedAt);
        var end = Math.Max(start + 1, Ms(session.EndedAt ?? session.StartedAt));
        var window = Baselines.Window(baseline, start, end);
        var connectionId = session.ConnectionId;

        var earlier = connectionId is null ? [] : await EarlierCapturesAsync(db: null, connectionId, session.Id, window, ct);
        var historyStart = connectionId is null ? null : await history.FirstLogTsAsync(connectionId, ct);
        var covered = Coverage(window, historyStart);
        // Slowlog timestamps are whole seconds: the capture's window starts at its second, and the baseline ends there, so
        // an entry of the capture's first second is the capture's only, never counted on both sides.
        var logsTo = Math.Min(window.ToTs, start / 1000 * 1000);
        var baselineLogs = connectionId is null ? [] : (await history.LogRangeAsync(connectionId, AllLogs, window.FromTs, logsTo, ct)).Where(e => !e.IsOwn).ToList();
        var captureLogs = connectionId is null ? [] : (await history.LogRangeAsync(connectionId, AllLogs, start / 1000 * 1000, end + 1, ct)).Where(e => !e.IsOwn).ToList();
        var report = await SafeAnalysisAsync(session.Id, ct);

        return new CrossReferenceReport
        {
            SessionId = session.Id,
            Baseline = baseline,
            Window = window,
            CaptureFromTs = start,
            CaptureToTs = end,
            Shapes = await ShapesAsync(session, connectionId, window, earlier, baselineLogs, historyStart, ct),
            HotKeys = await HotKeysAsync(report, earlier, baselineLogs, window, historyStart, ct),
            Slowlog = await SlowlogAsync(connectionId, start, end, window, covered, historyStart, baselineLogs, captureLogs, ct),
            Acl = await AclAsync(session.Id, connectionId, start, end, window, ct),
            ComputedAt = DateTime.UtcNow,
        };
    }

    private static long Ms(DateTime t) => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    private static DateTime FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;

    private static string Time(long ms) => FromMs(ms).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string N(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>Seconds of the window the history covers (it starts when the collectors first read this connection).</summary>
    private static double Coverage(BaselineWindow window, long? historyStart)
    {
        if (historyStart is not { } h) return 0;
        var from = Math.Max(window.FromTs, h);
        return Math.Max(0, (window.ToTs - from) / 1000.0);
    }

    private static string? HistoryLacking(BaselineWindow window, long? historyStart) => historyStart switch
    {
        null => "no instance history for this connection (the collectors never read it)",
        { } h when h >= window.ToTs => $"the instance history starts at {Time(h)}, after the window",
        { } h when h > window.FromTs => $"the instance history starts at {Time(h)}: the window is covered from then on only",
        _ => null,
    };

    private async Task<List<SessionEntity>> EarlierCapturesAsync(BetterDbContext? db, string connectionId, string sessionId, BaselineWindow window, CancellationToken ct)
    {
        await using var own = await contexts.CreateDbContextAsync(ct);
        var from = FromMs(window.FromTs);
        var to = FromMs(window.ToTs);
        return await own.Sessions.AsNoTracking()
            .Where(s => s.ConnectionId == connectionId && s.Id != sessionId && s.Source != CaptureSource.Import.Word()
                        && s.Status != CaptureStatus.Running.Word() && s.Status != CaptureStatus.Skipped.Word() && s.LineCount > 0
                        && s.StartedAt >= from && s.StartedAt < to)
            .OrderBy(s => s.StartedAt).Take(500).ToListAsync(ct);
    }

    private async Task<AnalysisReport?> SafeAnalysisAsync(string sessionId, CancellationToken ct)
    {
        try { return await analysis.GetAsync(sessionId, ct: ct); }
        catch (Exception ex) when (ex is not OperationCanceledException) { return null; }
    }

    /// <summary>A session's shapes: stored after the first count (a finished session's lines do not change).</summary>
    public async Task<SessionShapeCounts> ShapesOfAsync(string sessionId, CancellationToken ct = default)
    {
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var stored = await db.SessionShapes.AsNoTracking().FirstOrDefaultAsync(s => s.SessionId == sessionId, ct);
            if (stored is not null) return JsonSerializer.Deserialize<SessionShapeCounts>(stored.Json, Json)!;
        }
        var counter = new ShapeCounter();
        await lines.ScanAsync(sessionId, LineFilter.None, counter, ct);
        var result = counter.Result();
        await using var save = await contexts.CreateDbContextAsync(ct);
        if (!await save.SessionShapes.AnyAsync(s => s.SessionId == sessionId, ct))
        {
            save.SessionShapes.Add(new SessionShapesEntity { SessionId = sessionId, ComputedAt = DateTime.UtcNow, Json = JsonSerializer.Serialize(result, Json) });
            try { await save.SaveChangesAsync(ct); }
            catch (DbUpdateException ex) when (StorageErrors.IsUniqueViolation(ex)) { }
        }
        return result;
    }

    private async Task<ShapesSection> ShapesAsync(SessionEntity session, string? connectionId, BaselineWindow window, List<SessionEntity> earlier,
        List<LogItem> baselineLogs, long? historyStart, CancellationToken ct)
    {
        var sources = new List<string>();
        var lacking = new List<string>();
        var mine = await ShapesOfAsync(session.Id, ct);
        sources.Add($"this capture: {N(mine.Lines)} lines, {N(mine.Shapes.Count)} shapes");
        if (mine.Capped) lacking.Add($"the capture has more than {N(ShapeCounter.MaxShapes)} shapes; the rest are counted as {ShapeCounter.Other}");

        var fromCaptures = new Dictionary<string, long>(StringComparer.Ordinal);
        long earlierLines = 0;
        foreach (var s in earlier)
        {
            var shapes = await ShapesOfAsync(s.Id, ct);
            earlierLines += shapes.Lines;
            foreach (var (shape, n) in shapes.Shapes) fromCaptures[shape] = fromCaptures.GetValueOrDefault(shape) + n;
        }
        if (earlier.Count > 0) sources.Add($"{earlier.Count} earlier {(earlier.Count == 1 ? "capture" : "captures")} on this connection in {window.Description} ({N(earlierLines)} lines)");

        var fromLogs = baselineLogs.Where(e => e.Args is { Count: > 0 }).Select(e => CommandShapes.Of(e.Args!, e.Arity)).ToHashSet(StringComparer.Ordinal);
        if (baselineLogs.Count > 0) sources.Add($"SLOWLOG/COMMANDLOG: {N(baselineLogs.Count)} entries in the window");

        var (clientVerbs, snapshots) = connectionId is null ? ((IReadOnlySet<string>)new HashSet<string>(), 0)
            : await history.ClientCommandsAsync(connectionId, window.FromTs, window.ToTs, ct);
        var verbs = clientVerbs.Select(c => (c.Contains('|') ? c[..c.IndexOf('|')] : c).ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);
        if (snapshots > 0) sources.Add($"CLIENT LIST: {N(snapshots)} snapshots, whose last commands cover every arity of {N(verbs.Count)} verbs (not scripts)");

        if (earlier.Count == 0)
        {
            var rest = new List<string>();
            if (baselineLogs.Count > 0) rest.Add("slowlog/commandlog");
            if (snapshots > 0) rest.Add("CLIENT LIST");
            lacking.Add(rest.Count == 0
                ? "no earlier capture in this window, no slowlog/commandlog entry and no CLIENT LIST snapshot: every shape counts as new"
                : $"no earlier capture in this window; baseline from {string.Join(" and ", rest)} only (they sample what ran, so more shapes look new)");
        }
        else
        {
            if (baselineLogs.Count == 0) lacking.Add("no slowlog/commandlog entries in the window");
            if (snapshots == 0) lacking.Add("no CLIENT LIST snapshot in the window");
        }
        if (HistoryLacking(window, historyStart) is { } h && earlier.Count == 0) lacking.Add(h);

        var isNew = mine.Shapes
            .Where(kv => kv.Key != ShapeCounter.Other && !fromCaptures.ContainsKey(kv.Key) && !fromLogs.Contains(kv.Key)
                         && (CommandShapes.IsScriptShape(kv.Key) || !verbs.Contains(CommandShapes.VerbOf(kv.Key))))
            .Select(kv => new ShapeCount(kv.Key, kv.Value)).OrderByDescending(s => s.Count).ThenBy(s => s.Shape, StringComparer.Ordinal).ToList();
        var vanished = fromCaptures.Where(kv => kv.Key != ShapeCounter.Other && !mine.Shapes.ContainsKey(kv.Key))
            .Select(kv => new ShapeCount(kv.Key, kv.Value)).OrderByDescending(s => s.Count).ThenBy(s => s.Shape, StringComparer.Ordinal).ToList();
        if (earlier.Count == 0) lacking.Add("vanished shapes need an earlier capture (slowlog and CLIENT LIST only sample what ran)");
        return new ShapesSection
        {
            Sources = sources, Lacking = lacking, CaptureShapes = mine.Shapes.Count, New = isNew, Vanished = vanished, BaselineCaptures = earlier.Count,
        };
    }

    private async Task<HotKeysSection> HotKeysAsync(AnalysisReport? report, List<SessionEntity> earlier, List<LogItem> baselineLogs, BaselineWindow window,
        long? historyStart, CancellationToken ct)
    {
        var sources = new List<string>();
        var lacking = new List<string>();
        if (report is null)
            return new HotKeysSection { TopK = TopK, Sources = sources, Lacking = ["the capture's analysis could not be read"] };
        var mine = report.TopKeys.Take(TopK).ToList();
        sources.Add($"this capture's top {mine.Count} keys (its analysis)");
        if (!report.CountsExact) lacking.Add($"the capture's key counts are approximate (within {N(report.MaxCountError)})");

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        if (earlier.Count > 0)
        {
            var read = 0;
            foreach (var s in earlier)
            {
                var r = await SafeAnalysisAsync(s.Id, ct);
                if (r is null) continue;
                read++;
                foreach (var k in r.TopKeys) counts[k.Key] = counts.GetValueOrDefault(k.Key) + k.Count;
            }
            sources.Add($"the top keys of {read} earlier {(read == 1 ? "capture" : "captures")} in {window.Description}, added up");
            if (read > 1) lacking.Add("each earlier capture keeps its top 50 only: a key below that in every one of them counts as absent");
        }
        else
        {
            foreach (var e in baselineLogs.Where(e => e.Args is { Count: > 1 } && e.Command is not null))
                foreach (var key in KeyExtractor.Keys(e.Command!, e.Args!.Skip(1).ToList()))
                    counts[key] = counts.GetValueOrDefault(key) + 1;
            lacking.Add(counts.Count > 0
                ? "no earlier capture in this window; baseline ranks from the keys in slowlog/commandlog arguments only"
                : "no earlier capture in this window and no keys in slowlog/commandlog entries: nothing to rank against");
            if (counts.Count > 0) sources.Add($"keys in {N(baselineLogs.Count)} slowlog/commandlog entries of the window");
            if (HistoryLacking(window, historyStart) is { } h) lacking.Add(h);
        }
        var baselineRanks = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(TopK)
            .Select((kv, i) => (kv.Key, Rank: i + 1)).ToDictionary(x => x.Key, x => x.Rank, StringComparer.Ordinal);
        if (baselineRanks.Count == 0)
            return new HotKeysSection { TopK = TopK, Sources = sources, Lacking = lacking };

        var newInTop = new List<HotKey>();
        var changes = new List<HotKeyChange>();
        for (var i = 0; i < mine.Count; i++)
        {
            var rank = i + 1;
            if (baselineRanks.TryGetValue(mine[i].Key, out var before))
            {
                if (before != rank) changes.Add(new HotKeyChange(mine[i].Key, rank, before, before - rank, mine[i].Count));
            }
            else newInTop.Add(new HotKey(mine[i].Key, rank, mine[i].Count, null));
        }
        var mineKeys = mine.Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
        var left = baselineRanks.Where(kv => !mineKeys.Contains(kv.Key)).OrderBy(kv => kv.Value)
            .Select(kv => new HotKey(kv.Key, 0, counts[kv.Key], kv.Value)).ToList();
        return new HotKeysSection
        {
            TopK = TopK, Sources = sources, Lacking = lacking, NewInTop = newInTop,
            RankChanges = changes.OrderByDescending(c => Math.Abs(c.Change)).ThenBy(c => c.Rank).ToList(), LeftTop = left,
        };
    }

    private async Task<SlowlogSection> SlowlogAsync(string? connectionId, long start, long end, BaselineWindow window, double covered, long? historyStart,
        List<LogItem> baselineAll, List<LogItem> captureAll, CancellationToken ct)
    {
        var sources = new List<string>();
        var lacking = new List<string>();
        var captureSeconds = Math.Max(1, (end - start) / 1000.0);
        if (connectionId is null)
            return new SlowlogSection { CaptureSeconds = captureSeconds, Lacking = ["the session has no connection, so no slowlog history"] };
        var baseline = baselineAll.Where(e => e.Log == "slowlog").ToList();
        var capture = captureAll.Where(e => e.Log == "slowlog").ToList();
        sources.Add($"SLOWLOG entries of the capture ({N(capture.Count)} in {captureSeconds:0.#} s)");
        sources.Add($"SLOWLOG entries of {window.Description} ({N(baseline.Count)} in the {covered:0} s the history covers)");
        if (HistoryLacking(window, historyStart) is { } h) lacking.Add(h);
        var gaps = await history.GapsAsync(connectionId, SlowLogs, window.FromTs, end + 1, ct);
        if (gaps.Count > 0)
            lacking.Add($"{N(gaps.Sum(g => g.Missed ?? 0))} slowlog entries were missed in the window or the capture (the ring overflowed between polls): rates there are lower bounds");
        if (collectors?.Status(connectionId)?.Collectors.FirstOrDefault(c => c.Name == CollectorNames.Slowlog) is { LastSuccessAt: { } last }
            && Ms(last) < end)
            lacking.Add($"the slowlog was last read at {Time(Ms(last))}, before the capture ended: its last entries may be missing");

        var verbs = capture.Select(e => e.Command!).Distinct(StringComparer.Ordinal).ToList();
        var results = new List<VerbRegression>();
        if (covered <= 0 && verbs.Count > 0) lacking.Add("no slowlog history in the window: the capture's slow entries have nothing to be compared with");
        foreach (var verb in verbs)
        {
            var k1 = capture.Count(e => e.Command == verb);
            var k0 = baseline.Count(e => e.Command == verb);
            var p = covered > 0 ? PoissonRateTest.PValue(k1, captureSeconds, k0, covered) : double.NaN;
            var adjusted = double.IsNaN(p) ? double.NaN : Math.Min(1, p * verbs.Count);
            var rate1 = k1 / captureSeconds;
            var rate0 = covered > 0 ? k0 / covered : 0;
            results.Add(new VerbRegression(verb, k1, Math.Round(rate1, 6), k0, Math.Round(rate0, 6), rate0 > 0 ? Math.Round(rate1 / rate0, 2) : null,
                double.IsNaN(p) ? null : p, double.IsNaN(adjusted) ? null : adjusted, !double.IsNaN(adjusted) && adjusted < Alpha && rate1 > rate0,
                capture.Where(e => e.Command == verb).OrderByDescending(e => e.DurationUs).Take(5).ToList()));
        }
        if (verbs.Count == 0) lacking.Add("no slowlog entries during the capture: nothing to test");
        return new SlowlogSection
        {
            Sources = sources, Lacking = lacking, CaptureSeconds = Math.Round(captureSeconds, 3), BaselineSeconds = Math.Round(covered, 3),
            Verbs = results.OrderBy(r => r.PValue ?? 2).ThenByDescending(r => r.CaptureEntries).ToList(),
        };
    }

    /// <summary>The counters the ACL/auth section compares, and how each is read off a stored INFO sample; bytes get no test (they are not counts of events).</summary>
    private static readonly (string Name, Func<InfoSample, long?> Read, bool Events)[] AuthCounters =
    [
        ("acl_access_denied_auth", s => s.AclAccessDeniedAuth, true),
        ("errorstat_WRONGPASS", s => s.WrongPassErrors, true),
        ("acl_access_denied_cmd", s => s.AclAccessDeniedCmd, true),
        ("acl_access_denied_key", s => s.AclAccessDeniedKey, true),
        ("acl_access_denied_channel", s => s.AclAccessDeniedChannel, true),
        ("errorstat_NOPERM", _ => null, true),
        ("rejected_connections", s => s.RejectedConnections, true),
        ("evicted_keys", s => s.EvictedKeys, true),
        ("expired_keys", s => s.ExpiredKeys, true),
        ("keyspace_misses", s => s.KeyspaceMisses, true),
        ("total_net_input_bytes", s => s.TotalNetInputBytes, false),
        ("total_net_output_bytes", s => s.TotalNetOutputBytes, false),
    ];

    private async Task<AclSection> AclAsync(string sessionId, string? connectionId, long start, long end, BaselineWindow window, CancellationToken ct)
    {
        var sources = new List<string>();
        var lacking = new List<string>();
        if (connectionId is null)
            return new AclSection { Lacking = ["the session has no connection, so no ACL LOG or INFO history"] };
        var entries = await history.AclLogAsync(connectionId, start, end + 1, 1000, 0, ct);
        sources.Add($"ACL LOG: {N(entries.Count)} entries overlap the capture");
        var groups = entries.GroupBy(e => (e.Reason, e.Username, Client: e.ClientName ?? e.ClientAddr ?? "?"))
            .Select(g => new AclGroup(g.Key.Reason, g.Key.Username, g.Key.Client, g.Count(), g.Sum(e => e.Count)))
            .OrderByDescending(g => g.Count).ToList();
        if (entries.Count > 0) lacking.Add("an ACL LOG entry's count is its total: the server groups repeats within 60 s, some may predate the capture");

        var stats = await serverStats.GetAsync(sessionId, ct);
        var samples = await history.InfoRangeAsync(connectionId, window.FromTs, window.ToTs, ct);
        if (stats is { Comparable: true }) sources.Add($"INFO at the capture's start and end ({stats.Seconds:0.#} s apart)");
        else lacking.Add(stats?.Notes.FirstOrDefault(n => n.StartsWith("No ", StringComparison.Ordinal) || n.StartsWith("The server restarted", StringComparison.Ordinal))
                         ?? "no boundary snapshots: the counters during the capture are unknown");
        if (samples.Count >= 2) sources.Add($"{N(samples.Count)} stored INFO samples in {window.Description}");
        else lacking.Add("fewer than two stored INFO samples in the window: no typical rate to compare with");

        var comparisons = new List<CounterComparison>();
        if (stats is { Comparable: true })
        {
            foreach (var (name, read, events) in AuthCounters)
            {
                if (stats.Counter(name) is not { Delta: { } delta } counter) continue;
                var (baseEvents, baseSeconds) = Increase(samples, read);
                double? basePerSec = baseSeconds > 0 && baseEvents is not null ? baseEvents / baseSeconds : null;
                var perSec = counter.PerSec;
                double? ratio = basePerSec is > 0 && perSec is not null ? Math.Round(perSec.Value / basePerSec.Value, 2) : null;
                double? p = null;
                string? note = null;
                if (events && basePerSec is not null && stats.Seconds is > 0)
                    p = PoissonRateTest.PValue(delta, stats.Seconds.Value, baseEvents!.Value, baseSeconds);
                else if (!events) note = "bytes are not a count of events: compared by ratio only";
                else if (basePerSec is null) note = name == "errorstat_NOPERM" ? "the stored samples do not keep this counter" : "no typical rate in the window";
                var significant = p is { } pv && !double.IsNaN(pv) && pv < Alpha && (basePerSec is null || perSec > basePerSec);
                comparisons.Add(new CounterComparison(name, counter.Label, delta, perSec, basePerSec is null ? null : Math.Round(basePerSec.Value, 6), ratio,
                    p is { } x && !double.IsNaN(x) ? x : null, significant, note));
            }
        }
        return new AclSection { Sources = sources, Lacking = lacking, Entries = entries.Count, Groups = groups, Counters = comparisons };
    }

    /// <summary>
    /// How much a counter grew over stored samples, and over how many seconds: increments between consecutive samples of
    /// one server run (a restart resets counters; that step is skipped, and so is a long hole in the samples).
    /// </summary>
    internal static (long? Events, double Seconds) Increase(IReadOnlyList<InfoSample> samples, Func<InfoSample, long?> read)
    {
        long events = 0;
        double seconds = 0;
        var any = false;
        for (var i = 1; i < samples.Count; i++)
        {
            var a = samples[i - 1];
            var b = samples[i];
            if (a.RunId != b.RunId || read(a) is not { } va || read(b) is not { } vb || vb < va) continue;
            var dt = (b.Ts - a.Ts) / 1000.0;
            if (dt <= 0 || dt > 300) continue;
            events += vb - va;
            seconds += dt;
            any = true;
        }
        return (any ? events : null, seconds);
    }
}
