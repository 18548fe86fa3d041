using System.Globalization;
using BetterDb.Core.Analysis;

namespace BetterDb.Blazor.Components.Query;

/// <summary>How the analysis reads on screen: inferred times, rates, the timeline at chart size.</summary>
public static class AnalysisView
{
    /// <summary>The most points the lines-per-second chart draws; longer captures are averaged into wider buckets.</summary>
    public const int MaxTimelinePoints = 300;

    /// <summary>Bucket widths, in seconds, that read naturally on a time axis.</summary>
    private static readonly int[] BucketSeconds = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

    /// <summary>850 -> "850 µs", 12_300 -> "12.3 ms", 4_200_000 -> "4.20 s".</summary>
    public static string Micros(long us)
    {
        if (us < 1_000) return us.ToString(CultureInfo.InvariantCulture) + " µs";
        if (us < 1_000_000)
        {
            var ms = us / 1000.0;
            return ms.ToString(ms >= 100 ? "0" : ms >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture) + " ms";
        }
        var s = us / 1_000_000.0;
        return s.ToString(s >= 100 ? "0" : s >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture) + " s";
    }

    /// <summary>12.345 -> "12.3", 12345.6 -> "12,346".</summary>
    public static string Rate(double perSec) =>
        perSec >= 100 ? perSec.ToString("#,0", CultureInfo.InvariantCulture) : perSec.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>A percentage 0..100 -> "37.5%" ("&lt;0.01%" for tiny non-zero shares).</summary>
    public static string Pct(double pct) =>
        pct > 0 && pct < 0.01 ? "<0.01%" : pct.ToString(pct >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>Epoch ms -> "09:23:13.123" in <paramref name="zone"/>.</summary>
    public static string Time(long epochMs, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddMilliseconds(epochMs), zone).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    /// <summary>Epoch ms -> "2026-11-30 09:23:13" in <paramref name="zone"/>.</summary>
    public static string DateTimeText(long epochMs, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddMilliseconds(epochMs), zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The timeline as a chart draws it: one point per bucket, in lines per second.</summary>
    /// <param name="Start">epoch second of each bucket's start</param>
    public sealed record TimelineSeries(long[] Start, double[] PerSecond, int BucketSeconds, long Peak)
    {
        public int Count => Start.Length;
    }

    /// <summary>
    /// Seconds with no line are missing from the report: they count as zero here. The seconds from the
    /// first to the last are grouped into buckets of a natural width so that at most <paramref name="maxPoints"/>
    /// remain; each point is its bucket's average rate (the last bucket averages over the seconds it covers).
    /// </summary>
    public static TimelineSeries Timeline(IReadOnlyList<TimelinePoint> points, int maxPoints = MaxTimelinePoints)
    {
        if (points.Count == 0) return new([], [], 1, 0);
        var first = points[0].Second;
        var last = points[^1].Second;
        var span = last - first + 1;
        var width = BucketSeconds.FirstOrDefault(w => (span + w - 1) / w <= maxPoints);
        if (width == 0) width = (int)Math.Min(int.MaxValue, (span + maxPoints - 1) / maxPoints);
        var buckets = (int)((span + width - 1) / width);
        var start = new long[buckets];
        var sum = new long[buckets];
        for (var i = 0; i < buckets; i++) start[i] = first + (long)i * width;
        long peak = 0;
        foreach (var p in points)
        {
            sum[(p.Second - first) / width] += p.Count;
            peak = Math.Max(peak, p.Count);
        }
        var perSecond = new double[buckets];
        for (var i = 0; i < buckets; i++)
        {
            var seconds = Math.Min(width, last + 1 - start[i]);
            perSecond[i] = Math.Round(sum[i] / (double)seconds, 2);
        }
        return new(start, perSecond, width, peak);
    }
}
