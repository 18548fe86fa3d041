namespace BetterDb.Core.Replay;

/// <summary>A run's live counters, written by the planner and the connections and read by whoever shows progress.</summary>
public sealed class ReplayCounters
{
    private long _linesRead, _sent, _replies, _errors;
    private readonly long[] _skipped = new long[Enum.GetValues<ReplaySkipReason>().Length];

    public long LinesRead => Interlocked.Read(ref _linesRead);
    /// <summary>Captured commands written to the target (SELECTs the replay adds are not counted).</summary>
    public long Sent => Interlocked.Read(ref _sent);
    public long Replies => Interlocked.Read(ref _replies);
    public long Errors => Interlocked.Read(ref _errors);
    public long Skipped
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _skipped.Length; i++) total += Volatile.Read(ref _skipped[i]);
            return total;
        }
    }

    public IReadOnlyDictionary<ReplaySkipReason, long> SkippedByReason =>
        Enum.GetValues<ReplaySkipReason>().Where(r => Volatile.Read(ref _skipped[(int)r]) > 0).ToDictionary(r => r, r => Volatile.Read(ref _skipped[(int)r]));

    internal void LineRead() => Interlocked.Increment(ref _linesRead);
    internal void Skip(ReplaySkipReason reason) => Interlocked.Increment(ref _skipped[(int)reason]);
    internal void AddSent(long n) => Interlocked.Add(ref _sent, n);
    internal void AddReplies(long replies, long errors)
    {
        Interlocked.Add(ref _replies, replies);
        if (errors > 0) Interlocked.Add(ref _errors, errors);
    }
}
