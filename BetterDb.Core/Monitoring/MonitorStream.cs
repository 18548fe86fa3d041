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
}

/// <summary>
/// Enters MONITOR mode on a connection, and splits a <c>redis-cli monitor</c> text file
/// (<c>line\n</c>) into lines for a sink; the live RESP stream is read by <see cref="MonitorRespReader"/>.
/// Lines are handed over as spans into the pipe's buffer: nothing is allocated per line.
/// </summary>
public static class MonitorStream
{
    /// <summary>No single line may make us buffer more than this, whatever the caps say.</summary>
    public const long AbsoluteMaxLineBytes = 1L << 30;

    /// <summary>Sends MONITOR and expects +OK; the server's error text is thrown as <see cref="RedisServerException"/>.</summary>
    public static async Task EnterMonitorAsync(RespConnection connection, TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            var reply = await connection.CommandAsync(cts.Token, "MONITOR");
            RespConnection.ThrowIfError(reply);
            if (reply.Text != "OK") throw new IOException($"unexpected reply to MONITOR: {reply}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer to MONITOR within {timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Reads a <c>redis-cli monitor</c> text file (an "OK" first line is skipped).</summary>
    public static async Task<MonitorReadEnd> ReadTextAsync(PipeReader input, IMonitorLineSink sink, CancellationToken ct)
    {
        var firstLine = true;
        while (true)
        {
            ReadResult result;
            try { result = await input.ReadAsync(ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return MonitorReadEnd.Cancelled; }

            var buffer = result.Buffer;
            var stop = false;
            SequencePosition consumed;
            sink.BeginBatch();
            try { stop = !ProcessLines(buffer, sink, ref firstLine, out consumed); }
            finally { sink.EndBatch(); }

            var pending = buffer.Slice(consumed).Length;
            // 3 bytes of framing (+, CR, LF) do not count against the line.
            if (!stop && (pending - 3 > sink.MaxLineBytes || pending > AbsoluteMaxLineBytes))
            {
                sink.OnOversizedLine(pending);
                stop = true;
            }
            input.AdvanceTo(consumed, buffer.End);
            if (stop) return MonitorReadEnd.SinkStopped;
            if (result.IsCompleted)
            {
                if (pending > 0 && !DeliverLast(buffer.Slice(consumed), sink, ref firstLine)) return MonitorReadEnd.SinkStopped;
                return MonitorReadEnd.EndOfStream;
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
        return sink.OnLine(line);
    }

    private static bool DeliverLast(ReadOnlySequence<byte> rest, IMonitorLineSink sink, ref bool firstLine)
    {
        var bytes = rest.ToArray();
        sink.BeginBatch();
        try { return Deliver(bytes, sink, ref firstLine); }
        finally { sink.EndBatch(); }
    }
}
