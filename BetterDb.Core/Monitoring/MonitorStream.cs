using BetterDb.Core.Connections;
using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace BetterDb.Core.Monitoring;

public enum MonitorReadEnd
{
    /// <summary>The sink asked to stop (a cap was reached).</summary>
    SinkStopped,
    /// <summary>The caller cancelled (stop, duration cap, shutdown).</summary>
    Cancelled,
    /// <summary>A file source reached its end.</summary>
    EndOfStream,
    /// <summary>A file source reached its end inside a line: the file's last line has no terminator.</summary>
    EndOfStreamWithoutNewline,
}

/// <summary>
/// Splits a <c>redis-cli monitor</c> text file
/// (<c>line\n</c>) into lines for a sink; the live RESP stream is read by <see cref="MonitorRespReader"/>.
/// Lines are handed over as spans into the pipe's buffer: nothing is allocated per line.
/// </summary>
public static class MonitorStream
{
    /// <summary>
    /// Reads a <c>redis-cli monitor</c> text file (an "OK" first line is skipped). A line longer than the
    /// sink's <see cref="IMonitorLineSink.LineLimitBytes"/> is kept cut (<see cref="IMonitorLineSink.OnTruncatedLine"/>)
    /// and the lines after it are read as usual.
    /// </summary>
    /// <returns><see cref="MonitorReadEnd.EndOfStreamWithoutNewline"/> when the last line had no terminator.</returns>
    public static async Task<MonitorReadEnd> ReadTextAsync(PipeReader input, IMonitorLineSink sink, CancellationToken ct)
    {
        var firstLine = true;
        byte[]? kept = null; // the first bytes of an overlong line whose end is still to come
        long lineBytes = 0;
        while (true)
        {
            ReadResult result;
            try { result = await input.ReadAsync(ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return MonitorReadEnd.Cancelled; }

            var buffer = result.Buffer;
            var stop = false;
            SequencePosition consumed = buffer.Start;
            sink.BeginBatch();
            try
            {
                if (kept is not null)
                {
                    // Inside an overlong line: only its end matters.
                    if (buffer.PositionOf((byte)'\n') is { } newline)
                    {
                        stop = !sink.OnTruncatedLine(kept, lineBytes + buffer.Slice(0, newline).Length);
                        kept = null;
                        consumed = buffer.GetPosition(1, newline);
                    }
                    else
                    {
                        lineBytes += buffer.Length;
                        consumed = buffer.End;
                    }
                }
                if (kept is null && !stop) stop = !ProcessLines(buffer.Slice(consumed), sink, ref firstLine, out consumed);
            }
            finally { sink.EndBatch(); }

            var pending = buffer.Slice(consumed).Length;
            if (!stop && kept is null && pending > sink.LineLimitBytes)
            {
                kept = buffer.Slice(consumed, sink.LineLimitBytes).ToArray();
                lineBytes = pending;
                consumed = buffer.End;
                pending = 0;
                firstLine = false;
            }
            else if (!stop && kept is null && pending > sink.MaxLineBytes)
            {
                sink.OnOversizedLine(pending);
                stop = true;
            }
            input.AdvanceTo(consumed, buffer.End);
            if (stop) return MonitorReadEnd.SinkStopped;
            if (result.IsCompleted)
            {
                if (kept is not null)
                {
                    sink.BeginBatch();
                    try { stop = !sink.OnTruncatedLine(kept, lineBytes); }
                    finally { sink.EndBatch(); }
                    return stop ? MonitorReadEnd.SinkStopped : MonitorReadEnd.EndOfStreamWithoutNewline;
                }
                if (pending == 0) return MonitorReadEnd.EndOfStream;
                return DeliverLast(buffer.Slice(consumed), sink, ref firstLine) ? MonitorReadEnd.EndOfStreamWithoutNewline : MonitorReadEnd.SinkStopped;
            }
        }
    }

    private static bool ProcessLines(ReadOnlySequence<byte> buffer, IMonitorLineSink sink, ref bool firstLine, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryReadTo(out ReadOnlySpan<byte> line, (byte)'\n'))
        {
            if (!Deliver(line, sink, ref firstLine))
            {
                consumed = reader.Position;
                return false;
            }
        }
        consumed = reader.Position;
        return true;
    }

    private static bool Deliver(ReadOnlySpan<byte> line, IMonitorLineSink sink, ref bool firstLine)
    {
        if (firstLine)
        {
            firstLine = false;
            if (line.SequenceEqual("OK"u8) || line.SequenceEqual("OK\r"u8)) return true;
        }
        // Text files keep every byte between newlines (a CR included) so an export gives back the same file.
        return line.Length > sink.LineLimitBytes ? sink.OnTruncatedLine(line[..sink.LineLimitBytes], line.Length) : sink.OnLine(line);
    }

    private static bool DeliverLast(ReadOnlySequence<byte> rest, IMonitorLineSink sink, ref bool firstLine)
    {
        var bytes = rest.ToArray();
        sink.BeginBatch();
        try { return Deliver(bytes, sink, ref firstLine); }
        finally { sink.EndBatch(); }
    }
}
