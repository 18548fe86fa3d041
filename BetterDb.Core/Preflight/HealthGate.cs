using BetterDb.Core.Configuration;
using System.Globalization;

namespace BetterDb.Core.Preflight;

/// <summary>The skipReason strings of the health gate, in the order they are checked.</summary>
public static class SkipReasons
{
    public const string MemoryAboveThreshold = "memory_above_threshold";
    public const string RecentOom = "recent_oom";
    public const string FailoverInProgress = "failover_in_progress";
    public const string ReplicationLagAboveThreshold = "replication_lag_above_threshold";

    public static readonly string[] InOrder = [MemoryAboveThreshold, RecentOom, FailoverInProgress, ReplicationLagAboveThreshold];
}

/// <summary>What the gate looks at. The first four are API.md's; the rest explain them.</summary>
/// <param name="MemoryPct">used memory as a fraction (0.85, not 85) of <paramref name="MemoryLimit"/>.</param>
/// <param name="MemoryBasis"><c>maxmemory</c>, <c>total_system_memory</c> or <c>unknown</c> (then MemoryPct is 0).</param>
/// <param name="ReplicationLagSource"><c>replicas</c> (primary: its replicas' acknowledged offsets), <c>no_replicas</c>,
/// <c>primary_offset</c> (replica: read from its primary), <c>primary_not_visible</c> or <c>unknown</c>.</param>
public sealed record HealthSignals(
    double MemoryPct,
    long OomEventsRecent,
    long ReplicationLagBytes,
    bool FailoverInProgress,
    string MemoryBasis = "unknown",
    long UsedMemory = 0,
    long MemoryLimit = 0,
    string? FailoverDetail = null,
    string? Role = null,
    string ReplicationLagSource = "unknown",
    bool Measured = true)
{
    /// <summary>When INFO could not be read: nothing known, nothing to hold a capture back for.</summary>
    public static HealthSignals Unknown { get; } = new(0, 0, 0, false, Measured: false);
}

public sealed record HealthThresholds(double MemoryPctThreshold, long ReplicationLagThresholdBytes, long RecentOomWindowMs, long RecentFailoverWindowMs)
{
    public static HealthThresholds From(HealthGateOptions o) =>
        new(o.MemoryPctThreshold, o.ReplicationLagBytes, o.RecentOomWindowMs, o.RecentFailoverWindowMs);
}

/// <param name="SkipReason">the first reason in <see cref="SkipReasons.InOrder"/> that holds; null when allowed.</param>
/// <param name="Reasons">every reason that holds, in that order.</param>
/// <param name="Detail">a sentence per reason, for people.</param>
public sealed record HealthGateDecision(bool Allow, string? SkipReason, HealthSignals Signals, HealthThresholds Thresholds,
    IReadOnlyList<string> Reasons, IReadOnlyList<string> Detail);

