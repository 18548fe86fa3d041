using System.Text;
using BetterDb.Core.Lines;

namespace BetterDb.Core.Analysis;

/// <summary>
/// One streaming pass over stored lines, in bounded memory: exact command, client and db counts
/// (few distinct values), lossy heavy-hitter counts for keys and prefixes, per-second timeline,
/// per-command gap histograms, and small top-N lists for the slowest calls and largest arguments.
/// Feed it whole chunks in capture order (<see cref="AddChunk"/>), then call <see cref="Build"/>.
/// </summary>
public sealed class AnalysisAccumulator
{
    /// <summary>Distinct keys (and prefixes, clients) counted exactly before lossy counting starts: ~25 MB each at most.</summary>
    public const int KeyCapacity = 500_000;
    private const int TopN = 20;
    private const int MaxRawShown = 300;

    private readonly byte _delimiter;
    private readonly HeavyHitters _commands = new(100_000);
    private readonly List<GapHistogram> _gaps = [];
    private readonly HeavyHitters _keys = new(KeyCapacity);
    private readonly HeavyHitters _prefixes = new(KeyCapacity);
    private readonly HeavyHitters _clients = new(KeyCapacity);
    private readonly Dictionary<int, long> _dbs = [];
    private readonly SortedDictionary<long, long> _timeline = [];
    private readonly List<SlowCall> _slowest = [];
    private readonly List<LargeArgument> _largest = [];

    private long _lines, _malformed;
    private long _firstTs, _lastTs;
    private long _currentSecond = long.MinValue, _currentSecondCount;

    // The previous well-formed line: its gap is known once the next one arrives.
    private bool _hasPrev;
    private long _prevTs;
    private int _prevCommand;
    private byte[] _prevRaw = new byte[256];
    private int _prevRawLength;

    public AnalysisAccumulator(char prefixDelimiter = ':') => _delimiter = (byte)prefixDelimiter;

    public void AddChunk(ReadOnlySpan<byte> chunk, LineFilter? filter = null)
    {
        while (chunk.Length > 0)
        {
            var nl = chunk.IndexOf((byte)'\n');
            var line = nl < 0 ? chunk : chunk[..nl];
            chunk = nl < 0 ? default : chunk[(nl + 1)..];
            if (filter is not null && !filter.IsEmpty && !filter.Matches(line)) continue;
            Add(line);
        }
    }

    public void Add(ReadOnlySpan<byte> raw)
    {
        if (!MonitorLineParser.TryParse(raw, out var view))
        {
            _malformed++;
            return;
        }
        _lines++;
        var ts = view.TimestampMicros;
        if (_firstTs == 0) _firstTs = ts;
        _lastTs = ts;

        var second = ts / 1_000_000;
        if (second != _currentSecond)
        {
            FlushSecond();
            _currentSecond = second;
        }
        _currentSecondCount++;

        var command = CountCommand(view.Command);
        if (_hasPrev) RecordGap(ts - _prevTs);

        _clients.Add(view.Addr);
        CollectionsMarshalAdd(_dbs, view.Db);
        CountKeysAndArguments(view, command);

        _hasPrev = true;
        _prevTs = ts;
        _prevCommand = command;
        if (raw.Length > _prevRaw.Length) _prevRaw = new byte[Math.Max(raw.Length, _prevRaw.Length * 2)];
        // Only the start is ever shown: keep at most what a slow-call entry displays.
        var keep = Math.Min(raw.Length, MaxRawShown * 4);
        raw[..keep].CopyTo(_prevRaw);
        _prevRawLength = keep;
    }

