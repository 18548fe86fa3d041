using BetterDb.Blazor.Components.Query;
using BetterDb.Core.Analysis;

namespace BetterDb.Tests.Components.Query;

public sealed class AnalysisViewTests
{
    [Fact]
    public void A_short_timeline_keeps_one_point_per_second_and_fills_the_silent_seconds()
    {
        var t = AnalysisView.Timeline([new(100, 5), new(103, 7)]);
        Assert.Equal(1, t.BucketSeconds);
        Assert.Equal([100L, 101, 102, 103], t.Start);
        Assert.Equal([5.0, 0, 0, 7], t.PerSecond);
        Assert.Equal(7, t.Peak);
    }

    [Fact]
    public void A_long_timeline_is_averaged_into_at_most_300_round_buckets()
    {
        // Two hours, 10 lines every second, except a burst of 1000 in one second.
        var points = Enumerable.Range(0, 7200).Select(i => new TimelinePoint(1_000_000 + i, i == 3601 ? 1000 : 10)).ToList();
        var t = AnalysisView.Timeline(points);

        Assert.True(t.Count <= AnalysisView.MaxTimelinePoints, $"{t.Count} points");
        Assert.Equal(30, t.BucketSeconds); // 7200 s / 300 = 24 s -> the next round width
        Assert.Equal(240, t.Count);
        Assert.Equal(1_000_000 + 30, t.Start[1]);
        Assert.Equal(10, t.PerSecond[0]);
        // The burst's bucket: (29 * 10 + 1000) / 30.
        Assert.Equal(Math.Round((29 * 10 + 1000) / 30.0, 2), t.PerSecond[3600 / 30]);
        Assert.Equal(1000, t.Peak);
        // Lines are conserved.
        Assert.Equal(points.Sum(p => p.Count), t.PerSecond.Sum(v => v * 30), 3);
    }

    [Fact]
    public void The_last_partial_bucket_averages_over_the_seconds_it_covers()
    {
        // 601 s at width 2 ... 301 buckets > 300, so width 5: 121 buckets, the last covering 1 s.
        var points = Enumerable.Range(0, 601).Select(i => new TimelinePoint(i, 4)).ToList();
        var t = AnalysisView.Timeline(points);
        Assert.Equal(5, t.BucketSeconds);
        Assert.Equal(121, t.Count);
        Assert.All(t.PerSecond, v => Assert.Equal(4, v));
    }

    [Theory]
    [InlineData(0, "0 µs")]
    [InlineData(999, "999 µs")]
    [InlineData(1_250, "1.25 ms")]
    [InlineData(12_340, "12.3 ms")]
    [InlineData(4_200_000, "4.2 s")]
    public void Inferred_times_read_in_the_right_unit(long us, string text) => Assert.Equal(text, AnalysisView.Micros(us));

    [Theory]
    [InlineData(50, "50%")]
    [InlineData(16.6667, "16.7%")]
    [InlineData(2.5, "2.5%")]
    [InlineData(0.004, "<0.01%")]
    public void Shares_read_as_percentages(double pct, string text) => Assert.Equal(text, AnalysisView.Pct(pct));
}