/// <summary>
/// Decides whether the server is healthy enough for MONITOR. Pure: the signals come
/// from <see cref="HealthSignalReader"/>. Order of reasons: memory, recent OOM, failover,
/// replication lag. Reaching a threshold counts as above it.
/// </summary>
public static class HealthGate
{
    public static HealthGateDecision Evaluate(HealthSignals s, HealthGateOptions o)
    {
        var reasons = new List<string>();
        var detail = new List<string>();
        if (s.MemoryPct >= o.MemoryPctThreshold)
        {
            reasons.Add(SkipReasons.MemoryAboveThreshold);
            detail.Add($"Memory is at {Pct(s.MemoryPct)} of {BasisText(s.MemoryBasis)} (threshold {Pct(o.MemoryPctThreshold)}).");
        }
        if (s.OomEventsRecent > 0)
        {
            reasons.Add(SkipReasons.RecentOom);
            detail.Add($"{s.OomEventsRecent} command(s) were rejected with OOM in the last {Window(o.RecentOomWindowMs)}.");
        }
        if (s.FailoverInProgress)
        {
            reasons.Add(SkipReasons.FailoverInProgress);
            detail.Add($"A failover or resync is in progress{(s.FailoverDetail is null ? "" : ": " + s.FailoverDetail)}.");
        }
        if (s.ReplicationLagBytes >= o.ReplicationLagBytes)
        {
            reasons.Add(SkipReasons.ReplicationLagAboveThreshold);
            detail.Add($"Replication lag is {s.ReplicationLagBytes.ToString("#,0", CultureInfo.InvariantCulture)} bytes " +
                       $"(threshold {o.ReplicationLagBytes.ToString("#,0", CultureInfo.InvariantCulture)}).");
        }
        return new HealthGateDecision(reasons.Count == 0, reasons.FirstOrDefault(), s, HealthThresholds.From(o), reasons, detail);
    }

    internal static string Pct(double fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string BasisText(string basis) => basis switch
    {
        "maxmemory" => "maxmemory",
        "total_system_memory" => "system memory (no maxmemory set)",
        _ => "an unknown limit",
    };

    private static string Window(long ms) =>
        ms % 60_000 == 0 ? $"{ms / 60_000} min" : (ms / 1000.0).ToString("0.#", CultureInfo.InvariantCulture) + " s";
}

/// <summary>The few INFO facts the gate remembers between samples (no values, no key names).</summary>
public sealed record HealthSample(DateTime At, string? RunId, string? Role, long OomCount, long UptimeSeconds)
{
    public static HealthSample From(DateTime at, IReadOnlyDictionary<string, string> info) => new(
        at,
        info.GetValueOrDefault("run_id"),
        info.GetValueOrDefault("role"),
        HealthSignalReader.OomCount(info),
        HealthSignalReader.Long(info, "uptime_in_seconds") ?? 0);
}

/// <summary>Reads the gate's signals from one INFO reply plus earlier samples of the same connection (pure).</summary>
public static class HealthSignalReader
{
    /// <param name="info">a fresh INFO (default sections: server, memory, persistence, stats, replication, errorstats).</param>
    /// <param name="at">when <paramref name="info"/> was taken.</param>
    /// <param name="earlier">earlier samples of this connection, any order.</param>
    /// <param name="primaryOffset">on a replica, its primary's <c>master_repl_offset</c> when it could be read.</param>
    public static HealthSignals Read(IReadOnlyDictionary<string, string> info, DateTime at, IReadOnlyList<HealthSample> earlier,
        HealthGateOptions options, long? primaryOffset = null)
    {
        var current = HealthSample.From(at, info);
        var (pct, basis, used, limit) = Memory(info);
        var oom = RecentOom(current, earlier, options.RecentOomWindowMs);
        var failover = Failover(info, current, earlier, options.RecentFailoverWindowMs);
        var (lag, lagSource) = ReplicationLag(info, primaryOffset);
        return new HealthSignals(Math.Round(pct, 4), oom, lag, failover is not null, basis, used, limit, failover, current.Role, lagSource);
    }

    public static (double Pct, string Basis, long Used, long Limit) Memory(IReadOnlyDictionary<string, string> info)
    {
        var used = Long(info, "used_memory") ?? 0;
        var max = Long(info, "maxmemory") ?? 0;
        if (max > 0) return ((double)used / max, "maxmemory", used, max);
        var system = Long(info, "total_system_memory") ?? 0;
        if (system > 0) return ((double)used / system, "total_system_memory", used, system);
        return (0, "unknown", used, 0);
    }

    /// <summary>
    /// OOM rejections within the window. The errorstat counter is cumulative since start, so
    /// "recent" needs a baseline: the latest earlier sample at or before the window's start
    /// (else the oldest inside it) from the same server run. A server that started within the
    /// window needs none: all its rejections are recent. Without either, nothing can be called recent.
    /// </summary>
    public static long RecentOom(HealthSample current, IReadOnlyList<HealthSample> earlier, long windowMs)
    {
        if (current.OomCount <= 0) return 0;
        if (current.UptimeSeconds * 1000 <= windowMs) return current.OomCount;
        var start = current.At.AddMilliseconds(-windowMs);
        var sameRun = earlier.Where(s => s.At < current.At && s.RunId == current.RunId).ToList();
        var baseline = sameRun.Where(s => s.At <= start).MaxBy(s => s.At) ?? sameRun.Where(s => s.At > start).MinBy(s => s.At);
        return baseline is null ? 0 : Math.Max(0, current.OomCount - baseline.OomCount);
    }

    /// <returns>what is in progress, or null when nothing is.</returns>
    public static string? Failover(IReadOnlyDictionary<string, string> info, HealthSample current, IReadOnlyList<HealthSample> earlier, long windowMs)
    {
        var found = new List<string>();
        if (info.GetValueOrDefault("loading") == "1") found.Add("the server is loading its dataset (loading:1)");
        if (info.GetValueOrDefault("async_loading") == "1") found.Add("the replica is loading a dataset in the background (async_loading:1)");
        if (current.Role == "slave")
        {
            var link = info.GetValueOrDefault("master_link_status");
            if (link is not null && link != "up") found.Add($"the link to the primary is {link} (master_link_status:{link})");
            if (info.GetValueOrDefault("master_sync_in_progress") == "1") found.Add("a full sync from the primary is in progress (master_sync_in_progress:1)");
        }
        var failoverState = info.GetValueOrDefault("master_failover_state");
        if (failoverState is not null && failoverState != "no-failover") found.Add($"a coordinated failover is running (master_failover_state:{failoverState})");
        var start = current.At.AddMilliseconds(-windowMs);
        var changed = earlier.Where(s => s.At >= start && s.At < current.At && s.Role is not null && current.Role is not null && s.Role != current.Role)
            .MaxBy(s => s.At);
        if (changed is not null)
            found.Add($"the role changed from {RoleName(changed.Role)} to {RoleName(current.Role)} within the last {(current.At - changed.At).TotalSeconds:0} s");
        return found.Count == 0 ? null : string.Join("; ", found);
    }

    /// <summary>
    /// Primary: the largest gap between its offset and a replica's acknowledged offset.
    /// Replica: its primary's offset minus its own, when the primary's was readable; else 0.
    /// </summary>
    public static (long Lag, string Source) ReplicationLag(IReadOnlyDictionary<string, string> info, long? primaryOffset)
    {
        var role = info.GetValueOrDefault("role");
        if (role == "slave")
        {
            var own = Long(info, "slave_repl_offset") ?? Long(info, "master_repl_offset") ?? 0;
            return primaryOffset is { } p ? (Math.Max(0, p - own), "primary_offset") : (0, "primary_not_visible");
        }
        if (role != "master") return (0, "unknown");
        var offset = Long(info, "master_repl_offset") ?? 0;
        long? worst = null;
        foreach (var (key, value) in info)
        {
            if (!key.StartsWith("slave", StringComparison.Ordinal) || key.Length <= 5 || !char.IsAsciiDigit(key[5])) continue;
            var replicaOffset = Field(value, "offset");
            if (replicaOffset is null) continue;
            var lag = Math.Max(0, offset - replicaOffset.Value);
            worst = worst is null ? lag : Math.Max(worst.Value, lag);
        }
        return worst is null ? (0, "no_replicas") : (worst.Value, "replicas");
    }

    /// <summary><c>errorstat_OOM:count=N</c> (Redis 6.2+; absent when there were none).</summary>
    public static long OomCount(IReadOnlyDictionary<string, string> info) =>
        info.TryGetValue("errorstat_OOM", out var v) ? Field(v, "count") ?? 0 : 0;

    public static long? Long(IReadOnlyDictionary<string, string> info, string key) =>
        info.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>Reads <c>name=value</c> out of <c>a=1,b=2</c>.</summary>
    public static long? Field(string list, string name)
    {
        foreach (var part in list.Split(','))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part.AsSpan(0, eq).SequenceEqual(name)
                && long.TryParse(part.AsSpan(eq + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                return n;
        }
        return null;
    }

    private static string RoleName(string? role) => role switch { "master" => "primary", "slave" => "replica", _ => role ?? "unknown" };
}

/// <summary>
/// A small in-memory history of INFO facts per connection, so "recent" OOM rejections and
/// role changes can be told from old ones. Samples older than the longest window are dropped.
/// Anything that reads INFO for a connection (e.g. a history collector) may record here.
/// </summary>
public sealed class InfoSampleHistory
{
    public const int MaxSamplesPerConnection = 256;

    private readonly Dictionary<string, List<HealthSample>> _samples = new(StringComparer.Ordinal);
    private readonly TimeSpan _retention;

    public InfoSampleHistory(Microsoft.Extensions.Options.IOptions<HealthGateOptions> options)
        : this(TimeSpan.FromMilliseconds(Math.Max(options.Value.RecentOomWindowMs, options.Value.RecentFailoverWindowMs)) * 2)
    {
    }

    public InfoSampleHistory(TimeSpan retention) => _retention = retention;

    public IReadOnlyList<HealthSample> Earlier(string connectionKey)
    {
        lock (_samples) return _samples.TryGetValue(connectionKey, out var list) ? list.ToList() : [];
    }

    public void Record(string connectionKey, HealthSample sample)
    {
        lock (_samples)
        {
            if (!_samples.TryGetValue(connectionKey, out var list)) _samples[connectionKey] = list = [];
            list.Add(sample);
            var cutoff = sample.At - _retention;
            list.RemoveAll(s => s.At < cutoff);
            if (list.Count > MaxSamplesPerConnection) list.RemoveRange(0, list.Count - MaxSamplesPerConnection);
            // Connections that went quiet (or were deleted) do not linger.
            foreach (var key in _samples.Where(kv => kv.Value.Count == 0 || kv.Value[^1].At < cutoff).Select(kv => kv.Key).ToList())
                _samples.Remove(key);
        }
    }
}
