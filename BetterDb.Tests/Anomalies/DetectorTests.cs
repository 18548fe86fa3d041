using BetterDb.Core.Anomalies;
using BetterDb.Core.History;

namespace BetterDb.Tests.Anomalies;

/// <summary>Issue 14 item 5: the detector fed crafted series, one sample per second.</summary>
public sealed class DetectorTests
{
    private static readonly MetricRule Rule = new() { Window = 120, Warmup = 30, WarningZ = 4, CriticalZ = 8, Confirm = 3, CooldownSeconds = 60, MinChange = 50, Drops = true };

    /// <summary>A noisy baseline around 1000 (deterministic noise of +-30).</summary>
    private static double Noise(int i) => 1000 + ((i * 7919) % 61) - 30;

    private static List<DetectedAnomaly> Feed(MetricDetector d, IEnumerable<double> values, int startSecond = 0)
    {
        var found = new List<DetectedAnomaly>();
        var t = startSecond;
        foreach (var v in values)
        {
            if (d.Observe(v, t * 1000L) is { } a) found.Add(a);
            t++;
        }
        return found;
    }

    [Fact]
    public void Nothing_is_judged_during_the_warm_up()
    {
        var d = new MetricDetector("ops_per_sec", Rule);
        var found = Feed(d, Enumerable.Range(0, 30).Select(i => i % 2 == 0 ? 10.0 : 100_000));
        Assert.Empty(found);
    }

    [Fact]
    public void A_spike_is_confirmed_after_the_consecutive_samples_and_graded_critical()
    {
        var d = new MetricDetector("ops_per_sec", Rule);
        var series = Enumerable.Range(0, 100).Select(Noise).Concat(Enumerable.Repeat(5000.0, 5)).ToList();
        var found = Feed(d, series);
        var spike = Assert.Single(found);
        Assert.Equal(AnomalyType.Spike, spike.AnomalyType);
        Assert.Equal(AnomalySeverity.Critical, spike.Severity);
        Assert.Equal(102_000, spike.Ts); // the third sample of the spike, not the first
        Assert.InRange(spike.Baseline!.Value, 980, 1020);
        Assert.True(spike.ZScore > 8);
    }

    [Fact]
    public void Two_spiky_samples_are_not_an_anomaly_and_do_not_move_the_baseline()
    {
        var d = new MetricDetector("ops_per_sec", Rule);
        var series = Enumerable.Range(0, 100).Select(Noise).Concat([5000.0, 5000.0]).Concat(Enumerable.Range(0, 20).Select(Noise)).ToList();
        Assert.Empty(Feed(d, series));
        Assert.InRange(d.Baseline().Median, 980, 1020);
    }

    [Fact]
    public void A_drop_is_told_as_a_drop_and_a_modest_one_as_a_warning()
    {
        var d = new MetricDetector("ops_per_sec", Rule);
        var found = Feed(d, Enumerable.Range(0, 100).Select(Noise).Concat(Enumerable.Repeat(880.0, 4)));
        var drop = Assert.Single(found);
        Assert.Equal(AnomalyType.Drop, drop.AnomalyType);
        Assert.Equal(AnomalySeverity.Warning, drop.Severity);
        Assert.True(drop.ZScore < -4);
    }

    [Fact]
    public void A_lasting_spike_fires_once_per_cooldown_and_becomes_the_new_normal()
    {
        var d = new MetricDetector("ops_per_sec", Rule);
        var found = Feed(d, Enumerable.Range(0, 100).Select(Noise).Concat(Enumerable.Range(0, 300).Select(i => Noise(i) + 4000)));
        // Once at the start; during the 60 s cooldown the new level enters the window and, by its end, is the baseline.
        Assert.Single(found);
        Assert.InRange(d.Baseline().Median, 4900, 5100);
    }

