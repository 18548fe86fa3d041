using BetterDb.Core.History;

namespace BetterDb.Core.Anomalies;

/// <summary>The metrics the detector watches (API.md's trigger metrics), each read from two consecutive INFO samples.</summary>
public static class AnomalyMetric
{
    public const string OpsPerSec = "ops_per_sec";
    public const string UsedMemory = "used_memory";
    public const string ConnectedClients = "connected_clients";
    public const string BlockedClients = "blocked_clients";
    public const string KeyspaceMisses = "keyspace_misses";
    public const string EvictedKeys = "evicted_keys";
    public const string AclDenied = "acl_denied";
    public const string SlowlogEntries = "slowlog_entries";
    public const string InputKbps = "input_kbps";
    public const string OutputKbps = "output_kbps";
    public const string FragmentationRatio = "fragmentation_ratio";
    /// <summary>Not a trigger metric: the server's role changing (a failover) is a critical state event.</summary>
    public const string Role = "role";

    public static readonly string[] All =
        [OpsPerSec, UsedMemory, ConnectedClients, BlockedClients, KeyspaceMisses, EvictedKeys, AclDenied, SlowlogEntries, InputKbps, OutputKbps, FragmentationRatio];

    /// <summary>
    /// The metric's value at <paramref name="cur"/>: a gauge as read, a counter as its rate per second since
    /// <paramref name="prev"/>. Null when the sample lacks it, or across a restart (a new run id: counters start over).
    /// </summary>
    public static double? Read(string metric, InfoSample? prev, InfoSample cur)
    {
        double? Rate(Func<InfoSample, long?> counter)
        {
            if (prev is null || prev.RunId != cur.RunId || cur.Ts <= prev.Ts) return null;
            if (counter(prev) is not { } a || counter(cur) is not { } b || b < a) return null;
            return (b - a) * 1000.0 / (cur.Ts - prev.Ts);
        }
        return metric switch
        {
            OpsPerSec => cur.OpsPerSec,
            UsedMemory => cur.UsedMemory,
            ConnectedClients => cur.ConnectedClients,
            BlockedClients => cur.BlockedClients,
            KeyspaceMisses => Rate(s => s.KeyspaceMisses),
            EvictedKeys => Rate(s => s.EvictedKeys),
            AclDenied => Rate(s => Sum(s.AclAccessDeniedAuth, s.AclAccessDeniedCmd, s.AclAccessDeniedKey, s.AclAccessDeniedChannel, s.RejectedConnections)),
            SlowlogEntries => Rate(s => s.SlowlogLastId),
            InputKbps => Rate(s => s.TotalNetInputBytes) / 1024,
            OutputKbps => Rate(s => s.TotalNetOutputBytes) / 1024,
            FragmentationRatio => cur.FragmentationRatio,
            _ => null,
        };
    }

    private static long? Sum(params long?[] values) => values.Any(v => v is not null) ? values.Sum(v => v ?? 0) : null;

    /// <summary>The unit a metric's values are in, for the UI.</summary>
    public static string Unit(string metric) => metric switch
    {
        OpsPerSec => "ops/s",
        UsedMemory => "bytes",
        ConnectedClients or BlockedClients => "clients",
        KeyspaceMisses or EvictedKeys or AclDenied or SlowlogEntries => "per second",
        InputKbps or OutputKbps => "KB/s",
        FragmentationRatio => "ratio",
        _ => "",
    };
}

/// <summary>How one metric is judged. Memory is slower and stricter than ops/sec; see <see cref="AnomalyRules.Defaults"/>.</summary>
public sealed record MetricRule
{
    /// <summary>Samples in the rolling baseline.</summary>
    public int Window { get; init; } = 300;
    /// <summary>Samples before the metric is judged at all.</summary>
    public int Warmup { get; init; } = 30;
    public double WarningZ { get; init; } = 4;
    public double CriticalZ { get; init; } = 8;
    /// <summary>Consecutive samples beyond the warning level, in one direction, that confirm an anomaly.</summary>
    public int Confirm { get; init; } = 3;
    public int CooldownSeconds { get; init; } = 60;
    /// <summary>The least distance from the baseline that counts, in the metric's unit (a flat baseline has no spread).</summary>
    public double MinChange { get; init; }
    public bool Spikes { get; init; } = true;
    public bool Drops { get; init; }
    /// <summary>Optional: a value at or above this is a critical spike whatever the baseline says.</summary>
    public double? CriticalAbove { get; init; }
}

public static class AnomalyRules
{
    public static IReadOnlyDictionary<string, MetricRule> Defaults { get; } = new Dictionary<string, MetricRule>
    {
        [AnomalyMetric.OpsPerSec] = new() { MinChange = 200, Drops = true },
        [AnomalyMetric.UsedMemory] = new() { Window = 600, Warmup = 60, WarningZ = 6, CriticalZ = 12, Confirm = 5, CooldownSeconds = 300, MinChange = 16 * 1024 * 1024 },
        [AnomalyMetric.ConnectedClients] = new() { MinChange = 20, Drops = true },
        [AnomalyMetric.BlockedClients] = new() { MinChange = 5 },
        [AnomalyMetric.KeyspaceMisses] = new() { MinChange = 100 },
        [AnomalyMetric.EvictedKeys] = new() { MinChange = 10, Confirm = 2 },
        [AnomalyMetric.AclDenied] = new() { MinChange = 1, Confirm = 2 },
        [AnomalyMetric.SlowlogEntries] = new() { MinChange = 1, Confirm = 2 },
        [AnomalyMetric.InputKbps] = new() { MinChange = 256, Drops = true },
        [AnomalyMetric.OutputKbps] = new() { MinChange = 256, Drops = true },
        [AnomalyMetric.FragmentationRatio] = new() { Window = 600, Warmup = 60, WarningZ = 6, CriticalZ = 12, Confirm = 10, CooldownSeconds = 600, MinChange = 0.5 },
    };
}
