namespace BetterDb.Core.Capture;

/// <summary>
/// Consecutive captured lines copied out of the writer in one piece: the bytes
/// are "line\n" repeated, exactly as stored. One allocation per read batch
/// instead of one per line keeps the capture path cheap whether or not anyone watches.
/// </summary>
public sealed class TailBlock
{
    public TailBlock(byte[] data, int[] lineEnds, long firstSeq)
        : this(data, lineEnds, lineEnds.Length, firstSeq)
    {
    }

    private TailBlock(byte[] data, int[] lineEnds, int lineCount, long firstSeq)
    {
        Data = data;
        LineEnds = lineEnds;
        LineCount = lineCount;
        FirstSeq = firstSeq;
    }

    /// <summary>The lines' bytes, from 0 to <see cref="Length"/>; a recycled array may be longer.</summary>
    public byte[] Data { get; private set; }
    /// <summary>Offset just past each line's '\n', for the first <see cref="LineCount"/> entries.</summary>
    public int[] LineEnds { get; private set; }
    /// <summary>Session-wide number of the first line (0-based).</summary>
    public long FirstSeq { get; internal set; }
    /// <summary>The cluster node the lines came from (a fan-out capture); null for a capture of one server.</summary>
    public string? NodeId { get; private set; }
    public int LineCount { get; private set; }
    public int Length => LineCount == 0 ? 0 : LineEnds[LineCount - 1];

    /// <summary>Handed to a viewer: a viewer may hold it for as long as it likes, so it is never recycled.</summary>
    internal bool Shared { get; set; }

    /// <summary>Line <paramref name="i"/> without its terminator.</summary>
    public ReadOnlySpan<byte> Line(int i)
    {
        var start = i == 0 ? 0 : LineEnds[i - 1];
        return Data.AsSpan(start, LineEnds[i] - start - 1);
    }

    /// <summary>A block holding a copy of <paramref name="data"/>, in <paramref name="reuse"/>'s arrays when they are big enough.</summary>
    internal static TailBlock Copy(ReadOnlySpan<byte> data, ReadOnlySpan<int> lineEnds, long firstSeq, TailBlock? reuse, string? nodeId = null)
    {
        var bytes = reuse is not null && reuse.Data.Length >= data.Length ? reuse.Data : GC.AllocateUninitializedArray<byte>(data.Length);
        var ends = reuse is not null && reuse.LineEnds.Length >= lineEnds.Length ? reuse.LineEnds : new int[lineEnds.Length];
        data.CopyTo(bytes);
        lineEnds.CopyTo(ends);
        if (reuse is null) return new TailBlock(bytes, ends, lineEnds.Length, firstSeq) { NodeId = nodeId };
        (reuse.Data, reuse.LineEnds, reuse.LineCount, reuse.FirstSeq, reuse.Shared, reuse.NodeId) = (bytes, ends, lineEnds.Length, firstSeq, false, nodeId);
        return reuse;
    }
}

/// <summary>
/// The live feed of one capture: a ring of recent lines that a viewer gets on
/// join, and one bounded queue per viewer. Publishing never waits for a viewer;
/// a viewer that falls behind loses its own oldest lines and is told how many.
/// While nobody watches, a block that leaves the backlog is recycled for the next one: a capture copies its lines
/// into the same few arrays instead of allocating (and the GC collecting) a copy of every captured byte.
/// </summary>
public sealed class LiveTail
{
    public const int DefaultBacklogLines = 5_000;
    /// <summary>
    /// The backlog also ends at this many bytes: 5,000 lines of 4 KB values would hold 20 MB for nobody, long enough for the
    /// GC to promote every block to its oldest generation and collect it there (background GCs were 11 % of the app's CPU).
    /// </summary>
    public const int DefaultBacklogBytes = 2 * 1024 * 1024;
    public const int DefaultViewerCapacity = 10_000;

    private readonly object _gate = new();
    private readonly Queue<TailBlock> _backlog = new();
    private readonly int _backlogLines;
    private readonly long _backlogBytes;
    private int _backlogCount;
    private long _backlogSize;
    private TailViewer[] _viewers = [];
    private bool _completed;
    /// <summary>Blocks that left the backlog and that no viewer ever saw, to be filled again.</summary>
    private readonly Stack<TailBlock> _spare = new();
    private const int MaxSpare = 8;
    // Several writers (a fan-out capture) each number their own lines: the tail numbers the blocks in the order they arrive.
    private readonly bool _renumber;
    private long _nextSeq;

    /// <summary>The backlog is the newest blocks that hold <paramref name="backlogLines"/> lines or <paramref name="backlogBytes"/> bytes, whichever comes first.</summary>
    /// <param name="renumber">the tail of several writers (one per cluster node): lines are numbered in the order their blocks arrive.</param>
    public LiveTail(int backlogLines = DefaultBacklogLines, long backlogBytes = DefaultBacklogBytes, bool renumber = false)
    {
        _backlogLines = backlogLines;
        _backlogBytes = backlogBytes;
        _renumber = renumber;
    }

    public bool IsCompleted { get { lock (_gate) return _completed; } }

    /// <summary>Publishes a copy of <paramref name="data"/> (the lines ending at <paramref name="lineEnds"/>), in a recycled block when one is spare.</summary>
    public void Publish(ReadOnlySpan<byte> data, ReadOnlySpan<int> lineEnds, long firstSeq, string? nodeId = null)
    {
        TailBlock? spare;
        lock (_gate)
        {
            if (_completed) return;
            _spare.TryPop(out spare);
        }
        Publish(TailBlock.Copy(data, lineEnds, firstSeq, spare, nodeId));
    }

