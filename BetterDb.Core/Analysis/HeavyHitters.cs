using System.Runtime.InteropServices;

namespace BetterDb.Core.Analysis;

/// <summary>
/// Counts byte strings (keys, prefixes, clients, commands) in bounded memory: exact until
/// <see cref="Capacity"/> distinct items, then lossy counting — the least-counted half is
/// dropped and anything new starts with that loss as its possible undercount, so the heavy
/// hitters survive and every reported count is within <see cref="MaxError"/> of the truth.
/// Lookups hash the bytes in place: no string per line.
/// </summary>
internal sealed class HeavyHitters
{
    private struct Entry
    {
        public int Offset;
        public int Length;
        public int Hash;
        public long Count;
        public long Error;
    }

    private byte[] _arena = new byte[4096];
    private int _arenaUsed;
    private Entry[] _entries = new Entry[256];
    private int _count;
    private int[] _buckets = new int[512]; // entry index + 1; 0 = empty

    public HeavyHitters(int capacity) => Capacity = capacity;

    public int Capacity { get; }

    /// <summary>The most any reported count can be below the true one (0 while exact).</summary>
    public long MaxError { get; private set; }

    public bool IsExact => MaxError == 0;

    public int Distinct => _count;

    public void Add(ReadOnlySpan<byte> item, long n = 1) => AddAndIndex(item, n);

    /// <summary>Counts <paramref name="item"/> and returns its entry index, stable until the next prune.</summary>
    public int AddAndIndex(ReadOnlySpan<byte> item, long n = 1)
    {
        var hash = Hash(item);
        var mask = _buckets.Length - 1;
        var b = hash & mask;
        while (true)
        {
            var slot = _buckets[b];
            if (slot == 0) break;
            ref var e = ref _entries[slot - 1];
            if (e.Hash == hash && _arena.AsSpan(e.Offset, e.Length).SequenceEqual(item))
            {
                e.Count += n;
                return slot - 1;
            }
            b = (b + 1) & mask;
        }
        if (_count == Capacity)
        {
            Prune();
            return AddAndIndex(item, n);
        }
        Insert(item, hash, n + MaxError, MaxError);
        return _count - 1;
    }

    public ReadOnlySpan<byte> ItemAt(int index) => _arena.AsSpan(_entries[index].Offset, _entries[index].Length);

    public long CountAt(int index) => _entries[index].Count;

    private void Insert(ReadOnlySpan<byte> item, int hash, long count, long error)
    {
        if (_arenaUsed + item.Length > _arena.Length)
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaUsed + item.Length));
        item.CopyTo(_arena.AsSpan(_arenaUsed));
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count] = new Entry { Offset = _arenaUsed, Length = item.Length, Hash = hash, Count = count, Error = error };
        _arenaUsed += item.Length;
        _count++;
        if (_count * 2 > _buckets.Length) Rehash(_buckets.Length * 2);
        else Place(_count - 1);
    }

    private void Place(int index)
    {
        var mask = _buckets.Length - 1;
        var b = _entries[index].Hash & mask;
        while (_buckets[b] != 0) b = (b + 1) & mask;
        _buckets[b] = index + 1;
    }

    private void Rehash(int size)
    {
        _buckets = new int[size];
        for (var i = 0; i < _count; i++) Place(i);
    }

    /// <summary>Drops the least-counted half; their largest count bounds the error of what comes next.</summary>
    private void Prune()
    {
        var counts = new long[_count];
        for (var i = 0; i < _count; i++) counts[i] = _entries[i].Count;
        Array.Sort(counts);
        var threshold = counts[_count / 2];
        MaxError = Math.Max(MaxError, threshold);
        var oldArena = _arena;
        var old = _entries.AsSpan(0, _count).ToArray();
        _arena = new byte[oldArena.Length];
        _arenaUsed = 0;
        _count = 0;
        foreach (var e in old)
        {
            if (e.Count <= threshold) continue;
            var item = oldArena.AsSpan(e.Offset, e.Length);
            item.CopyTo(_arena.AsSpan(_arenaUsed));
            _entries[_count++] = new Entry { Offset = _arenaUsed, Length = e.Length, Hash = e.Hash, Count = e.Count, Error = e.Error };
            _arenaUsed += e.Length;
        }
        Rehash(_buckets.Length);
    }

    /// <summary>Adds everything another counter saw (parallel workers merge into one).</summary>
    public void Merge(HeavyHitters other)
    {
        for (var i = 0; i < other._count; i++)
        {
            ref var e = ref other._entries[i];
            Add(other._arena.AsSpan(e.Offset, e.Length), e.Count);
        }
        MaxError += other.MaxError;
    }

    public IReadOnlyList<(byte[] Item, long Count)> Top(int n)
    {
        var order = Enumerable.Range(0, _count)
            .OrderByDescending(i => _entries[i].Count)
            .ThenBy(i => i)
            .Take(n);
        return order.Select(i => (_arena.AsSpan(_entries[i].Offset, _entries[i].Length).ToArray(), _entries[i].Count)).ToList();
    }

    private static int Hash(ReadOnlySpan<byte> item)
    {
        // FNV-1a over 8-byte words: cheap for the short keys MONITOR lines carry.
        ulong h = 14695981039346656037UL;
        var words = MemoryMarshal.Cast<byte, ulong>(item);
        foreach (var w in words) h = (h ^ w) * 1099511628211UL;
        for (var i = words.Length * 8; i < item.Length; i++) h = (h ^ item[i]) * 1099511628211UL;
        return (int)(h ^ (h >> 32)) & int.MaxValue;
    }
}
