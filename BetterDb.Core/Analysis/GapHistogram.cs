using System.Numerics;

namespace BetterDb.Core.Analysis;

/// <summary>
/// Microsecond durations in log-linear buckets (16 per power of two, so a percentile is
/// within ~6 % of the truth) in a fixed 1,024-slot array: bounded memory per command.
/// </summary>
internal sealed class GapHistogram
{
    private const int SubBuckets = 16;
    private readonly long[] _buckets = new long[64 * SubBuckets];
    // The sum of the gaps in each bucket, so a histogram cut at a bucket (busy gaps only) keeps an exact total.
    private readonly long[] _sums = new long[64 * SubBuckets];

    public long Count { get; private set; }
    public long TotalMicros { get; private set; }
    public long MaxMicros { get; private set; }

    public void Add(long micros)
    {
        if (micros < 0) micros = 0;
        var bucket = Bucket(micros);
        _buckets[bucket]++;
        _sums[bucket] += micros;
        Count++;
        TotalMicros += micros;
        if (micros > MaxMicros) MaxMicros = micros;
    }

    public void Merge(GapHistogram other)
    {
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] += other._buckets[i];
            _sums[i] += other._sums[i];
        }
        Count += other.Count;
        TotalMicros += other.TotalMicros;
        MaxMicros = Math.Max(MaxMicros, other.MaxMicros);
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), as the upper edge of its bucket.</summary>
    public long Percentile(double q)
    {
        if (Count == 0) return 0;
        var rank = (long)Math.Ceiling(q * Count);
        if (rank < 1) rank = 1;
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= rank) return Math.Min(UpperEdge(i), MaxMicros);
        }
        return MaxMicros;
    }

    /// <summary>The gaps in buckets up to <paramref name="maxBucket"/> only (the busy ones); its maximum is the highest such bucket's edge, capped by the real maximum.</summary>
    public GapHistogram Below(int maxBucket)
    {
        var cut = new GapHistogram();
        var last = Math.Min(maxBucket, _buckets.Length - 1);
        for (var i = 0; i <= last; i++)
        {
            if (_buckets[i] == 0) continue;
            cut._buckets[i] = _buckets[i];
            cut._sums[i] = _sums[i];
            cut.Count += _buckets[i];
            cut.TotalMicros += _sums[i];
            cut.MaxMicros = Math.Min(UpperEdge(i), MaxMicros);
        }
        return cut;
    }

    /// <summary>The bucket a gap of <paramref name="v"/> µs falls in.</summary>
    internal static int Bucket(long v)
    {
        if (v < SubBuckets) return (int)v;
        var exp = 63 - BitOperations.LeadingZeroCount((ulong)v); // >= 4
        var sub = (int)((v >> (exp - 4)) & (SubBuckets - 1));
        return (exp - 3) * SubBuckets + sub;
    }

    /// <summary>The largest gap a bucket holds.</summary>
    internal static long UpperEdge(int bucket)
    {
        if (bucket < SubBuckets) return bucket;
        var exp = bucket / SubBuckets + 3;
        var sub = bucket % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << (exp - 4)) - 1;
    }
}
