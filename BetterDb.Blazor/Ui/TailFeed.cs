using System.Text;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;

namespace BetterDb.Blazor.Ui;

/// <summary>
/// One page's view of a <see cref="LiveTail"/>: its own <see cref="TailViewer"/>, turned into the newest
/// <see cref="ViewLines"/> lines, refreshed in frames (at most one render per
/// <see cref="FrameInterval"/> however fast lines arrive), with pause/resume and honest counts
/// of what this viewer lost. It never slows the capture: the viewer's queue is bounded and
/// drops its own oldest lines.
/// While the reader has scrolled up the view holds still too (<see cref="SetFollowing"/>):
/// new lines wait in the viewer's live-sized queue instead of pushing the reader's lines away.
/// A filter (<see cref="SetFilter"/>) narrows what this view shows, the <c>redis-cli monitor | grep</c> habit: the capture
/// still stores every line, and <see cref="Hidden"/> says how many the filter kept out of sight.
/// </summary>
/// <remarks>
/// <see cref="RunAsync"/> mutates <see cref="Lines"/>; start it from the component (Blazor's
/// dispatcher) so reading the batch and rendering never overlap.
/// </remarks>
public sealed class TailFeed : IDisposable
{
    public const int ViewLines = 5_000;
    public const int LiveCapacity = LiveTail.DefaultViewerCapacity;
    public const int PausedCapacity = 50_000;
    public static readonly TimeSpan DefaultFrameInterval = TimeSpan.FromMilliseconds(100);
    /// <summary>While paused the held/dropped counts still move; they are re-read this often.</summary>
    public static readonly TimeSpan PausedRefreshInterval = TimeSpan.FromMilliseconds(500);

    private readonly LiveTail _tail;
    private readonly TailViewer _viewer;
    private readonly TimeProvider _time;
    private readonly List<TailLine> _lines = new(ViewLines);
    private readonly List<TailLine> _shown = new(ViewLines);
    private readonly List<TailSlice> _batch = [];
    private LineFilter? _filter;
    private bool[] _matches = [];
    private volatile bool _paused;
    private volatile bool _away;
    private TaskCompletionSource _resumed = NewSignal();

    /// <summary>Joins <paramref name="tail"/> as a new viewer: its recent backlog first, then new lines.</summary>
    public TailFeed(LiveTail tail, TimeSpan? frameInterval = null, TimeProvider? time = null)
    {
        _tail = tail;
        _viewer = tail.Subscribe(LiveCapacity, ViewLines);
        _time = time ?? TimeProvider.System;
        FrameInterval = frameInterval ?? DefaultFrameInterval;
    }

    public TimeSpan FrameInterval { get; }

    /// <summary>The newest lines in capture order that pass the filter (all of them without one), at most <see cref="ViewLines"/>.</summary>
    public List<TailLine> Lines => _filter is null ? _lines : _shown;

    /// <summary>The newest lines whatever the filter, at most <see cref="ViewLines"/>.</summary>
    public List<TailLine> Recent => _lines;

    /// <summary>The view's filter; null when it shows every line.</summary>
    public LineFilter? Filter => _filter;

    /// <summary>Lines this view received since the filter was set (those in view then included) that the filter hid.</summary>
    public long Hidden { get; private set; }

    /// <summary>Lines that passed the filter since it was set (those in view then included).</summary>
    public long Matched { get; private set; }

    /// <summary>The capture ended (it may still have lines for this view, e.g. while paused).</summary>
    public bool CaptureEnded => _tail.IsCompleted;

    /// <summary>
    /// Shows only the lines that pass <paramref name="filter"/> (null or empty: all). The lines already in view are filtered
    /// at once, so the view starts with the matches among the newest <see cref="ViewLines"/>; the counts start afresh.
    /// Call it from the component (Blazor's dispatcher), like <see cref="RunAsync"/>.
    /// </summary>
    public void SetFilter(LineFilter? filter)
    {
        _filter = filter is null || (filter.IsEmpty && filter.Node is null) ? null : filter;
        _shown.Clear();
        Hidden = 0;
        Matched = 0;
        if (_filter is null) return;
        foreach (var line in _lines)
        {
            // The line's raw text is what MONITOR sent (ASCII), so its bytes are the stored ones; a cut line is matched on what is kept.
            if (OnNode(line.Node) && _filter.Matches(Encoding.UTF8.GetBytes(line.Raw)))
            {
                _shown.Add(line);
                Matched++;
            }
            else Hidden++;
        }
    }

    /// <summary>Lines this view received in all.</summary>
    public long Received { get; private set; }

    /// <summary>Older lines that left the view to keep it at <see cref="ViewLines"/> (still stored, just not shown).</summary>
    public long ScrolledOut { get; private set; }

    /// <summary>Lines this viewer lost because it fell behind (or was paused past <see cref="PausedCapacity"/>). The capture kept them.</summary>
    public long Dropped { get; private set; }

    public bool IsPaused => _paused;

    /// <summary>Lines waiting while paused.</summary>
    public int Held => _paused ? _viewer.QueuedLines : 0;

    /// <summary>The reader scrolled up, away from the newest line; the view holds still.</summary>
    public bool IsAway => _away;

    /// <summary>Lines waiting to be shown (paused or scrolled away).</summary>
    public int Waiting => _paused || _away ? _viewer.QueuedLines : 0;

    private bool Holding => _paused || _away;

    /// <summary>The feed ended (the capture finished) and everything it held has been shown.</summary>
    public bool IsEnded { get; private set; }