    public void Publish(TailBlock block)
    {
        TailViewer[] viewers;
        lock (_gate)
        {
            if (_completed) return;
            viewers = _viewers;
            if (_renumber)
            {
                block.FirstSeq = _nextSeq;
                _nextSeq += block.LineCount;
            }
            block.Shared |= viewers.Length > 0;
            _backlog.Enqueue(block);
            _backlogCount += block.LineCount;
            _backlogSize += block.Length;
            while (_backlog.Count > 1 && (_backlogCount - _backlog.Peek().LineCount >= _backlogLines || _backlogSize - _backlog.Peek().Length >= _backlogBytes))
            {
                var old = _backlog.Dequeue();
                _backlogCount -= old.LineCount;
                _backlogSize -= old.Length;
                if (!old.Shared && _spare.Count < MaxSpare) _spare.Push(old);
            }
        }
        foreach (var v in viewers) v.Enqueue(block);
    }

    /// <summary>Ends the feed: viewers drain what they hold, then see completion.</summary>
    public void Complete()
    {
        TailViewer[] viewers;
        lock (_gate)
        {
            if (_completed) return;
            _completed = true;
            viewers = _viewers;
        }
        foreach (var v in viewers) v.Complete();
    }

    /// <summary>Joins the feed: the viewer's queue starts with the backlog (its last <paramref name="backlogLines"/> lines).</summary>
    public TailViewer Subscribe(int capacityLines = DefaultViewerCapacity, int backlogLines = DefaultBacklogLines)
    {
        lock (_gate)
        {
            var viewer = new TailViewer(this, capacityLines);
            var skip = Math.Max(0, _backlogCount - backlogLines);
            foreach (var block in _backlog)
            {
                if (skip >= block.LineCount) { skip -= block.LineCount; continue; }
                block.Shared = true;
                viewer.Enqueue(block, skip, countDrops: false);
                skip = 0;
            }
            if (_completed) viewer.Complete();
            else _viewers = [.. _viewers, viewer];
            return viewer;
        }
    }

    internal void Unsubscribe(TailViewer viewer)
    {
        lock (_gate) _viewers = Array.FindAll(_viewers, v => v != viewer);
    }

    public int ViewerCount { get { lock (_gate) return _viewers.Length; } }
}

/// <summary>One viewer's bounded queue of lines.</summary>
public sealed class TailViewer : IDisposable
{
    private readonly LiveTail _tail;
    private readonly object _gate = new();
    private readonly Queue<TailBlock> _queue = new();
    private int _headSkip; // lines of the head block already taken or dropped
    private int _queued;
    private long _dropped;
    private bool _completed;
    private TaskCompletionSource? _waiter;

    internal TailViewer(LiveTail tail, int capacityLines)
    {
        _tail = tail;
        CapacityLines = capacityLines;
    }

    /// <summary>Lines this viewer keeps before it drops its own oldest. May change at any time (e.g. while paused).</summary>
    public int CapacityLines { get; set; }

    public int QueuedLines { get { lock (_gate) return _queued; } }

    /// <param name="skip">Lines to leave out at the start of the block; only for the first block of a join.</param>
    internal void Enqueue(TailBlock block, int skip = 0, bool countDrops = true)
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            if (_completed) return;
            if (_queue.Count == 0) _headSkip = skip;
            _queue.Enqueue(block);
            _queued += block.LineCount - (_queue.Count == 1 ? skip : 0);
            TakeFromHead(_queued - CapacityLines, null, countDrops);
            wake = _waiter;
            _waiter = null;
        }
        wake?.TrySetResult();
    }

    /// <summary>Removes up to <paramref name="lines"/> from the head, handing them to <paramref name="into"/> or counting them as dropped.</summary>
    private void TakeFromHead(int lines, List<TailSlice>? into, bool countDrops)
    {
        while (lines > 0 && _queue.Count > 0)
        {
            var block = _queue.Peek();
            var take = Math.Min(block.LineCount - _headSkip, lines);
            into?.Add(new TailSlice(block, _headSkip, take));
            _headSkip += take;
            if (_headSkip == block.LineCount)
            {
                _queue.Dequeue();
                _headSkip = 0;
            }
            _queued -= take;
            lines -= take;
            if (into is null && countDrops) _dropped += take;
        }
    }

    internal void Complete()
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _completed = true;
            wake = _waiter;
            _waiter = null;
        }
        wake?.TrySetResult();
    }

    /// <summary>
    /// Takes up to <paramref name="maxLines"/> queued lines in order. <paramref name="dropped"/> is how many
    /// lines this viewer lost since the previous call. Returns false once the feed ended and nothing is left.
    /// </summary>
    public bool TryRead(List<TailSlice> into, int maxLines, out long dropped)
    {
        lock (_gate)
        {
            TakeFromHead(_queued - CapacityLines, null, countDrops: true);
            dropped = _dropped;
            _dropped = 0;
            var before = into.Count;
            TakeFromHead(maxLines, into, countDrops: false);
            return !_completed || into.Count > before || dropped > 0 || _queue.Count > 0;
        }
    }

    /// <summary>Completes when there is something to read or the feed ended.</summary>
    public Task WaitAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (_queue.Count > 0 || _completed || _dropped > 0) return Task.CompletedTask;
            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task.WaitAsync(ct);
        }
    }

    public bool IsCompleted { get { lock (_gate) return _completed && _queue.Count == 0; } }

    public void Dispose() => _tail.Unsubscribe(this);
}

/// <summary>Lines [Start, Start+Count) of a block.</summary>
public readonly record struct TailSlice(TailBlock Block, int Start, int Count)
{
    public ReadOnlySpan<byte> Line(int i) => Block.Line(Start + i);
    public long Seq(int i) => Block.FirstSeq + Start + i;
}
