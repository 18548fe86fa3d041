using BetterDb.Core.History;

namespace BetterDb.Core.Anomalies;

/// <summary>Every metric's detector for one connection, fed its INFO samples in order; also tells a change of role.</summary>
public sealed class ConnectionDetector(IReadOnlyDictionary<string, MetricRule> rules)
{
    private readonly Dictionary<string, MetricDetector> _detectors = rules.ToDictionary(r => r.Key, r => new MetricDetector(r.Key, r.Value));
    private InfoSample? _previous;

    public long LastTs => _previous?.Ts ?? 0;

    /// <summary>
    /// Servers whose INFO has no <c>slowlog_last_id</c> (stock Redis): the rate of new entries the slowlog history stored,
    /// fed at the history's own cadence.
    /// </summary>
    public DetectedAnomaly? ObserveSlowlogRate(double perSecond, long ts) =>
        _detectors.TryGetValue(AnomalyMetric.SlowlogEntries, out var d) ? d.Observe(perSecond, ts) : null;

    public IReadOnlyList<DetectedAnomaly> Observe(InfoSample sample)
    {
        var found = new List<DetectedAnomaly>();
        if (_previous is { } prev && sample.Ts <= prev.Ts) return found;
        if (_previous?.Role is { } was && sample.Role is { } now && was != now)
            found.Add(new DetectedAnomaly(AnomalyMetric.Role, AnomalyType.State, was == "master" ? AnomalySeverity.Critical : AnomalySeverity.Warning,
                null, null, null, null, sample.Ts, $"role {was} -> {now}"));
        foreach (var (metric, detector) in _detectors)
        {
            if (AnomalyMetric.Read(metric, _previous, sample) is { } value && detector.Observe(value, sample.Ts) is { } anomaly)
                found.Add(anomaly);
        }
        _previous = sample;
        return found;
    }

}

/// <summary>
/// Groups anomalies of one connection that come close together into a pattern, and says in one line what the group
/// looks like (as an on-call engineer would read it).
/// </summary>
public static class AnomalyPatterns
{
    /// <summary>Anomalies this close to the pattern's latest one join it.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    public static string Diagnose(IReadOnlyCollection<(string Metric, string Type)> events)
    {
        bool Has(string metric, string type = AnomalyType.Spike) => events.Contains((metric, type));
        var parts = new List<string>();
        if (events.Any(e => e.Metric == AnomalyMetric.Role)) parts.Add("failover: the server's role changed");
        if (Has(AnomalyMetric.UsedMemory) && Has(AnomalyMetric.EvictedKeys)) parts.Add("memory pressure: memory up, evictions up");
        else if (Has(AnomalyMetric.EvictedKeys)) parts.Add("evictions: keys pushed out at maxmemory");
        else if (Has(AnomalyMetric.UsedMemory)) parts.Add("memory growth");
        if (Has(AnomalyMetric.ConnectedClients)) parts.Add("connection storm: clients up" + (Has(AnomalyMetric.AclDenied) ? ", connections refused or denied" : ""));
        else if (Has(AnomalyMetric.AclDenied)) parts.Add("auth failures: ACL denials or refused connections");
        if (Has(AnomalyMetric.SlowlogEntries) || Has(AnomalyMetric.BlockedClients))
            parts.Add("slow commands: " + string.Join(", ", new[] { Has(AnomalyMetric.SlowlogEntries) ? "slowlog entries up" : null, Has(AnomalyMetric.BlockedClients) ? "clients blocked" : null }.OfType<string>()));
        if (Has(AnomalyMetric.KeyspaceMisses)) parts.Add("cache misses up");
        if (Has(AnomalyMetric.FragmentationRatio)) parts.Add("memory fragmentation");
        if (Has(AnomalyMetric.OpsPerSec) || Has(AnomalyMetric.InputKbps) || Has(AnomalyMetric.OutputKbps))
            parts.Add("traffic spike: " + string.Join(", ", new[] { Has(AnomalyMetric.OpsPerSec) ? "ops/sec" : null, Has(AnomalyMetric.InputKbps) ? "bytes in" : null, Has(AnomalyMetric.OutputKbps) ? "bytes out" : null }.OfType<string>()) + " up");
        if (Has(AnomalyMetric.OpsPerSec, AnomalyType.Drop) || Has(AnomalyMetric.ConnectedClients, AnomalyType.Drop))
            parts.Add("traffic drop: " + (Has(AnomalyMetric.ConnectedClients, AnomalyType.Drop) ? "clients gone" : "fewer commands") + " (a client outage, or the server stalled)");
        else if (Has(AnomalyMetric.InputKbps, AnomalyType.Drop) || Has(AnomalyMetric.OutputKbps, AnomalyType.Drop)) parts.Add("traffic drop: fewer bytes in or out");
        return parts.Count == 0 ? string.Join(", ", events.Select(e => $"{e.Metric} {e.Type}")) : string.Join("; ", parts);
    }
}
