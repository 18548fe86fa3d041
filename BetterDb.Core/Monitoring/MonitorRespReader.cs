using System.Diagnostics;
using System.Text;
using BetterDb.Core.Connections;

namespace BetterDb.Core.Monitoring;

/// <summary>
/// Reads a live MONITOR connection (<c>+line\r\n</c> replies) with blocking reads into one large
/// buffer, on the capture's own thread, and hands each batch of complete lines to the sink.
/// </summary>
/// <remarks>
/// Why not async: at ordinary rates (no pipelining) one socket read holds one or a few lines, and the
/// cost per read of async I/O (a thread-pool hop, a state machine, the pool's spinning) made a capture
/// burn a core and halve the server's throughput. A blocking read on our own thread costs one system
/// call per read. After a read that drained the socket the thread naps (<see cref="NapFor"/>) so that the next read
/// takes what arrived meanwhile in one go, about <see cref="TargetReadBytes"/>: the kernel's socket buffer
/// holds it, so the server writes to us exactly as before (its output buffer for us does not grow) and we
/// wake a few hundred times a second instead of once per line. A read that finds a backlog does not nap.
/// </remarks>
public static class MonitorRespReader
{
    public const int BufferBytes = 1 << 20;

    /// <summary>What one read should bring: far below the socket buffer (1 MB), far above a line.</summary>
    public const int TargetReadBytes = 64 * 1024;

    /// <summary>The longest nap: what a live view can wait, and at most a few MB of a sudden burst for the socket buffer.</summary>
    public static readonly TimeSpan MaxNap = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Reads until <paramref name="ct"/> is cancelled (and the source unblocked), the sink stops, or the
    /// source ends. A source that ends or fails while not cancelled throws <see cref="IOException"/>;
    /// an error reply throws <see cref="RedisServerException"/> with the server's text.
    /// </summary>
    /// <param name="buffered">bytes the connection already read past the MONITOR reply.</param>
    /// <param name="moreWaiting">whether the socket holds unread bytes (a TLS read returns one record at a
    /// time, 16 KB at most, so a short read does not mean the socket is drained); null: a short read does.</param>
    /// <param name="nap">how to wait (tests count the naps); <see cref="Thread.Sleep(TimeSpan)"/> by default.</param>
    public static MonitorReadEnd Read(Stream source, ReadOnlySpan<byte> buffered, IMonitorLineSink sink, CancellationToken ct,
        Func<bool>? moreWaiting = null, Action<TimeSpan>? nap = null)
    {
        nap ??= Thread.Sleep;
        var buffer = new byte[Math.Max(BufferBytes, buffered.Length)];
        buffered.CopyTo(buffer);
        int start = 0, end = buffered.Length;
        var read = end;
        // The bytes read since the last nap began, and when it began: the rate the server sends at.
        var napAt = Stopwatch.GetTimestamp();
        long sinceNap = read;
        // An overlong line: its first LineLimitBytes stay at [start, keptEnd); what follows is dropped until its end.
        var truncating = false;
        long lineBytes = 0;
        var keptEnd = 0;
        while (true)
        {
            var next = 0;
            if (truncating && !SkipToLineEnd(buffer, keptEnd, ref end, ref lineBytes, out next))
            {
                // Still inside it: what was read is counted and dropped.
            }
            else
            {
                if (truncating)
                {
                    truncating = false;
                    sink.BeginBatch();
                    bool go;
                    // Framing: the leading '+' is not part of the line, nor is the CR before the LF.
                    try { go = sink.OnTruncatedLine(buffer.AsSpan(start + 1, keptEnd - start - 1), lineBytes - 1); }
                    finally { sink.EndBatch(); }
                    if (!go) return MonitorReadEnd.SinkStopped;
                    start = next;
                }
                if (end > start)
                {
                    sink.BeginBatch();
                    bool go;
                    try { go = DeliverLines(buffer, ref start, end, sink); }
                    finally { sink.EndBatch(); }
                    if (!go) return MonitorReadEnd.SinkStopped;
                }

                var pending = end - start;
                // 3 bytes of framing (+, CR, LF) do not count against the line.
                if (pending - 3 > sink.LineLimitBytes)
                {
                    truncating = true;
                    keptEnd = start + 1 + sink.LineLimitBytes;
                    lineBytes = pending;
                    end = keptEnd;
                }
                else if (pending - 3 > sink.MaxLineBytes)
                {
                    sink.OnOversizedLine(pending);
                    return MonitorReadEnd.SinkStopped;
                }
            }
            if (ct.IsCancellationRequested) return MonitorReadEnd.Cancelled;
            MakeRoom(ref buffer, ref start, ref end, ref keptEnd, truncating);

            if (read < TargetReadBytes && moreWaiting?.Invoke() != true
                && NapFor(sinceNap, Stopwatch.GetElapsedTime(napAt)) is { } wait)
            {
                nap(wait);
                napAt = Stopwatch.GetTimestamp();
                sinceNap = 0;
            }
            try
            {
                read = source.Read(buffer, end, buffer.Length - end);
            }
            catch (Exception ex) when (ct.IsCancellationRequested && ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                return MonitorReadEnd.Cancelled;
            }
            if (read == 0)
            {
                if (ct.IsCancellationRequested) return MonitorReadEnd.Cancelled;
                throw new IOException("connection closed by the server");
            }
            end += read;
            sinceNap += read;
        }
    }

