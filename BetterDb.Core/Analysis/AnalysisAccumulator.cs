using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using BetterDb.Core.Lines;

namespace BetterDb.Core.Analysis;

/// <summary>
/// One streaming pass over stored lines, in bounded memory: exact command, client and db counts
/// (few distinct values), lossy heavy-hitter counts for keys and prefixes, per-second timeline,
/// per-command gap histograms, and small top-N lists for the slowest calls and largest arguments.
/// </summary>
/// <remarks>
/// Two ways to feed it:
/// <list type="bullet">
/// <item>sequentially: whole chunks in capture order with <see cref="AddChunk(ReadOnlySpan{byte}, LineFilter?)"/>
///   (the last line of a chunk waits for the next chunk's first line to know its gap);</item>
/// <item>in parallel: each worker its own accumulator, each chunk with the first MONITOR timestamp after it
///   (<see cref="AddChunk(ReadOnlySpan{byte}, LineFilter?, long)"/>, known from the next chunk's metadata),
///   then <see cref="Merge"/>. Every result is the same either way: ties are broken by value, never by arrival.</item>
/// </list>
/// A filter selects the lines that count; a line's inferred time is still the gap to the next line of the
/// capture (whatever it is), because that is the time the server spent before the next command started.
/// </remarks>
public sealed class AnalysisAccumulator
{
    /// <summary>
    /// Distinct keys (and prefixes, clients) counted exactly before lossy counting starts: ~64 bytes per key
    /// (plus keys longer than 28 bytes), so ~35 MB per counter at most, per worker.
    /// </summary>
    public const int KeyCapacity = 500_000;
    /// <summary>Distinct verbs with their own entry (a server has ~250); more fall into <see cref="OtherCommands"/>.</summary>
    public const int MaxCommands = 1024;
    public const string OtherCommands = "(OTHER)";
    private const int TopN = 20;

    /// <summary>A gap counts as a command's time (a busy stretch) up to this many times the capture's median gap...</summary>
    public const int BusyFactor = 16;
    /// <summary>...but never less than this (a median of a few µs on a very busy server)...</summary>
    public const long BusyFloorUs = 50;
    /// <summary>...and never more: a server whose commands are further apart than this waits for its clients, it is not busy.</summary>
    public const long BusyCeilingUs = 1000;
    private static readonly int MaxBusyBucket = GapHistogram.Bucket(BusyCeilingUs);
    private const int MaxRawShown = 300;
    private const int KeysOnStack = 16;
    private const int ArgsOnStack = 32;

    private readonly byte _delimiter;
    private readonly bool _delimiterIsVerbatim;
    private readonly KeySpecTable _keySpecs;
    private readonly HeavyHitters _commands = new(MaxCommands + 1);
    private readonly List<GapHistogram> _gaps = [];
    private readonly HeavyHitters _keys = new(KeyCapacity);
    private readonly HeavyHitters _prefixes = new(KeyCapacity);
    private readonly HeavyHitters _clients = new(KeyCapacity);
    private readonly long[] _smallDbs = new long[16];
    private readonly Dictionary<int, long> _otherDbs = [];
    private readonly Dictionary<long, long> _timeline = [];
    private readonly List<SlowCall> _slowest = [];
    // Every gap between two well-formed lines of the capture, selected or not: how busy the server was.
    private readonly GapHistogram _allGaps = new();
    // The slowest calls of each histogram bucket up to the busy ceiling: once the threshold is known (a bucket),
    // the slowest busy calls are exactly those of the buckets at or below it.
    private readonly List<SlowCall>?[] _busySlowest = new List<SlowCall>?[MaxBusyBucket + 1];
    private readonly List<LargeArgument> _largest = [];

    // Keys of the current chunk waiting to be counted in one batch (ranges into the chunk), with their prefixes.
    private Range[] _batchKeys = new Range[1024];
    private Range[] _batchPrefixes = new Range[1024];
    private int _batched;

    private long _lines, _malformed;
    private long _firstTs = long.MaxValue, _lastTs = long.MinValue;
    private long _currentSecond = long.MinValue, _currentSecondCount;

    // Sequential feeding: the last well-formed line of the previous chunk, whose gap the next chunk closes.
    private bool _hasPending;
    private bool _pendingCounts;
    private long _pendingTs;
    private int _pendingCommand;
    private byte[] _pendingRaw = new byte[512];
    private int _pendingLength;

