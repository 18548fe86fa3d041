using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace BetterDb.Core.Analysis;

/// <summary>
/// Counts byte strings (keys, prefixes, clients, commands) in bounded memory: exact until
/// <see cref="Capacity"/> distinct items, then lossy counting — the least-counted half is
/// dropped and anything new starts with that loss as its possible undercount, so the heavy
/// hitters survive and every reported count is within <see cref="MaxError"/> of the truth.
/// Lookups hash the bytes in place: no string per line.
/// </summary>
/// <remarks>
/// Laid out for a table far larger than the CPU caches (a capture's keys): the bucket array holds each
/// entry's hash beside its index, so a probe touches no entry that cannot match, and an entry (48 bytes)
/// holds items of up to 28 bytes itself, so a hit costs two memory reads, not three. Entries live in
/// fixed blocks, so growing never copies the table or leaves a large garbage array behind.
/// A table takes about 48 + 16 bytes per item, plus the bytes of items longer than 28.
/// </remarks>
internal sealed class HeavyHitters
{
    private const int InlineBytes = 28;
    private const int BlockShift = 14;
    private const int BlockSize = 1 << BlockShift; // entries per block

    [InlineArray(InlineBytes)]
    private struct InlineItem
    {
        private byte _first;
    }

    private struct Entry
    {
        public long Count;
        public int Offset; // into the arena, for items longer than InlineBytes
        public int Length;
        public int Hash;
        public InlineItem Head;
    }

    private byte[] _arena = [];
    private int _arenaUsed;
    private Entry[][] _blocks = [new Entry[64]]; // the first block grows to BlockSize, then more blocks follow
    private int _count;
    private int _last = -1; // the entry counted last: runs of one item (a pipelining client, one key prefix) skip the hash
    private ulong[] _buckets = new ulong[128]; // hash << 32 | entry index + 1; 0 = empty

    public HeavyHitters(int capacity) => Capacity = capacity;

    public int Capacity { get; }

    /// <summary>The most any reported count can be below the true one (0 while exact).</summary>
    public long MaxError { get; private set; }

    public bool IsExact => MaxError == 0;

    public int Distinct => _count;

    public void Add(ReadOnlySpan<byte> item, long n = 1) => AddAndIndex(item, n);

    /// <summary>Counts <paramref name="item"/> and returns its entry index, stable until the next prune.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int AddAndIndex(ReadOnlySpan<byte> item, long n = 1)
    {
        if (_last >= 0)
        {
            ref var last = ref At(_last);
            if (last.Length == item.Length && Item(ref last).SequenceEqual(item))
            {
                last.Count += n;
                return _last;
            }
        }
        return AddAndIndex(item, Hash(item), n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int AddAndIndex(ReadOnlySpan<byte> item, int hash, long n)
    {
        var index = Find(item, hash);
        if (index >= 0)
        {
            At(index).Count += n;
            return _last = index;
        }
        if (_count == Capacity) Prune();
        Insert(item, hash, n + MaxError);
        return _last = _count - 1;
    }

    /// <summary>
    /// Counts each of <paramref name="items"/> (ranges of <paramref name="source"/>) once. Same result as adding
    /// them one by one, but the table's memory is asked for ahead (prefetched) for the whole batch, so a
    /// table larger than the CPU caches costs one memory wait per batch instead of two per item.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void AddMany(ReadOnlySpan<byte> source, ReadOnlySpan<Range> items)
    {
        const int Batch = 64;
        Span<int> hashes = stackalloc int[Batch];
        while (!items.IsEmpty)
        {
            var batch = items[..Math.Min(Batch, items.Length)];
            items = items[batch.Length..];
            var buckets = _buckets;
            var mask = buckets.Length - 1;
            for (var i = 0; i < batch.Length; i++)
            {
                // The same item again (one prefix for many keys): its hash and its entry are at hand already.
                if (i > 0 && source[batch[i]].SequenceEqual(source[batch[i - 1]]))
                {
                    hashes[i] = hashes[i - 1];
                    continue;
                }
                var hash = hashes[i] = Hash(source[batch[i]]);
                if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref buckets[hash & mask]));
            }
            if (Sse.IsSupported)
            {
                // The first bucket usually holds the item: fetch its entry too before anything waits on it.
                for (var i = 0; i < batch.Length; i++)
                {
                    var slot = buckets[hashes[i] & mask];
                    if (slot != 0 && (int)(slot >> 32) == hashes[i] && (int)(uint)slot - 1 < _count)
                        Sse.Prefetch0(Unsafe.AsPointer(ref At((int)(uint)slot - 1)));
                }
            }
            for (var i = 0; i < batch.Length; i++)
            {
                var item = source[batch[i]];
                if (_last >= 0 && i > 0 && hashes[i] == hashes[i - 1] && item.SequenceEqual(source[batch[i - 1]]))
                    At(_last).Count++;
                else
                    AddAndIndex(item, hashes[i], 1);
            }
        }
    }

    /// <summary>The entry index of <paramref name="item"/>, or -1 when it is not counted.</summary>
    public int IndexOf(ReadOnlySpan<byte> item) => Find(item, Hash(item));

