using System.Diagnostics;
using BetterDb.Core.Analysis;
using BetterDb.Core.Capture;
using BetterDb.Core.Connections;

namespace BetterDb.Core.Replay;

/// <summary>
/// Runs one replay: reads the session's lines (through the run's filter), plans them (<see cref="ReplayPlanner"/>), sends
/// them to the target over its connections (<see cref="ReplayDispatcher"/>) or, dry, only tallies them, and reports.
/// Cancelling stops at once and still reports what was sent. A failure of the target (unreachable, closed) throws
/// <see cref="TargetUnreachableException"/> with its words.
/// </summary>
public sealed class ReplayEngine(SessionLines lines)
{
    private static readonly TimeSpan InfoTimeout = TimeSpan.FromSeconds(5);

    /// <param name="target">the connection to send to; unused (may be null) for a dry run.</param>
    public async Task<ReplayReport> RunAsync(string sessionId, ReplaySettings settings, ConnectionProfile? target, ReplayCounters counters,
        CancellationToken ct)
    {
        var verbs = new VerbTable();
        var warnings = new List<string>();
        ReplayTargetInfo? before = null;
        if (!settings.DryRun)
        {
            ArgumentNullException.ThrowIfNull(target);
            before = await ReadInfoAsync(target, ct);
        }

        var dispatcher = settings.DryRun ? null : new ReplayDispatcher(target!, settings, counters, ct) { Verbs = verbs };
        var tally = settings.DryRun ? new DryRunTally() : null;
        var planner = new ReplayPlanner(settings, (IReplaySink?)dispatcher ?? tally!, verbs, counters, ct);
        var started = Stopwatch.GetTimestamp();
        var cancelled = false;
        try
        {
            await lines.ScanAsync(sessionId, settings.Filter, planner, ct);
            ct.ThrowIfCancellationRequested();
            await planner.CompleteAsync();
            if (dispatcher is not null) await dispatcher.CompleteAsync();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            cancelled = true;
            if (dispatcher is not null) await dispatcher.AbandonAsync();
        }
        catch
        {
            if (dispatcher is not null) await dispatcher.AbandonAsync();
            throw;
        }
        var elapsed = Stopwatch.GetElapsedTime(started);

        // After a cancel the target is still read: what the partial run left is part of its report.
        ReplayTargetInfo? after = null;
        if (target is not null && !settings.DryRun)
        {
            try { after = await ReadInfoAsync(target, CancellationToken.None); }
            catch (TargetUnreachableException ex) { after = new ReplayTargetInfo(null, null, null, null, ex.Message); }
        }
        if (planner.ClientsMerged > 0)
            warnings.Add($"The capture has {planner.ClientCount} clients; the replay opens at most {ReplayConcurrency.MaxConnections} connections, so {planner.ClientsMerged} clients shared a connection with another.");
        if (planner.BlockingCapped > 0)
            warnings.Add($"{planner.BlockingCapped} blocking commands waited at most {settings.MaxBlockMs} ms instead of their captured timeout.");

        var stats = dispatcher?.Connections.Select(c => c.Stats).ToList() ?? [];
        var span = planner.LastTsMicros - planner.FirstTsMicros;
        var original = new ReplayOriginal(planner.OriginalLines, Math.Round(span / 1000.0, 3),
            span > 0 ? Math.Round(planner.OriginalLines / (span / 1_000_000.0), 1) : 0);
        var all = new GapHistogram();
        var lag = new GapHistogram();
        foreach (var s in stats) lag.Merge(s.PacingLag);
        var commands = Commands(stats, verbs, planner.OriginalGaps, tally, all);
        return new ReplayReport
        {
            DryRun = settings.DryRun,
            Cancelled = cancelled,
            LinesRead = counters.LinesRead,
            Sent = counters.Sent,
            WouldSend = tally?.WouldSend ?? 0,
            SelectsAdded = planner.SelectsAdded,
            Replies = counters.Replies,
            Skipped = counters.Skipped,
            SkippedByReason = counters.SkippedByReason.Select(kv => new ReplaySkipCount(kv.Key, kv.Value)).ToList(),
            Errors = counters.Errors,
            ErrorsByText = ErrorTexts(stats, verbs),
            BlockingCapped = planner.BlockingCapped,
            Connections = planner.ConnectionsUsed,
            Clients = planner.ClientCount,
            DurationMs = Math.Round(elapsed.TotalMilliseconds, 1),
            CommandsPerSec = elapsed.TotalSeconds > 0 ? Math.Round(counters.Sent / elapsed.TotalSeconds, 1) : 0,
            RepliesPerSec = elapsed.TotalSeconds > 0 ? Math.Round(counters.Replies / elapsed.TotalSeconds, 1) : 0,
            LatencyP50Ms = all.Count > 0 ? Ms(all.Percentile(0.5)) : null,
            LatencyP99Ms = all.Count > 0 ? Ms(all.Percentile(0.99)) : null,
            PacingLagP50Ms = lag.Count > 0 ? Ms(lag.Percentile(0.5)) : null,
            PacingLagP99Ms = lag.Count > 0 ? Ms(lag.Percentile(0.99)) : null,
            PacingLagMaxMs = lag.Count > 0 ? Ms(lag.MaxMicros) : null,
            Commands = commands,
            Timeline = Timeline(stats),
            Original = original,
            TargetBefore = before,
            TargetAfter = after,
            Warnings = warnings,
            Preview = tally?.Preview,
        };
    }