    /// <param name="prefixDelimiter">key prefixes end at the first one of these (kept in the prefix: <c>user:</c>)</param>
    /// <param name="keySpecs">how keys are found: the session's server's table; null for the built-in one</param>
    public AnalysisAccumulator(char prefixDelimiter = ':', KeySpecTable? keySpecs = null)
    {
        _delimiter = (byte)prefixDelimiter;
        // Keys are counted by their escaped bytes, where only printable ASCII other than '"' and '\' stands for itself.
        _delimiterIsVerbatim = _delimiter is >= 0x20 and <= 0x7e and not (byte)'"' and not (byte)'\\';
        _keySpecs = keySpecs ?? KeySpecTable.BuiltIn;
    }

    /// <summary>Lines counted so far (well-formed, passing the filter).</summary>
    public long LineCount => _lines;

    /// <summary>The next chunk of the capture, in order; the filter (if any) selects the lines that count.</summary>
    public void AddChunk(ReadOnlySpan<byte> chunk, LineFilter? filter = null) => AddChunk(chunk, filter, sequential: true, 0);

    /// <summary>
    /// A chunk taken on its own (parallel feeding): <paramref name="nextTsMicros"/> is the MONITOR timestamp of the
    /// first well-formed line after it (0 when none), which closes the gap of its last line.
    /// </summary>
    public void AddChunk(ReadOnlySpan<byte> chunk, LineFilter? filter, long nextTsMicros) => AddChunk(chunk, filter, sequential: false, nextTsMicros);

    /// <summary>One line, as if it were the next chunk.</summary>
    public void Add(ReadOnlySpan<byte> raw) => AddChunk(raw, null, sequential: true, 0);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddChunk(ReadOnlySpan<byte> chunk, LineFilter? filter, bool sequential, long nextTsMicros)
    {
        if (filter is { IsEmpty: true }) filter = null;
        var keySpecs = filter?.KeySpecs ?? _keySpecs;
        _batched = 0;

        // The previous well-formed line of this chunk, still waiting for its gap.
        var prevStart = -1;
        var prevLength = 0;
        var prevCounts = false;
        long prevTs = 0;
        var prevCommand = 0;

        var offset = 0;
        while (offset < chunk.Length)
        {
            var rest = chunk[offset..];
            var nl = rest.IndexOf((byte)'\n');
            var length = nl < 0 ? rest.Length : nl;
            var line = rest[..length];
            var start = offset;
            offset += length + 1;

            if (!MonitorLineParser.TryParse(line, out var view))
            {
                // Only a text filter can select a malformed line.
                if (filter is null || filter.Matches(line)) _malformed++;
                continue;
            }

            var ts = view.TimestampMicros;
            if (prevStart >= 0)
            {
                _allGaps.Add(ts - prevTs);
                if (prevCounts) RecordGap(prevCommand, prevTs, ts - prevTs, chunk.Slice(prevStart, prevLength));
            }
            else if (_hasPending)
            {
                _hasPending = false;
                _allGaps.Add(ts - _pendingTs);
                if (_pendingCounts) RecordGap(_pendingCommand, _pendingTs, ts - _pendingTs, _pendingRaw.AsSpan(0, _pendingLength));
            }

            var counts = filter is null || filter.Matches(line, view, keySpecs);
            if (counts) prevCommand = Count(chunk, view, keySpecs);
            prevStart = start;
            prevLength = length;
            prevCounts = counts;
            prevTs = ts;
        }

        FlushKeys(chunk);
        if (prevStart < 0) return; // no well-formed line: a pending one keeps waiting
        if (!sequential)
        {
            if (nextTsMicros != 0) _allGaps.Add(nextTsMicros - prevTs);
            if (prevCounts && nextTsMicros != 0) RecordGap(prevCommand, prevTs, nextTsMicros - prevTs, chunk.Slice(prevStart, prevLength));
            return;
        }
        _hasPending = true;
        _pendingCounts = prevCounts;
        _pendingTs = prevTs;
        _pendingCommand = prevCommand;
        if (prevCounts)
        {
            if (prevLength > _pendingRaw.Length) _pendingRaw = new byte[Math.Max(prevLength, _pendingRaw.Length * 2)];
            chunk.Slice(prevStart, prevLength).CopyTo(_pendingRaw);
            _pendingLength = prevLength;
        }
    }

