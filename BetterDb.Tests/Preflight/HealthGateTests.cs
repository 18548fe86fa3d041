using BetterDb.Core.Configuration;
using BetterDb.Core.Preflight;

namespace BetterDb.Tests.Preflight;

public sealed class HealthGateTests
{
    private static readonly HealthGateOptions Options = new();
    private static readonly DateTime T0 = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);

    private static HealthSignals Healthy => new(0.10, 0, 0, false);

    [Fact]
    public void A_healthy_server_is_allowed()
    {
        var d = HealthGate.Evaluate(Healthy, Options);
        Assert.True(d.Allow);
        Assert.Null(d.SkipReason);
        Assert.Empty(d.Reasons);
        Assert.Equal(0.85, d.Thresholds.MemoryPctThreshold);
        Assert.Equal(10_485_760, d.Thresholds.ReplicationLagThresholdBytes);
    }

    [Fact]
    public void Reasons_come_in_order_memory_oom_failover_lag()
    {
        var all = new HealthSignals(0.99, 3, 50_000_000, true);
        var d = HealthGate.Evaluate(all, Options);
        Assert.False(d.Allow);
        Assert.Equal(SkipReasons.MemoryAboveThreshold, d.SkipReason);
        Assert.Equal(SkipReasons.InOrder, d.Reasons);

        Assert.Equal(SkipReasons.RecentOom, HealthGate.Evaluate(all with { MemoryPct = 0.1 }, Options).SkipReason);
        Assert.Equal(SkipReasons.FailoverInProgress, HealthGate.Evaluate(all with { MemoryPct = 0.1, OomEventsRecent = 0 }, Options).SkipReason);
        Assert.Equal(SkipReasons.ReplicationLagAboveThreshold,
            HealthGate.Evaluate(all with { MemoryPct = 0.1, OomEventsRecent = 0, FailoverInProgress = false }, Options).SkipReason);
    }

    [Theory]
    [InlineData(0.8499, true)]
    [InlineData(0.85, false)] // reaching the threshold closes the gate
    [InlineData(0.9, false)]
    public void Memory_threshold_is_a_fraction(double pct, bool allow)
    {
        var d = HealthGate.Evaluate(Healthy with { MemoryPct = pct }, Options);
        Assert.Equal(allow, d.Allow);
        if (!allow) Assert.Contains("threshold 85%", d.Detail[0]);
    }

    [Fact]
    public void Thresholds_come_from_options()
    {
        var strict = new HealthGateOptions { MemoryPctThreshold = 0.5, ReplicationLagBytes = 1000 };
        Assert.Equal(SkipReasons.MemoryAboveThreshold, HealthGate.Evaluate(Healthy with { MemoryPct = 0.6 }, strict).SkipReason);
        Assert.Equal(SkipReasons.ReplicationLagAboveThreshold, HealthGate.Evaluate(Healthy with { ReplicationLagBytes = 1000 }, strict).SkipReason);
        Assert.True(HealthGate.Evaluate(Healthy with { ReplicationLagBytes = 999 }, strict).Allow);
        Assert.True(HealthGate.Evaluate(Healthy with { ReplicationLagBytes = 1000 }, Options).Allow);
    }

    private static Dictionary<string, string> Info(params (string K, string V)[] fields)
    {
        var d = new Dictionary<string, string>
        {
            ["run_id"] = "run1",
            ["role"] = "master",
            ["uptime_in_seconds"] = "86400",
            ["used_memory"] = "1000",
            ["maxmemory"] = "0",
            ["total_system_memory"] = "0",
            ["master_repl_offset"] = "0",
            ["master_failover_state"] = "no-failover",
            ["loading"] = "0",
        };
        foreach (var (k, v) in fields) d[k] = v;
        return d;
    }

    [Fact]
    public void Memory_is_a_fraction_of_maxmemory_else_of_system_memory_else_zero()
    {
        var withLimit = HealthSignalReader.Read(Info(("used_memory", "900"), ("maxmemory", "1000"), ("total_system_memory", "100000")), T0, [], Options);
        Assert.Equal(0.9, withLimit.MemoryPct);
        Assert.Equal("maxmemory", withLimit.MemoryBasis);

        var noLimit = HealthSignalReader.Read(Info(("used_memory", "250"), ("total_system_memory", "1000")), T0, [], Options);
        Assert.Equal(0.25, noLimit.MemoryPct);
        Assert.Equal("total_system_memory", noLimit.MemoryBasis);

        var unknown = HealthSignalReader.Read(Info(("used_memory", "250")), T0, [], Options);
        Assert.Equal(0, unknown.MemoryPct);
        Assert.Equal("unknown", unknown.MemoryBasis);
    }

    [Fact]
    public void OOM_count_rising_within_the_window_is_recent()
    {
        var earlier = new[] { new HealthSample(T0.AddMinutes(-10), "run1", "master", 4, 86000), new HealthSample(T0.AddMinutes(-6), "run1", "master", 5, 86100) };
        var now = Info(("errorstat_OOM", "count=8"));
        // Baseline: the last sample at or before the window start (6 min ago), so 8 - 5.
        Assert.Equal(3, HealthSignalReader.Read(now, T0, earlier, Options).OomEventsRecent);
    }

    [Fact]
    public void Old_OOM_errors_are_not_recent()
    {
        var earlier = new[] { new HealthSample(T0.AddMinutes(-6), "run1", "master", 8, 86100), new HealthSample(T0.AddMinutes(-2), "run1", "master", 8, 86300) };
        Assert.Equal(0, HealthSignalReader.Read(Info(("errorstat_OOM", "count=8")), T0, earlier, Options).OomEventsRecent);
    }

    [Fact]
    public void Without_a_baseline_a_long_running_server_has_no_recent_OOM_but_a_fresh_one_does()
    {
        Assert.Equal(0, HealthSignalReader.Read(Info(("errorstat_OOM", "count=8")), T0, [], Options).OomEventsRecent);
        // Started 60 s ago, window 300 s: every rejection it has counted is recent.
        Assert.Equal(8, HealthSignalReader.Read(Info(("errorstat_OOM", "count=8"), ("uptime_in_seconds", "60")), T0, [], Options).OomEventsRecent);
    }

    [Fact]
    public void A_restart_resets_the_counter_so_samples_of_an_older_run_are_no_baseline()
    {
        var earlier = new[] { new HealthSample(T0.AddMinutes(-1), "old-run", "master", 50, 99999) };
        Assert.Equal(0, HealthSignalReader.Read(Info(("errorstat_OOM", "count=2"), ("run_id", "new-run")), T0, earlier, Options).OomEventsRecent);
    }

    [Fact]
    public void A_baseline_inside_the_window_counts_what_happened_since()
    {
        var earlier = new[] { new HealthSample(T0.AddSeconds(-1), "run1", "master", 2, 86399) };
        Assert.Equal(1, HealthSignalReader.Read(Info(("errorstat_OOM", "count=3")), T0, earlier, Options).OomEventsRecent);
    }

    [Theory]
    [InlineData("loading", "1", "loading:1")]
    [InlineData("master_failover_state", "failover-in-progress", "master_failover_state:failover-in-progress")]
    public void Loading_or_a_coordinated_failover_is_a_failover_in_progress(string key, string value, string expected)
    {
        var s = HealthSignalReader.Read(Info((key, value)), T0, [], Options);
        Assert.True(s.FailoverInProgress);
        Assert.Contains(expected, s.FailoverDetail);
    }

    [Fact]
    public void A_replica_with_its_link_down_or_syncing_is_in_failover()
    {
        var down = HealthSignalReader.Read(Info(("role", "slave"), ("master_link_status", "down"), ("master_sync_in_progress", "0")), T0, [], Options);
        Assert.True(down.FailoverInProgress);
        Assert.Contains("master_link_status:down", down.FailoverDetail);

        var syncing = HealthSignalReader.Read(Info(("role", "slave"), ("master_link_status", "up"), ("master_sync_in_progress", "1")), T0, [], Options);
        Assert.True(syncing.FailoverInProgress);

        var fine = HealthSignalReader.Read(Info(("role", "slave"), ("master_link_status", "up"), ("master_sync_in_progress", "0")), T0, [], Options);
        Assert.False(fine.FailoverInProgress);
    }

    [Fact]
    public void A_role_change_within_the_window_is_a_failover_but_an_old_one_is_not()
    {
        var recent = new[] { new HealthSample(T0.AddSeconds(-30), "run1", "slave", 0, 86370) };
        var s = HealthSignalReader.Read(Info(("role", "master")), T0, recent, Options);
        Assert.True(s.FailoverInProgress);
        Assert.Contains("from replica to primary", s.FailoverDetail);

        var old = new[] { new HealthSample(T0.AddMinutes(-3), "run1", "slave", 0, 86220) };
        Assert.False(HealthSignalReader.Read(Info(("role", "master")), T0, old, Options).FailoverInProgress);
    }

    [Fact]
    public void Primary_lag_is_the_largest_gap_to_a_replica_offset()
    {
        var info = Info(("master_repl_offset", "5000"),
            ("slave0", "ip=10.0.0.2,port=6379,state=online,offset=4900,lag=0"),
            ("slave1", "ip=10.0.0.3,port=6379,state=online,offset=1000,lag=1"));
        var s = HealthSignalReader.Read(info, T0, [], Options);
        Assert.Equal(4000, s.ReplicationLagBytes);
        Assert.Equal("replicas", s.ReplicationLagSource);

        var alone = HealthSignalReader.Read(Info(("master_repl_offset", "5000")), T0, [], Options);
        Assert.Equal(0, alone.ReplicationLagBytes);
        Assert.Equal("no_replicas", alone.ReplicationLagSource);
    }

    [Fact]
    public void Replica_lag_needs_the_primary_offset()
    {
        var info = Info(("role", "slave"), ("master_link_status", "up"), ("slave_repl_offset", "700"), ("master_repl_offset", "700"));
        var seen = HealthSignalReader.Read(info, T0, [], Options, primaryOffset: 1700);
        Assert.Equal(1000, seen.ReplicationLagBytes);
        Assert.Equal("primary_offset", seen.ReplicationLagSource);

        var unseen = HealthSignalReader.Read(info, T0, [], Options);
        Assert.Equal(0, unseen.ReplicationLagBytes);
        Assert.Equal("primary_not_visible", unseen.ReplicationLagSource);
    }

    [Fact]
    public void History_keeps_samples_per_connection_and_drops_old_ones()
    {
        var history = new InfoSampleHistory(TimeSpan.FromMinutes(10));
        history.Record("a", new HealthSample(T0, "r", "master", 0, 1));
        history.Record("a", new HealthSample(T0.AddMinutes(5), "r", "master", 0, 1));
        history.Record("b", new HealthSample(T0.AddMinutes(5), "r", "slave", 0, 1));
        Assert.Equal(2, history.Earlier("a").Count);
        history.Record("a", new HealthSample(T0.AddMinutes(12), "r", "master", 0, 1));
        Assert.Equal([T0.AddMinutes(5), T0.AddMinutes(12)], history.Earlier("a").Select(s => s.At));
        Assert.Single(history.Earlier("b"));
        Assert.Empty(history.Earlier("c"));
    }
}
