using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.History;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Anomalies;

/// <summary><c>BetterDb:Anomalies</c>: detection on or off, and per-metric rules over the defaults.</summary>
public sealed class AnomalyOptions
{
    public const string Section = "BetterDb:Anomalies";
    public bool Enabled { get; set; } = true;
    /// <summary>Per metric (e.g. <c>BetterDb:Anomalies:Rules:ops_per_sec:MinChange</c>): replaces the default rule's values given.</summary>
    public Dictionary<string, MetricRule> Rules { get; set; } = [];

    public IReadOnlyDictionary<string, MetricRule> Effective()
    {
        var rules = new Dictionary<string, MetricRule>(AnomalyRules.Defaults);
        foreach (var (metric, rule) in Rules) if (rules.ContainsKey(metric)) rules[metric] = rule;
        return rules;
    }
}

/// <summary>
/// Feeds every connection's 1 s INFO samples (kept in memory by the history collectors) to its detectors, stores
/// what they confirm (which sets off triggers), and keeps the triggers honest: expired ones end, queued ones whose
/// capture ended without telling them fire, detected ones whose job was lost get a new one.
/// </summary>
public sealed class AnomalyMonitor(
    HistoryCollectors collectors,
    ConnectionService connections,
    TriggerService triggers,
    TriggerJobs jobs,
    IDbContextFactory<BetterDbContext> contexts,
    IOptions<AnomalyOptions> options,
    ILogger<AnomalyMonitor> log) : BackgroundService
{
    private static readonly TimeSpan Housekeeping = TimeSpan.FromSeconds(5);
    private readonly Dictionary<string, ConnectionDetector> _detectors = [];
    private readonly Dictionary<string, (long RowId, DateTime At)> _slowlogMarks = [];
    private DateTime _nextHousekeeping = DateTime.MinValue;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        await Task.Yield();
        var period = TimeSpan.FromMilliseconds(Math.Max(100, collectors.Options.InfoIntervalMs));
        using var timer = new PeriodicTimer(period);
        do
        {
            try
            {
                if (options.Value.Enabled && collectors.Enabled) await ObserveAsync(ct);
                if (DateTime.UtcNow >= _nextHousekeeping)
                {
                    _nextHousekeeping = DateTime.UtcNow + Housekeeping;
                    await HousekeepAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                log.LogWarning("Anomaly detection: {Message}", ex.GetBaseException().Message);
            }
        }
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
    }

    /// <summary>One pass over every connection's new samples.</summary>
    public async Task ObserveAsync(CancellationToken ct)
    {
        var profiles = await connections.ListAsync(ct);
        foreach (var stale in _detectors.Keys.Except(profiles.Select(p => p.Id)).ToList()) _detectors.Remove(stale);
        foreach (var p in profiles)
        {
            if (!_detectors.TryGetValue(p.Id, out var detector)) _detectors[p.Id] = detector = new ConnectionDetector(options.Value.Effective());
            var found = new List<DetectedAnomaly>();
            var usesInfoSlowlog = false;
            foreach (var sample in collectors.Recent(p.Id, detector.LastTs + 1))
            {
                if (sample.Ts <= detector.LastTs) continue;
                usesInfoSlowlog |= sample.SlowlogLastId is not null;
                found.AddRange(detector.Observe(sample));
            }
            if (!usesInfoSlowlog && await SlowlogRateAsync(p.Id, ct) is { } rate && detector.ObserveSlowlogRate(rate.PerSecond, rate.Ts) is { } slow)
                found.Add(slow);
            if (found.Count > 0) await triggers.RecordAsync(p.Id, found, ct);
        }
    }

    /// <summary>New slowlog entries per second since the last look, at the slowlog history's cadence; null between looks.</summary>
    private async Task<(double PerSecond, long Ts)?> SlowlogRateAsync(string connectionId, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var every = TimeSpan.FromMilliseconds(collectors.Options.SlowlogIntervalMs);
        if (_slowlogMarks.TryGetValue(connectionId, out var mark) && now - mark.At < every) return null;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var newest = await db.CommandLogEntries.Where(e => e.ConnectionId == connectionId && e.Log == "slowlog").MaxAsync(e => (long?)e.Id, ct) ?? 0;
        _slowlogMarks[connectionId] = (newest, now);
        if (mark.At == default) return null;
        var count = await db.CommandLogEntries.CountAsync(e => e.ConnectionId == connectionId && e.Log == "slowlog" && e.Id > mark.RowId && e.Id <= newest, ct);
        return (count / Math.Max(0.001, (now - mark.At).TotalSeconds), new DateTimeOffset(now).ToUnixTimeMilliseconds());
    }

    private async Task HousekeepAsync(CancellationToken ct)
    {
        await triggers.ExpireAsync(ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        // Detected but without a job (a crash between the two, or queued behind a capture that has ended since).
        var stuck = await db.Triggers.Where(t => t.Status == TriggerStatus.Active.Word() && t.DetectedAt != null && (t.FireJobId == null || t.FireJobId == ""))
            .ToListAsync(ct);
        foreach (var t in stuck)
        {
            var key = Capture.SessionLifecycle.RunningKey(t.ConnectionId, null);
            if (t.Queued && await db.Sessions.AnyAsync(s => s.RunningKey == key, ct)) continue;
            t.FireJobId = jobs.EnqueueFire(t.Id, Trigger.Describe(t.Metric, t.AnomalyType, t.ConnectionId)) ?? "";
        }
        if (stuck.Count > 0) await db.SaveChangesAsync(ct);
    }
}
