namespace BetterDb.Core.Anomalies;

/// <summary>A confirmed deviation of one metric: what it was, against which baseline.</summary>
public sealed record DetectedAnomaly(string Metric, string AnomalyType, string Severity, double? Value, double? Baseline, double? Spread, double? ZScore,
    long Ts, string? Detail = null);

public static class AnomalyType
{
    public const string Spike = "spike";
    public const string Drop = "drop";
    /// <summary>Additive: a state change (the server's role).</summary>
    public const string State = "state";
    public static readonly string[] Triggerable = [Spike, Drop];
}

public static class AnomalySeverity
{
    public const string Warning = "warning";
    public const string Critical = "critical";
}

/// <summary>
/// Judges one metric's series, sample by sample. The baseline is the median of a rolling window and its spread
/// 1.4826 x the median absolute deviation (a robust standard deviation: one spike barely moves either). Samples that
/// look anomalous are kept out of the window until they are confirmed, so the spike cannot hide itself; after an
/// anomaly fires, the cooldown lets samples in again, so a lasting shift becomes the new normal instead of firing
/// forever. A slow drift moves the median with it and never stands out.
/// </summary>
public sealed class MetricDetector(string metric, MetricRule rule)
{
    private readonly Queue<double> _window = new();
    private readonly List<double> _held = [];
    private int _run;
    private int _runDirection;
    private double _runPeakZ;
    private long _cooldownUntil = long.MinValue;

    public string Metric { get; } = metric;
    public MetricRule Rule { get; } = rule;
    public int Samples => _window.Count;

    /// <param name="ts">the sample's time, unix milliseconds</param>
    public DetectedAnomaly? Observe(double value, long ts)
    {
        if (double.IsNaN(value) || double.IsInfinity(value)) return null;
        if (_window.Count < Rule.Warmup)
        {
            Add(value);
            return null;
        }
        var (median, spread) = Baseline();
        var deviation = value - median;
        var z = deviation / spread;
        var direction = z >= Rule.WarningZ && Rule.Spikes ? 1 : z <= -Rule.WarningZ && Rule.Drops ? -1 : 0;
        if (Math.Abs(deviation) < Rule.MinChange) direction = 0;
        var forced = Rule.CriticalAbove is { } limit && value >= limit;
        if (forced) direction = 1;

        if (ts < _cooldownUntil)
        {
            // Cooling down: what is happening now is the state the event already told; let it into the baseline.
            ResetRun();
            Add(value);
            return null;
        }
        if (direction == 0)
        {
            ResetRun();
            Add(value);
            return null;
        }
        if (direction != _runDirection) ResetRun();
        _runDirection = direction;
        _run++;
        _runPeakZ = direction > 0 ? Math.Max(_runPeakZ, z) : Math.Min(_runPeakZ, z);
        _held.Add(value);
        if (_run < Rule.Confirm && !forced) return null;

        var severity = forced || Math.Abs(_runPeakZ) >= Rule.CriticalZ ? AnomalySeverity.Critical : AnomalySeverity.Warning;
        var anomaly = new DetectedAnomaly(Metric, direction > 0 ? AnomalyType.Spike : AnomalyType.Drop, severity, value, median, spread,
            Math.Round(z, 2), ts);
        _cooldownUntil = ts + Rule.CooldownSeconds * 1000L;
        ResetRun();
        return anomaly;
    }

    private void ResetRun()
    {
        // Samples held back by a run that did not confirm were ordinary after all.
        foreach (var v in _held) Add(v);
        _held.Clear();
        _run = 0;
        _runDirection = 0;
        _runPeakZ = 0;
    }

    private void Add(double value)
    {
        _window.Enqueue(value);
        while (_window.Count > Rule.Window) _window.Dequeue();
    }

    /// <summary>The median and the robust spread of the window; the spread never falls below 1 % of the median or a tiny floor.</summary>
    public (double Median, double Spread) Baseline()
    {
        var sorted = _window.ToArray();
        Array.Sort(sorted);
        var median = Median(sorted);
        var deviations = sorted.Select(v => Math.Abs(v - median)).ToArray();
        Array.Sort(deviations);
        var spread = 1.4826 * Median(deviations);
        return (median, Math.Max(spread, Math.Max(Math.Abs(median) * 0.01, 1e-9)));
    }

    private static double Median(double[] sorted) =>
        sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
