using BetterDb.Blazor.Components.History;
using BetterDb.Core.History;

namespace BetterDb.Tests.History;

/// <summary>The Instance page's chart series from INFO samples (pure logic).</summary>
public sealed class InstanceSeriesTests
{
    private static InfoSample S(long sec, string run, long hits, long misses, long evicted, long used = 1000, long max = 0) => new()
    {
        Ts = 1_800_000_000_000 + sec * 1000, RunId = run, OpsPerSec = sec, UsedMemory = used, MaxMemory = max, ConnectedClients = 3, BlockedClients = 0,
        KeyspaceHits = hits, KeyspaceMisses = misses, EvictedKeys = evicted,
    };

    [Fact]
    public void Rates_come_from_counter_growth_and_a_restart_step_is_left_out_not_drawn_negative()
    {
        var series = InstanceSeries.From([S(0, "a", 0, 0, 0), S(10, "a", 30, 10, 20), S(20, "a", 30, 10, 20), S(30, "b", 1, 1, 0), S(40, "b", 2, 3, 10)],
            360, TimeZoneInfo.Utc);
        // 30 hits of 40 lookups; no lookups in the second step (no point); the restart step skipped; then 1 of 3.
        Assert.Equal(new[] { 75.0, 33.33 }, series.HitRatioPct.Select(p => p.Value));
        Assert.Equal(new[] { 2.0, 0.0, 1.0 }, series.EvictionsPerSec.Select(p => p.Value));
        Assert.Equal(5, series.UsedMemory.Count);
        Assert.Empty(series.MaxMemory); // no maxmemory: no line at 0
        Assert.Equal(TimeSpan.FromSeconds(10), series.Bucket); // one point per sample when they are further apart than a bucket
    }

    [Fact]
    public void Many_samples_are_grouped_into_at_most_the_points_asked_for_with_ops_averaged()
    {
        var samples = Enumerable.Range(0, 3600).Select(i => S(i, "a", i, 0, 0, max: 5000)).ToList();
        var series = InstanceSeries.From(samples, 360, TimeZoneInfo.Utc);
        Assert.True(series.OpsPerSec.Count <= 360, $"{series.OpsPerSec.Count} points");
        Assert.Equal(series.UsedMemory.Count, series.MaxMemory.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(Math.Ceiling(3_599_000 / 359.0)), series.Bucket);
        // The first bucket holds samples 0..10 (bucket 10.03 s): their ops averaged.
        Assert.Equal(5.0, series.OpsPerSec[0].Value);
    }
}