    private static async Task<ReplayTargetInfo> ReadInfoAsync(ConnectionProfile target, CancellationToken ct)
    {
        await using var client = await RedisCommandClient.OpenAsync(target, "replay-info", InfoTimeout, ct);
        var (fields, error) = await client.InfoAsync(ct);
        return fields is null ? new ReplayTargetInfo(null, null, null, null, error) : ReplayTargetInfo.From(fields);
    }

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);

    private static List<ReplayCommandStats> Commands(List<ConnectionStats> stats, VerbTable verbs, IReadOnlyDictionary<int, GapHistogram> gaps,
        DryRunTally? tally, GapHistogram all)
    {
        var result = new List<ReplayCommandStats>();
        for (var verb = 0; verb < verbs.Count; verb++)
        {
            long count = tally?.ByVerb.GetValueOrDefault(verb) ?? 0, errors = 0;
            var latency = new GapHistogram();
            foreach (var s in stats)
            {
                if (verb >= s.ByVerb.Count || s.ByVerb[verb] is not { } v) continue;
                count += v.Replies;
                errors += v.Errors;
                latency.Merge(v.Latency);
            }
            all.Merge(latency);
            gaps.TryGetValue(verb, out var gap);
            if (count == 0 && gap is null) continue;
            result.Add(new ReplayCommandStats(verbs[verb], count, errors,
                latency.Count > 0 ? Ms(latency.Percentile(0.5)) : null, latency.Count > 0 ? Ms(latency.Percentile(0.99)) : null,
                gap is { Count: > 0 } ? Ms(gap.Percentile(0.5)) : null, gap is { Count: > 0 } ? Ms(gap.Percentile(0.99)) : null));
        }
        return result.OrderByDescending(c => c.Count).ThenBy(c => c.Cmd, StringComparer.Ordinal).ToList();
    }

    private static List<ReplayErrorCount> ErrorTexts(List<ConnectionStats> stats, VerbTable verbs)
    {
        var merged = new Dictionary<(string, string), long>();
        long other = 0;
        foreach (var s in stats)
        {
            foreach (var ((verb, error), n) in s.ErrorTexts)
                merged[(verbs[verb], error)] = merged.GetValueOrDefault((verbs[verb], error)) + n;
            other += s.OtherErrors;
        }
        var list = merged.Select(kv => new ReplayErrorCount(kv.Key.Item1, kv.Key.Item2, kv.Value))
            .OrderByDescending(e => e.Count).Take(ConnectionStats.MaxErrorTexts).ToList();
        if (other > 0) list.Add(new ReplayErrorCount("*", "(other errors)", other));
        return list;
    }

    private static List<ReplaySecond> Timeline(List<ConnectionStats> stats)
    {
        var seconds = stats.Count == 0 ? 0 : stats.Max(s => s.RepliesPerSecond.Count);
        var list = new List<ReplaySecond>(seconds);
        for (var i = 0; i < seconds; i++)
        {
            long replies = 0, errors = 0;
            foreach (var s in stats)
            {
                if (i >= s.RepliesPerSecond.Count) continue;
                replies += s.RepliesPerSecond[i];
                errors += s.ErrorsPerSecond[i];
            }
            list.Add(new ReplaySecond(i, replies, errors));
        }
        return list;
    }
}
