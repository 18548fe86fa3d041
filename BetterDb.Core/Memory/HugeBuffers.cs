namespace BetterDb.Core.Memory;

/// <summary>
/// Gives the memory of a huge, short-lived buffer back to the OS. A chunk holding a 300 MB line is decompressed into an
/// array of its own (never a pooled one, which the pool would keep), but after the GC frees it the runtime keeps the
/// pages (measured: RSS stayed at 1.07 GB with 31 MB of live heap). An aggressive full GC decommits them (RSS back to
/// 0.49 GB, 44 ms with a small heap): requested after such a buffer is dropped, at most once per
/// <see cref="MinInterval"/>, on the thread pool so no request waits for it. Ordinary chunks (512 KB) never get here.
/// </summary>
public static class HugeBuffers
{
    /// <summary>Buffers at least this large are worth a collection once dropped.</summary>
    public const int Threshold = 32 * 1024 * 1024;

    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(5);

    private static long _lastCollect = Environment.TickCount64 - (long)MinInterval.TotalMilliseconds;
    private static int _queued; // a collection is on its way
    private static int _again;  // a buffer was dropped since that collection was decided on

    /// <summary>Call when a buffer of <paramref name="bytes"/> is no longer referenced.</summary>
    public static void Dropped(long bytes)
    {
        if (bytes < Threshold) return;
        Volatile.Write(ref _again, 1);
        if (Interlocked.Exchange(ref _queued, 1) == 0) _ = CollectAsync();
    }

    private static async Task CollectAsync()
    {
        while (true)
        {
            Volatile.Write(ref _again, 0);
            // A burst of huge reads gets one collection after it, not one each.
            var wait = Interlocked.Read(ref _lastCollect) + (long)MinInterval.TotalMilliseconds - Environment.TickCount64;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(wait, 100))).ConfigureAwait(false);
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            Interlocked.Exchange(ref _lastCollect, Environment.TickCount64);
            if (Volatile.Read(ref _again) == 1) continue;
            Volatile.Write(ref _queued, 0);
            // Dropped between the check and the reset saw a collection queued and left it to this one.
            if (Volatile.Read(ref _again) == 0 || Interlocked.Exchange(ref _queued, 1) == 1) return;
        }
    }
}