    /// <summary>Renders done by <see cref="RunAsync"/>; lets tests see the frame rate is bounded.</summary>
    public int Frames { get; private set; }

    /// <summary>Freezes the view; the viewer keeps up to <see cref="PausedCapacity"/> lines meanwhile.</summary>
    public void Pause()
    {
        if (_paused || IsEnded) return;
        _viewer.CapacityLines = PausedCapacity;
        if (!Holding) _resumed = NewSignal();
        _paused = true;
    }

    /// <summary>Unfreezes: the next frame shows the held lines in order, then the queue shrinks back to <see cref="LiveCapacity"/>.</summary>
    public void Resume()
    {
        if (!_paused) return;
        _paused = false;
        if (!Holding) _resumed.TrySetResult();
    }

    /// <summary>
    /// Whether the reader is at the newest line. Away from it, nothing new is taken into the view
    /// (the queue keeps its live size); back at it, the waiting lines come in order.
    /// </summary>
    public void SetFollowing(bool following)
    {
        if (_away == !following) return;
        if (following)
        {
            _away = false;
            if (!Holding) _resumed.TrySetResult();
        }
        else
        {
            if (!Holding) _resumed = NewSignal();
            _away = true;
        }
    }

    /// <summary>Runs until the feed ends or <paramref name="ct"/> is cancelled; calls <paramref name="render"/> once per frame.</summary>
    public async Task RunAsync(Func<Task> render, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (Holding)
                {
                    await Task.WhenAny(_resumed.Task, Task.Delay(PausedRefreshInterval, _time, ct));
                    ct.ThrowIfCancellationRequested();
                    // The capture ended while the reader was paused or scrolled up: the view holds still (the page says so)
                    // until they resume or jump to the newest line; only then does the feed drain and end.
                    if (Holding)
                    {
                        CountDropsWhileHolding();
                        await RenderAsync(render);
                        continue;
                    }
                }

                await _viewer.WaitAsync(ct);
                if (Holding) continue;

                var more = ReadAll();
                if (!more) IsEnded = true;
                await RenderAsync(render);
                if (IsEnded) return;
                await Task.Delay(FrameInterval, _time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the page went away
        }
    }

    private Task RenderAsync(Func<Task> render)
    {
        Frames++;
        return render();
    }

    /// <summary>Takes everything queued, in order; only the lines that will stay in view are parsed.</summary>
    private bool ReadAll()
    {
        _batch.Clear();
        var more = _viewer.TryRead(_batch, int.MaxValue, out var dropped);
        Dropped += dropped;
        var total = 0;
        foreach (var slice in _batch) total += slice.Count;
        // The held lines are out; the queue can go back to its live size without losing any.
        if (!_paused) _viewer.CapacityLines = LiveCapacity;

        var skip = Math.Max(0, total - ViewLines);
        var scrolledOut = skip;
        if (_filter is null)
        {
            foreach (var slice in _batch)
            {
                if (skip >= slice.Count) { skip -= slice.Count; continue; }
                for (var i = skip; i < slice.Count; i++)
                    _lines.Add(TailLine.Parse(slice.Seq(i), slice.Line(i), slice.Block.NodeId));
                skip = 0;
            }
        }
        else
        {
            ReadFiltered(total, skip);
        }
        _batch.Clear();
        Received += total;

        var overflow = _lines.Count - ViewLines;
        if (overflow > 0)
        {
            _lines.RemoveRange(0, overflow);
            scrolledOut += overflow;
        }
        // Lines parsed-and-shown then removed count once, as do lines never parsed.
        ScrolledOut += scrolledOut;
        return more;
    }

    /// <summary>
    /// With a filter: every line is matched (on its raw bytes, before any parsing), and only the lines that stay in view,
    /// the newest <see cref="ViewLines"/> matches and the newest <see cref="ViewLines"/> of all, are parsed, each once.
    /// </summary>
    /// <summary>A fan-out session's tail can show one node: the filter's node is the block's, not a part of the line.</summary>
    private bool OnNode(string? node) => _filter!.Node is null || _filter.Node == node;

    private void ReadFiltered(int total, int recentFrom)
    {
        if (_matches.Length < total) _matches = new bool[Math.Max(total, _matches.Length * 2)];
        var matched = 0;
        var index = 0;
        foreach (var slice in _batch)
            for (var i = 0; i < slice.Count; i++, index++)
                if (_matches[index] = OnNode(slice.Block.NodeId) && _filter!.Matches(slice.Line(i))) matched++;
        Matched += matched;
        Hidden += total - matched;
        var shownFrom = Math.Max(0, matched - ViewLines); // matches before this one would leave the view at once
        index = 0;
        var match = 0;
        foreach (var slice in _batch)
            for (var i = 0; i < slice.Count; i++, index++)
            {
                var isMatch = _matches[index];
                var keepMatch = isMatch && match++ >= shownFrom;
                var keepRecent = index >= recentFrom;
                if (!keepMatch && !keepRecent) continue;
                var line = TailLine.Parse(slice.Seq(i), slice.Line(i), slice.Block.NodeId);
                if (keepMatch) _shown.Add(line);
                if (keepRecent) _lines.Add(line);
            }
        var overflow = _shown.Count - ViewLines;
        if (overflow > 0) _shown.RemoveRange(0, overflow);
    }

    private void CountDropsWhileHolding()
    {
        // maxLines 0 takes nothing: it only trims to capacity and reports what went.
        _viewer.TryRead(_batch, 0, out var dropped);
        Dropped += dropped;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose() => _viewer.Dispose();
}