    /// <summary>Adds <paramref name="n"/> to the entry at <paramref name="index"/>.</summary>
    public void AddAt(int index, long n = 1) => At(index).Count += n;

    public ReadOnlySpan<byte> ItemAt(int index) => Item(ref At(index));

    public long CountAt(int index) => At(index).Count;

    private ref Entry At(int index) => ref _blocks[index >> BlockShift][index & (BlockSize - 1)];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Find(ReadOnlySpan<byte> item, int hash)
    {
        var buckets = _buckets;
        var mask = buckets.Length - 1;
        var b = hash & mask;
        while (true)
        {
            var slot = buckets[b];
            if (slot == 0) return -1;
            if ((int)(slot >> 32) == hash)
            {
                var index = (int)(uint)slot - 1;
                ref var e = ref At(index);
                if (e.Length == item.Length && Item(ref e).SequenceEqual(item)) return index;
            }
            b = (b + 1) & mask;
        }
    }

    private ReadOnlySpan<byte> Item(ref Entry e) =>
        e.Length <= InlineBytes ? ((ReadOnlySpan<byte>)e.Head)[..e.Length] : _arena.AsSpan(e.Offset, e.Length);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Insert(ReadOnlySpan<byte> item, int hash, long count)
    {
        var block = _count >> BlockShift;
        if (block == _blocks.Length) Array.Resize(ref _blocks, _blocks.Length * 2);
        if (_blocks[block] is null) _blocks[block] = new Entry[BlockSize];
        else if ((_count & (BlockSize - 1)) == _blocks[block].Length) Array.Resize(ref _blocks[block], Math.Min(BlockSize, _blocks[block].Length * 4));
        ref var e = ref At(_count);
        e = new Entry { Count = count, Length = item.Length, Hash = hash };
        Store(ref e, item);
        _count++;
        if (_count * 2 > _buckets.Length) Rehash(_buckets.Length * 2);
        else Place(_count - 1);
    }

    private void Store(ref Entry e, ReadOnlySpan<byte> item)
    {
        if (item.Length <= InlineBytes)
        {
            item.CopyTo(e.Head);
            return;
        }
        if (_arenaUsed + item.Length > _arena.Length)
            Array.Resize(ref _arena, Math.Max(Math.Max(_arena.Length * 2, 4096), _arenaUsed + item.Length));
        item.CopyTo(_arena.AsSpan(_arenaUsed));
        e.Offset = _arenaUsed;
        _arenaUsed += item.Length;
    }

    private void Place(int index)
    {
        var mask = _buckets.Length - 1;
        var hash = At(index).Hash;
        var b = hash & mask;
        while (_buckets[b] != 0) b = (b + 1) & mask;
        _buckets[b] = ((ulong)(uint)hash << 32) | (uint)(index + 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Rehash(int size)
    {
        _buckets = new ulong[size];
        for (var i = 0; i < _count; i++) Place(i);
    }

    /// <summary>Drops the least-counted half; their largest count bounds the error of what comes next.</summary>
    private void Prune()
    {
        var counts = new long[_count];
        for (var i = 0; i < _count; i++) counts[i] = At(i).Count;
        Array.Sort(counts);
        var threshold = counts[_count / 2];
        MaxError = Math.Max(MaxError, threshold);
        _last = -1;
        var oldArena = _arena;
        _arena = new byte[oldArena.Length];
        _arenaUsed = 0;
        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            var e = At(i);
            if (e.Count <= threshold) continue;
            if (e.Length > InlineBytes)
            {
                oldArena.AsSpan(e.Offset, e.Length).CopyTo(_arena.AsSpan(_arenaUsed));
                e.Offset = _arenaUsed;
                _arenaUsed += e.Length;
            }
            At(kept++) = e;
        }
        _count = kept;
        Rehash(_buckets.Length);
    }

    /// <summary>Adds everything another counter saw (parallel workers merge into one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Merge(HeavyHitters other)
    {
        for (var i = 0; i < other._count; i++)
            Add(other.ItemAt(i), other.CountAt(i));
        MaxError += other.MaxError;
    }

    /// <summary>The <paramref name="n"/> highest counts; ties in byte order, so the answer does not depend on arrival order.</summary>
    public IReadOnlyList<(byte[] Item, long Count)> Top(int n)
    {
        var order = Enumerable.Range(0, _count)
            .OrderByDescending(CountAt)
            .ThenBy(i => i, Comparer<int>.Create((a, b) => ItemAt(a).SequenceCompareTo(ItemAt(b))))
            .Take(n);
        return order.Select(i => (ItemAt(i).ToArray(), CountAt(i))).ToList();
    }

    private static int Hash(ReadOnlySpan<byte> item)
    {
        // XXH3: fast on short keys and well mixed in the low bits the table indexes by. (A word-wise FNV-1a
        // left keys that differ only in their last digits - key:000000052076 - in a few thousand buckets.)
        var h = XxHash3.HashToUInt64(item);
        return (int)(h ^ (h >> 32));
    }
}
