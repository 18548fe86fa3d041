using BetterDb.Core.History;

namespace BetterDb.Blazor.Components.History;

/// <summary>
/// The Instance page's chart series from INFO samples (pure): samples are grouped into at most <c>maxPoints</c> buckets of
/// equal time; gauges (memory, clients) take a bucket's last sample, ops/sec its average, and the rates (hit ratio,
/// evictions per second) come from the counters' growth between buckets of one server run (a restart resets counters:
/// that step is left out rather than shown as a negative rate).
/// </summary>
public sealed class InstanceSeries
{
    public IReadOnlyList<(DateTime Time, double Value)> OpsPerSec { get; private init; } = [];
    public IReadOnlyList<(DateTime Time, double Value)> UsedMemory { get; private init; } = [];
    /// <summary>Empty when the server has no maxmemory.</summary>
    public IReadOnlyList<(DateTime Time, double Value)> MaxMemory { get; private init; } = [];
    public IReadOnlyList<(DateTime Time, double Value)> ConnectedClients { get; private init; } = [];
    public IReadOnlyList<(DateTime Time, double Value)> BlockedClients { get; private init; } = [];
    /// <summary>Hits / (hits + misses) in each step, in percent; a step without lookups has no point.</summary>
    public IReadOnlyList<(DateTime Time, double Value)> HitRatioPct { get; private init; } = [];
    public IReadOnlyList<(DateTime Time, double Value)> EvictionsPerSec { get; private init; } = [];
    public int Samples { get; private init; }
    public TimeSpan Bucket { get; private init; }
    public InfoSample? Latest { get; private init; }

    public bool IsEmpty => Samples == 0;

    /// <param name="zone">the times are shown in this zone (the browser's).</param>
    public static InstanceSeries From(IReadOnlyList<InfoSample> samples, int maxPoints, TimeZoneInfo zone)
    {
        if (samples.Count == 0) return new InstanceSeries();
        var first = samples[0].Ts;
        var span = Math.Max(1, samples[^1].Ts - first);
        var bucketMs = Math.Max(1, (long)Math.Ceiling(span / (double)Math.Max(1, maxPoints - 1)));
        var buckets = samples.GroupBy(s => (s.Ts - first) / bucketMs).OrderBy(g => g.Key)
            .Select(g => (Last: g.Last(), Ops: g.Where(s => s.OpsPerSec is not null).Select(s => s.OpsPerSec!.Value).DefaultIfEmpty(double.NaN).Average()))
            .ToList();

        DateTime T(InfoSample s) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddMilliseconds(s.Ts), zone);
        var ops = new List<(DateTime, double)>();
        var used = new List<(DateTime, double)>();
        var max = new List<(DateTime, double)>();
        var connected = new List<(DateTime, double)>();
        var blocked = new List<(DateTime, double)>();
        var hit = new List<(DateTime, double)>();
        var evictions = new List<(DateTime, double)>();
        InfoSample? previous = null;
        foreach (var (s, avgOps) in buckets)
        {
            var t = T(s);
            if (!double.IsNaN(avgOps)) ops.Add((t, Math.Round(avgOps, 2)));
            if (s.UsedMemory is { } u) used.Add((t, u));
            if (s.MaxMemory is > 0) max.Add((t, s.MaxMemory.Value));
            if (s.ConnectedClients is { } c) connected.Add((t, c));
            if (s.BlockedClients is { } b) blocked.Add((t, b));
            if (previous is not null && previous.RunId == s.RunId && s.Ts > previous.Ts)
            {
                var seconds = (s.Ts - previous.Ts) / 1000.0;
                if (Delta(previous.KeyspaceHits, s.KeyspaceHits) is { } dh && Delta(previous.KeyspaceMisses, s.KeyspaceMisses) is { } dm && dh + dm > 0)
                    hit.Add((t, Math.Round(dh * 100.0 / (dh + dm), 2)));
                if (Delta(previous.EvictedKeys, s.EvictedKeys) is { } de) evictions.Add((t, Math.Round(de / seconds, 3)));
            }
            previous = s;
        }
        return new InstanceSeries
        {
            OpsPerSec = ops, UsedMemory = used, MaxMemory = max.Count == used.Count ? max : [], ConnectedClients = connected, BlockedClients = blocked,
            HitRatioPct = hit, EvictionsPerSec = evictions, Samples = samples.Count,
            // What one point stands for: a bucket, or one sample when samples are further apart than a bucket (few of them).
            Bucket = TimeSpan.FromMilliseconds(Math.Max(bucketMs, samples.Count > 1 ? span / (samples.Count - 1) : bucketMs)), Latest = samples[^1],
        };
    }

    private static long? Delta(long? before, long? after) => before is { } a && after is { } b && b >= a ? b - a : null;
}