    /// <summary>Counts one selected line; returns its command's index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Count(ReadOnlySpan<byte> chunk, in MonitorLineView view, KeySpecTable keySpecs)
    {
        _lines++;
        var ts = view.TimestampMicros;
        if (ts < _firstTs) _firstTs = ts;
        if (ts > _lastTs) _lastTs = ts;

        var second = ts / 1_000_000;
        if (second != _currentSecond)
        {
            FlushSecond();
            _currentSecond = second;
        }
        _currentSecondCount++;

        var command = CountCommand(view.Command);
        _clients.Add(view.Addr);
        if ((uint)view.Db < (uint)_smallDbs.Length) _smallDbs[view.Db]++;
        else CollectionsMarshal.GetValueRefOrAddDefault(_otherDbs, view.Db, out _)++;
        CountKeysAndArguments(chunk, view, command, keySpecs);
        return command;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int CountCommand(ReadOnlySpan<byte> escaped)
    {
        Span<byte> upper = stackalloc byte[64];
        var verb = escaped.Length <= upper.Length ? upper[..escaped.Length] : upper;
        for (var i = 0; i < verb.Length; i++)
        {
            var b = escaped[i];
            verb[i] = b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;
        }
        int index;
        if (_commands.Distinct < MaxCommands) index = _commands.AddAndIndex(verb);
        else if ((index = _commands.IndexOf(verb)) >= 0) _commands.AddAt(index);
        else index = _commands.AddAndIndex(Encoding.ASCII.GetBytes(OtherCommands)); // never pruned: capacity is MaxCommands + 1
        while (_gaps.Count <= index) _gaps.Add(new GapHistogram());
        return index;
    }

    private void RecordGap(int command, long ts, long gap, ReadOnlySpan<byte> raw)
    {
        if (gap < 0) gap = 0; // a clock step back
        _gaps[command].Add(gap);
        SlowCall? call = null;
        // A tie with the last entry may still belong before it (same millisecond): only a sure loser is skipped,
        // so every worker keeps its exact top N and the merged list equals a single pass.
        if (!SurelySlowerNotNeeded(_slowest, gap, ts)) InsertSorted(_slowest, call = MakeCall(command, ts, gap, raw), SlowestFirst);
        var bucket = GapHistogram.Bucket(gap);
        if (bucket > MaxBusyBucket) return;
        var list = _busySlowest[bucket] ??= [];
        if (!SurelySlowerNotNeeded(list, gap, ts)) InsertSorted(list, call ?? MakeCall(command, ts, gap, raw), SlowestFirst);
    }

    private static bool SurelySlowerNotNeeded(List<SlowCall> list, long gap, long ts) =>
        list.Count == TopN && (gap < list[^1].GapUs || (gap == list[^1].GapUs && ts / 1000 > list[^1].Ts));

    private SlowCall MakeCall(int command, long ts, long gap, ReadOnlySpan<byte> raw)
    {
        if (raw.EndsWith("\r"u8)) raw = raw[..^1]; // a CRLF file's line, as the API shows it
        MonitorLineParser.TryParse(raw, out var view);
        return new SlowCall(ts / 1000, Encoding.ASCII.GetString(view.TimestampText), Encoding.UTF8.GetString(_commands.ItemAt(command)),
            Encoding.UTF8.GetString(view.Addr), gap, Shorten(raw));
    }

    private static int SlowestFirst(SlowCall a, SlowCall b)
    {
        var c = b.GapUs.CompareTo(a.GapUs);
        if (c == 0) c = a.Ts.CompareTo(b.Ts);
        if (c == 0) c = string.CompareOrdinal(a.TsRaw, b.TsRaw);
        return c != 0 ? c : string.CompareOrdinal(a.Raw, b.Raw);
    }

    private static int LargestFirst(LargeArgument a, LargeArgument b)
    {
        var c = b.Bytes.CompareTo(a.Bytes);
        if (c == 0) c = a.Ts.CompareTo(b.Ts);
        if (c == 0) c = string.CompareOrdinal(a.Addr, b.Addr);
        if (c == 0) c = a.ArgIndex.CompareTo(b.ArgIndex);
        if (c == 0) c = string.CompareOrdinal(a.Cmd, b.Cmd);
        return c != 0 ? c : string.CompareOrdinal(a.Key, b.Key);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountKeysAndArguments(ReadOnlySpan<byte> chunk, in MonitorLineView view, int command, KeySpecTable keySpecs)
    {
        // Every argument located once, for the keys and the largest arguments alike.
        var argc = view.ArgCount;
        Span<Range> argv = argc <= ArgsOnStack ? stackalloc Range[ArgsOnStack] : new Range[argc];
        argv = argv[..argc];
        KeyExtractor.LocateArgs(view, argv);

        // Keys are counted by their escaped bytes (escaping is one-to-one) and decoded only for the report.
        Span<Range> keys = stackalloc Range[KeysOnStack];
        var keyCount = keySpecs.KeyRanges(view, argv, keys);
        if (keyCount > keys.Length)
        {
            keys = new Range[keyCount];
            keySpecs.KeyRanges(view, argv, keys);
        }
        // Counted later in one batch (HeavyHitters.AddMany): ranges into the chunk, which outlives the batch.
        var argsAt = (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(chunk), ref MemoryMarshal.GetReference(view.ArgsText));
        if (_batched + keyCount > _batchKeys.Length)
        {
            FlushKeys(chunk);
            if (keyCount > _batchKeys.Length)
            {
                _batchKeys = new Range[keyCount];
                _batchPrefixes = new Range[keyCount];
            }
        }
        for (var i = 0; i < keyCount; i++)
        {
            var (offset, length) = keys[i].GetOffsetAndLength(view.ArgsText.Length);
            var key = view.ArgsText.Slice(offset, length);
            var cut = _delimiterIsVerbatim ? key.IndexOf(_delimiter) : EscapedIndexOf(key, _delimiter);
            _batchKeys[_batched] = new Range(argsAt + offset, argsAt + offset + length);
            _batchPrefixes[_batched] = cut > 0 ? new Range(argsAt + offset, argsAt + offset + cut + 1) : _batchKeys[_batched];
            _batched++;
        }

        // Largest arguments: the escaped text of all arguments bounds each real one, so most lines skip this.
        if (_largest.Count == TopN && view.ArgsText.Length <= _largest[^1].Bytes) return;
        var ms = view.TimestampMicros / 1000;
        for (var index = 1; index < argc; index++)
        {
            var escaped = view.ArgsText[argv[index]];
            if (SurelyNotLargest(escaped.Length, ms)) continue;
            // Counted, not decoded: a huge argument must not become a copy of itself.
            long size = escaped.IndexOf((byte)'\\') < 0 ? escaped.Length : SdsRepr.UnescapedLength(escaped);
            if (SurelyNotLargest(size, ms)) continue;
            string? firstKey = null;
            if (keyCount > 0)
            {
                var k = SdsRepr.ToDisplay(view.ArgsText[keys[0]], MaxRawShown * 4, out _);
                firstKey = k.Length > MaxRawShown ? k[..MaxRawShown] + "…" : k;
            }
            var arg = new LargeArgument(view.TimestampMicros / 1000, Encoding.UTF8.GetString(_commands.ItemAt(command)),
                firstKey, Encoding.UTF8.GetString(view.Addr), index, size);
            InsertSorted(_largest, arg, LargestFirst);
        }
    }

    /// <summary>Whether an argument of this size (or at most this size), seen at <paramref name="ms"/>, cannot enter the top N.</summary>
    private bool SurelyNotLargest(long size, long ms)
    {
        if (_largest.Count < TopN) return false;
        var last = _largest[^1];
        return size < last.Bytes || (size == last.Bytes && ms > last.Ts); // a tie in the same ms is decided in full
    }

    private void FlushKeys(ReadOnlySpan<byte> chunk)
    {
        if (_batched == 0) return;
        _keys.AddMany(chunk, _batchKeys.AsSpan(0, _batched));
        _prefixes.AddMany(chunk, _batchPrefixes.AsSpan(0, _batched));
        _batched = 0;
    }

    /// <summary>Where the (non-printable, quote or backslash) delimiter byte sits in escaped text; the index of its escape.</summary>
    private static int EscapedIndexOf(ReadOnlySpan<byte> escaped, byte delimiter)
    {
        var i = 0;
        while (i < escaped.Length)
        {
            if (escaped[i] != (byte)'\\')
            {
                if (escaped[i] == delimiter) return i;
                i++;
                continue;
            }
            var n = SdsRepr.DecodeEscape(escaped[i..], out var value);
            if (n == 0) { i++; continue; }
            if (value == delimiter) return i + n - 1; // the prefix keeps the whole escape
            i += n;
        }
        return -1;
    }

    private static void InsertSorted<T>(List<T> list, T item, Comparison<T> order)
    {
        var i = list.FindIndex(x => order(item, x) < 0);
        if (i < 0) list.Add(item);
        else list.Insert(i, item);
        if (list.Count > TopN) list.RemoveAt(list.Count - 1);
    }

    private static string Shorten(ReadOnlySpan<byte> text)
    {
        var s = Encoding.UTF8.GetString(text.Length > MaxRawShown ? text[..MaxRawShown] : text);
        return text.Length > MaxRawShown ? s + "…" : s;
    }

    private void FlushSecond()
    {
        if (_currentSecondCount == 0) return;
        CollectionsMarshal.GetValueRefOrAddDefault(_timeline, _currentSecond, out _) += _currentSecondCount;
        _currentSecondCount = 0;
    }

    /// <summary>
    /// The inferred time inside busy stretches only. MONITOR shows when each command started, so a command's time is read
    /// as the gap to the next line; that is the command's own cost only while the server is busy (the next command was
    /// already waiting). A gap counts as busy when it is at most <see cref="BusyFactor"/> times the capture's median gap,
    /// kept between <see cref="BusyFloorUs"/> and <see cref="BusyCeilingUs"/> (rounded up to the histogram's bucket edge);
    /// longer gaps are idle time, whoever sent the command before them.
    /// </summary>
    private BusyTime BuildBusy(List<(int Index, string Name)> commands)
    {
        var median = _allGaps.Count == 0 ? 0 : _allGaps.Percentile(0.5);
        var wanted = Math.Clamp(median * BusyFactor, BusyFloorUs, BusyCeilingUs);
        var bucket = GapHistogram.Bucket(wanted);
        var threshold = GapHistogram.UpperEdge(bucket);
        var timings = new List<CommandTiming>();
        long busyGaps = 0, idleGaps = 0, idleUs = 0;
        foreach (var (index, name) in commands)
        {
            if (index >= _gaps.Count || _gaps[index].Count == 0) continue;
            var all = _gaps[index];
            var h = all.Below(bucket);
            idleGaps += all.Count - h.Count;
            idleUs += all.TotalMicros - h.TotalMicros;
            if (h.Count == 0) continue;
            busyGaps += h.Count;
            timings.Add(new CommandTiming(name, h.Count, h.Percentile(0.5), h.Percentile(0.75), h.Percentile(0.9), h.Percentile(0.99), h.MaxMicros, h.TotalMicros));
        }
        var slowest = new List<SlowCall>();
        for (var b = Math.Min(bucket, MaxBusyBucket); b >= 0 && slowest.Count < TopN; b--)
            if (_busySlowest[b] is { } calls)
                foreach (var call in calls) InsertSorted(slowest, call, SlowestFirst);
        return new BusyTime
        {
            MedianGapUs = median,
            ThresholdUs = threshold,
            BusyGaps = busyGaps,
            IdleGaps = idleGaps,
            IdleUs = idleUs,
            PerCommand = timings,
            Heaviest = timings.OrderByDescending(t => t.TotalUs).ThenBy(t => t.Cmd, StringComparer.Ordinal).Take(10).ToList(),
            Slowest = slowest,
        };
    }

    /// <summary>
    /// Adds everything <paramref name="other"/> counted (a worker's share of the chunks). Both must have been fed
    /// with <see cref="AddChunk(ReadOnlySpan{byte}, LineFilter?, long)"/>, so no line waits for a gap.
    /// </summary>
    public void Merge(AnalysisAccumulator other)
    {
        if (_hasPending || other._hasPending)
            throw new InvalidOperationException("Only accumulators fed chunk by chunk with the next timestamp can merge.");
        other.FlushSecond();
        FlushSecond();
        _lines += other._lines;
        _malformed += other._malformed;
        _firstTs = Math.Min(_firstTs, other._firstTs);
        _lastTs = Math.Max(_lastTs, other._lastTs);
        for (var i = 0; i < other._commands.Distinct; i++)
        {
            var name = other._commands.ItemAt(i);
            var index = _commands.IndexOf(name);
            if (index >= 0) _commands.AddAt(index, other._commands.CountAt(i));
            else if (_commands.Distinct < MaxCommands || name.SequenceEqual(Encoding.ASCII.GetBytes(OtherCommands)))
                index = _commands.AddAndIndex(name, other._commands.CountAt(i));
            else
                index = _commands.AddAndIndex(Encoding.ASCII.GetBytes(OtherCommands), other._commands.CountAt(i));
            while (_gaps.Count <= index) _gaps.Add(new GapHistogram());
            if (i < other._gaps.Count) _gaps[index].Merge(other._gaps[i]);
        }
        _keys.Merge(other._keys);
        _prefixes.Merge(other._prefixes);
        _clients.Merge(other._clients);
        for (var i = 0; i < _smallDbs.Length; i++) _smallDbs[i] += other._smallDbs[i];
        foreach (var (db, n) in other._otherDbs) CollectionsMarshal.GetValueRefOrAddDefault(_otherDbs, db, out _) += n;
        foreach (var (second, n) in other._timeline) CollectionsMarshal.GetValueRefOrAddDefault(_timeline, second, out _) += n;
        foreach (var call in other._slowest) InsertSorted(_slowest, call, SlowestFirst);
        _allGaps.Merge(other._allGaps);
        for (var b = 0; b < _busySlowest.Length; b++)
        {
            if (other._busySlowest[b] is not { } theirs) continue;
            var mine = _busySlowest[b] ??= [];
            foreach (var call in theirs) InsertSorted(mine, call, SlowestFirst);
        }
        foreach (var arg in other._largest) InsertSorted(_largest, arg, LargestFirst);
    }

    public AnalysisReport Build(string? sessionId, int top = 50)
    {
        FlushSecond();
        var total = Math.Max(1, _lines);
        var commands = Enumerable.Range(0, _commands.Distinct)
            .Select(i => (Index: i, Name: Encoding.UTF8.GetString(_commands.ItemAt(i)), Count: _commands.CountAt(i)))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        var timings = commands
            .Where(c => c.Index < _gaps.Count && _gaps[c.Index].Count > 0)
            .Select(c =>
            {
                var h = _gaps[c.Index];
                return new CommandTiming(c.Name, h.Count, h.Percentile(0.5), h.Percentile(0.75), h.Percentile(0.9), h.Percentile(0.99), h.MaxMicros, h.TotalMicros);
            }).ToList();
        var hasLines = _lines > 0;
        var durationMs = hasLines ? (_lastTs - _firstTs) / 1000 : 0;
        var maxError = Math.Max(_keys.MaxError, Math.Max(_prefixes.MaxError, _clients.MaxError));
        var dbs = _smallDbs.Select((n, db) => (Db: db, Count: n)).Where(d => d.Count > 0)
            .Concat(_otherDbs.Select(d => (Db: d.Key, Count: d.Value)))
            .OrderBy(d => d.Db).Select(d => new DbCount(d.Db, d.Count)).ToList();
        return new AnalysisReport
        {
            SessionId = sessionId,
            LineCount = _lines,
            MalformedCount = _malformed,
            DurationMs = durationMs,
            CommandsPerSec = durationMs > 0 ? Math.Round(_lines * 1000.0 / durationMs, 1) : _lines,
            FirstTs = hasLines ? _firstTs / 1000 : null,
            LastTs = hasLines ? _lastTs / 1000 : null,
            Commands = commands.Select(c => new CommandCount(c.Name, c.Count, Math.Round(c.Count * 100.0 / total, 2))).ToList(),
            TopKeys = _keys.Top(top).Select(k => new KeyCount(SdsRepr.ToDisplay(k.Item), k.Count)).ToList(),
            TopPrefixes = _prefixes.Top(top).Select(k => new PrefixCount(SdsRepr.ToDisplay(k.Item), k.Count)).ToList(),
            Clients = _clients.Top(top).Select(k => new ClientCount(Encoding.UTF8.GetString(k.Item), k.Count)).ToList(),
            Dbs = dbs,
            Timeline = _timeline.OrderBy(t => t.Key).Select(t => new TimelinePoint(t.Key, t.Value)).ToList(),
            InferredTime = new InferredTime
            {
                PerCommand = timings,
                Heaviest = timings.OrderByDescending(t => t.TotalUs).Take(10).ToList(),
                Slowest = _slowest.ToList(),
                Busy = BuildBusy(commands.Select(c => (c.Index, c.Name)).ToList()),
            },
            LargestArguments = _largest.ToList(),
            PrefixDelimiter = ((char)_delimiter).ToString(),
            CountsExact = maxError == 0,
            MaxCountError = maxError,
            DistinctKeys = _keys.Distinct,
            DistinctPrefixes = _prefixes.Distinct,
            DistinctClients = _clients.Distinct,
            ComputedAt = DateTime.UtcNow,
        };
    }
}