    [Fact]
    public void A_second_spike_after_the_cooldown_fires_again()
    {
        var d = new MetricDetector("ops_per_sec", Rule);
        var calm = Enumerable.Range(0, 100).Select(Noise).ToList();
        var burst = Enumerable.Repeat(9000.0, 3).ToList();
        var found = Feed(d, calm.Concat(burst).Concat(calm).Concat(burst));
        Assert.Equal(2, found.Count);
        Assert.True(found[1].Ts - found[0].Ts >= 60_000);
    }

    [Fact]
    public void A_slow_drift_never_fires()
    {
        var d = new MetricDetector("used_memory", Rule with { MinChange = 0 });
        // +0.5 per second on a noisy 1000 baseline: +50 % over 1000 s, never a step.
        Assert.Empty(Feed(d, Enumerable.Range(0, 1000).Select(i => Noise(i) + i * 0.5)));
    }

    [Fact]
    public void A_change_smaller_than_the_minimum_is_ignored_even_on_a_flat_baseline()
    {
        var d = new MetricDetector("connected_clients", Rule with { MinChange = 20 });
        // Flat at 5 clients: any change has an enormous z, but 5 -> 12 is not a storm.
        Assert.Empty(Feed(d, Enumerable.Repeat(5.0, 60).Concat(Enumerable.Repeat(12.0, 10))));
        Assert.Single(Feed(d, Enumerable.Repeat(60.0, 5), startSecond: 70));
    }

    [Fact]
    public void An_absolute_threshold_fires_at_once_as_critical()
    {
        var d = new MetricDetector("fragmentation_ratio", Rule with { MinChange = 0, CriticalAbove = 3 });
        var found = Feed(d, Enumerable.Repeat(1.1, 40).Concat([3.5]));
        var a = Assert.Single(found);
        Assert.Equal(AnomalySeverity.Critical, a.Severity);
    }

    [Fact]
    public void A_role_change_is_a_critical_state_event_and_counters_are_read_as_rates()
    {
        var detector = new ConnectionDetector(AnomalyRules.Defaults);
        var s1 = new InfoSample { Ts = 1_000, RunId = "r", Role = "master", KeyspaceMisses = 100, TotalNetInputBytes = 0 };
        var s2 = new InfoSample { Ts = 3_000, RunId = "r", Role = "slave", KeyspaceMisses = 300, TotalNetInputBytes = 4096 };
        Assert.Empty(detector.Observe(s1));
        var role = Assert.Single(detector.Observe(s2));
        Assert.Equal(AnomalyMetric.Role, role.Metric);
        Assert.Equal(AnomalyType.State, role.AnomalyType);
        Assert.Equal(AnomalySeverity.Critical, role.Severity);
        Assert.Equal("role master -> slave", role.Detail);
        Assert.Equal(100, AnomalyMetric.Read(AnomalyMetric.KeyspaceMisses, s1, s2));
        Assert.Equal(2, AnomalyMetric.Read(AnomalyMetric.InputKbps, s1, s2));
        // A restart (new run id) is no rate at all.
        Assert.Null(AnomalyMetric.Read(AnomalyMetric.KeyspaceMisses, s1, s2 with { RunId = "other" }));
    }

    [Theory]
    [InlineData("used_memory:spike,evicted_keys:spike", "memory pressure: memory up, evictions up")]
    [InlineData("connected_clients:spike", "connection storm")]
    [InlineData("acl_denied:spike", "auth failures")]
    [InlineData("slowlog_entries:spike", "slow commands")]
    [InlineData("ops_per_sec:drop,connected_clients:drop", "traffic drop: clients gone")]
    [InlineData("role:state", "failover")]
    public void Events_that_come_together_get_a_one_line_diagnosis(string events, string expected)
    {
        var set = events.Split(',').Select(e => (e.Split(':')[0], e.Split(':')[1])).ToHashSet();
        Assert.Contains(expected, AnomalyPatterns.Diagnose(set));
    }
}