    /// <summary>
    /// Inside an overlong line, looks for its end in what was just read (after <paramref name="keptEnd"/>):
    /// found, <paramref name="next"/> is where the next line starts; not found, the bytes are counted
    /// and dropped (<paramref name="end"/> goes back to <paramref name="keptEnd"/>).
    /// </summary>
    private static bool SkipToLineEnd(byte[] buffer, int keptEnd, ref int end, ref long lineBytes, out int next)
    {
        var newline = buffer.AsSpan(keptEnd, end - keptEnd).IndexOf((byte)'\n');
        if (newline < 0)
        {
            lineBytes += end - keptEnd;
            end = keptEnd;
            next = 0;
            return false;
        }
        // Without the CR before the LF: RESP framing, like the leading '+'.
        lineBytes += newline - 1;
        next = keptEnd + newline + 1;
        return true;
    }

    /// <summary>
    /// How long to wait before the next read once the socket is drained, given that <paramref name="bytes"/>
    /// arrived over <paramref name="since"/>: long enough for about <see cref="TargetReadBytes"/> at that rate,
    /// at most <see cref="MaxNap"/>; none when the server sends fast enough to fill a read at once.
    /// </summary>
    public static TimeSpan? NapFor(long bytes, TimeSpan since)
    {
        var perMs = bytes / Math.Max(since.TotalMilliseconds, 0.05);
        var ms = perMs <= 0 ? MaxNap.TotalMilliseconds : Math.Min(MaxNap.TotalMilliseconds, TargetReadBytes / perMs);
        return ms < 0.5 ? null : TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>
    /// Moves a partial line to the front, or doubles the buffer when the line fills it (an overlong line
    /// only up to its kept bytes plus room for reads).
    /// </summary>
    private static void MakeRoom(ref byte[] buffer, ref int start, ref int end, ref int keptEnd, bool truncating)
    {
        if (start == end)
        {
            start = end = keptEnd = 0;
            return;
        }
        if (buffer.Length - end >= BufferBytes / 4) return;
        var pending = end - start;
        if (pending > buffer.Length / 2)
        {
            var bigger = new byte[(int)Math.Min((long)pending + BufferBytes, Math.Min((long)buffer.Length * 2, Array.MaxLength))];
            buffer.AsSpan(start, pending).CopyTo(bigger);
            buffer = bigger;
        }
        else
        {
            buffer.AsSpan(start, pending).CopyTo(buffer);
        }
        if (truncating) keptEnd -= start;
        start = 0;
        end = pending;
    }

    private static bool DeliverLines(byte[] buffer, ref int start, int end, IMonitorLineSink sink)
    {
        while (start < end)
        {
            var rest = buffer.AsSpan(start, end - start);
            var newline = rest.IndexOf((byte)'\n');
            if (newline < 0) return true;
            var line = rest[..newline];
            start += newline + 1;
            if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
            if (line.Length > 0 && line[0] == (byte)'-')
                throw new RedisServerException(Encoding.UTF8.GetString(line[1..]));
            if (line.Length > 0 && line[0] == (byte)'+') line = line[1..];
            var go = line.Length > sink.LineLimitBytes ? sink.OnTruncatedLine(line[..sink.LineLimitBytes], line.Length) : sink.OnLine(line);
            if (!go) return false;
        }
        return true;
    }
}