    private static void CollectionsMarshalAdd(Dictionary<int, long> counts, int key)
    {
        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _);
        slot++;
    }

    private int CountCommand(ReadOnlySpan<byte> escaped)
    {
        Span<byte> upper = stackalloc byte[64];
        var verb = escaped.Length <= upper.Length ? upper[..escaped.Length] : upper;
        for (var i = 0; i < verb.Length; i++)
        {
            var b = escaped[i];
            verb[i] = b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;
        }
        var index = _commands.AddAndIndex(verb);
        while (_gaps.Count <= index) _gaps.Add(new GapHistogram());
        return index;
    }

    private void RecordGap(long gap)
    {
        _gaps[_prevCommand].Add(gap);
        if (_slowest.Count == TopN && gap <= _slowest[^1].GapUs) return;
        var raw = _prevRaw.AsSpan(0, _prevRawLength);
        MonitorLineParser.TryParse(raw, out var prev); // a truncated copy may not parse: fall back to text
        var call = new SlowCall(_prevTs / 1000, Encoding.ASCII.GetString(prev.TimestampText), Encoding.UTF8.GetString(_commands.ItemAt(_prevCommand)),
            Encoding.UTF8.GetString(prev.Addr), gap, Shorten(raw));
        InsertSorted(_slowest, call, (a, b) => b.GapUs.CompareTo(a.GapUs));
    }

    private void CountKeysAndArguments(in MonitorLineView view, int command)
    {
        // Keys are counted by their escaped bytes (escaping is one-to-one) and decoded only for the report.
        Span<Range> keys = stackalloc Range[16];
        var keyCount = KeyExtractor.KeyRanges(view, keys);
        if (keyCount > keys.Length)
        {
            keys = new Range[keyCount];
            KeyExtractor.KeyRanges(view, keys);
        }
        for (var i = 0; i < keyCount; i++)
        {
            var key = view.ArgsText[keys[i]];
            _keys.Add(key);
            var cut = key.IndexOf(_delimiter);
            _prefixes.Add(cut > 0 ? key[..(cut + 1)] : key);
        }

        // Largest arguments: the escaped length bounds the real one, so only candidates are decoded.
        var args = view.EnumerateArgs();
        var index = -1;
        while (args.MoveNext())
        {
            index++;
            if (index == 0) continue;
            var escaped = args.Current;
            if (_largest.Count == TopN && escaped.Length <= _largest[^1].Bytes) continue;
            long size = escaped.IndexOf((byte)'\\') < 0 ? escaped.Length : SdsRepr.Unescape(escaped).Length;
            if (_largest.Count == TopN && size <= _largest[^1].Bytes) continue;
            var arg = new LargeArgument(view.TimestampMicros / 1000, Encoding.UTF8.GetString(_commands.ItemAt(command)),
                keyCount > 0 ? SdsRepr.ToDisplay(view.ArgsText[keys[0]]) is var k && k.Length > MaxRawShown ? k[..MaxRawShown] + "…" : k : null, Encoding.UTF8.GetString(view.Addr), index, size);
            InsertSorted(_largest, arg, (a, b) => b.Bytes.CompareTo(a.Bytes));
        }
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
        _timeline[_currentSecond] = _timeline.GetValueOrDefault(_currentSecond) + _currentSecondCount;
        _currentSecondCount = 0;
    }

    public AnalysisReport Build(string? sessionId, int top = 50)
    {
        FlushSecond();
        var total = Math.Max(1, _lines);
        var commandNames = new Dictionary<int, string>();
        var commands = Enumerable.Range(0, _commands.Distinct)
            .Select(i => (Index: i, Name: Encoding.UTF8.GetString(_commands.ItemAt(i)), Count: _commands.CountAt(i)))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        var timings = commands
            .Where(c => _gaps[c.Index].Count > 0)
            .Select(c =>
            {
                var h = _gaps[c.Index];
                return new CommandTiming(c.Name, h.Count, h.Percentile(0.5), h.Percentile(0.75), h.Percentile(0.9), h.Percentile(0.99), h.MaxMicros, h.TotalMicros);
            }).ToList();
        var durationMs = _lines > 0 ? (_lastTs - _firstTs) / 1000 : 0;
        var maxError = Math.Max(_keys.MaxError, Math.Max(_prefixes.MaxError, _clients.MaxError));
        return new AnalysisReport
        {
            SessionId = sessionId,
            LineCount = _lines,
            MalformedCount = _malformed,
            DurationMs = durationMs,
            CommandsPerSec = durationMs > 0 ? Math.Round(_lines * 1000.0 / durationMs, 1) : _lines,
            FirstTs = _lines > 0 ? _firstTs / 1000 : null,
            LastTs = _lines > 0 ? _lastTs / 1000 : null,
            Commands = commands.Select(c => new CommandCount(c.Name, c.Count, Math.Round(c.Count * 100.0 / total, 2))).ToList(),
            TopKeys = _keys.Top(top).Select(k => new KeyCount(SdsRepr.ToDisplay(k.Item), k.Count)).ToList(),
            TopPrefixes = _prefixes.Top(top).Select(k => new PrefixCount(SdsRepr.ToDisplay(k.Item), k.Count)).ToList(),
            Clients = _clients.Top(top).Select(k => new ClientCount(Encoding.UTF8.GetString(k.Item), k.Count)).ToList(),
            Dbs = _dbs.OrderBy(d => d.Key).Select(d => new DbCount(d.Key, d.Value)).ToList(),
            Timeline = _timeline.Select(t => new TimelinePoint(t.Key, t.Value)).ToList(),
            InferredTime = new InferredTime
            {
                PerCommand = timings,
                Heaviest = timings.OrderByDescending(t => t.TotalUs).Take(10).ToList(),
                Slowest = _slowest.ToList(),
            },
            LargestArguments = _largest.ToList(),
            PrefixDelimiter = ((char)_delimiter).ToString(),
            CountsExact = maxError == 0,
            MaxCountError = maxError,
            ComputedAt = DateTime.UtcNow,
        };
    }
}
