using BetterDb.Core.Lines;
using System.IO.Pipelines;
using System.Text;
using BetterDb.Core.Capture;
using BetterDb.Core.Connections;
using BetterDb.Core.Monitoring;
using BetterDb.Testing;
using static BetterDb.Tests.Capture.CaptureTestLines;

namespace BetterDb.Tests.Capture;

/// <summary>The MONITOR stream splitter fed from memory: how each kind of source ends.</summary>
public sealed class MonitorStreamTests
{
    private sealed class RecordingSink : IMonitorLineSink
    {
        private bool _inBatch;
        public List<string> Lines { get; } = [];
        public long MaxLineBytes { get; set; } = 1L << 20;
        public long? OversizedAt { get; private set; }
        public int StopAfter { get; set; } = int.MaxValue;

        public void BeginBatch()
        {
            Assert.False(_inBatch, "batches do not nest");
            _inBatch = true;
        }

        public bool OnLine(ReadOnlySpan<byte> line)
        {
            Assert.True(_inBatch, "lines arrive inside a batch");
            Lines.Add(Encoding.Latin1.GetString(line));
            return Lines.Count < StopAfter;
        }

        public bool OnTruncatedLine(ReadOnlySpan<byte> kept, long lineBytes)
        {
            Assert.True(_inBatch, "lines arrive inside a batch");
            Assert.Equal(LineLimitBytes, kept.Length);
            Lines.Add($"{Encoding.Latin1.GetString(kept)}…({lineBytes})");
            return Lines.Count < StopAfter;
        }

        public int LineLimitBytes { get; set; } = 1 << 20;

        public void EndBatch()
        {
            Assert.True(_inBatch);
            _inBatch = false;
        }

        public void OnOversizedLine(long bytesSoFar) => OversizedAt = bytesSoFar;
    }

    /// <param name="bufferSize">small buffers make lines straddle buffer segments.</param>
    private static PipeReader Reader(string text, int bufferSize = 4096) =>
        PipeReader.Create(new MemoryStream(Encoding.Latin1.GetBytes(text)),
            new StreamPipeReaderOptions(bufferSize: bufferSize, minimumReadSize: Math.Min(bufferSize, 1024)));

    /// <summary>A stream that returns at most <paramref name="maxPerRead"/> bytes per read, as a socket may.</summary>
    private sealed class TrickleStream(byte[] data, int maxPerRead) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, maxPerRead));
    }

    /// <summary>The live reader on the test's thread pool, fed from memory in reads of at most <paramref name="bufferSize"/> bytes.</summary>
    private static Task<MonitorReadEnd> ReadResp(string text, IMonitorLineSink sink, int bufferSize = 4096) =>
        Task.Run(() => MonitorRespReader.Read(new TrickleStream(Encoding.Latin1.GetBytes(text), bufferSize), [], sink, CancellationToken.None));

    private static readonly string L1 = Text(1), L2 = Text(2), L3 = Text(3);

    [Theory]
    [InlineData(4096)]
    [InlineData(7)]
    public async Task Resp_stream_end_is_a_dropped_connection(int bufferSize)
    {
        var sink = new RecordingSink();
        var ex = await Assert.ThrowsAsync<IOException>(() =>
            ReadResp($"+{L1}\r\n+{L2}\r\n+{L3}\r\n", sink, bufferSize));
        Assert.Equal("connection closed by the server", ex.Message);
        Assert.Equal([L1, L2, L3], sink.Lines);
    }

    [Fact]
    public async Task Resp_error_reply_is_thrown_with_the_servers_words()
    {
        var sink = new RecordingSink();
        var ex = await Assert.ThrowsAsync<RedisServerException>(() =>
            ReadResp($"+{L1}\r\n-ERR max number of clients reached\r\n+{L2}\r\n", sink));
        Assert.Equal("ERR max number of clients reached", ex.Message);
        Assert.Equal([L1], sink.Lines);
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(5)]
    public async Task Text_file_skips_an_OK_first_line_and_keeps_everything_else(int bufferSize)
    {
        var sink = new RecordingSink();
        // CRLF and LF mixed, a last line without a newline, and a later "OK" that is data.
        var end = await MonitorStream.ReadTextAsync(Reader($"OK\r\n{L1}\n{L2}\r\nOK\n{L3}", bufferSize), sink, CancellationToken.None);
        Assert.Equal(MonitorReadEnd.EndOfStreamWithoutNewline, end);
        Assert.Equal([L1, L2 + "\r", "OK", L3], sink.Lines);
    }

    [Fact]
    public async Task Text_file_without_OK_keeps_its_first_line()
    {
        var sink = new RecordingSink();
        var end = await MonitorStream.ReadTextAsync(Reader($"{L1}\n{L2}\n"), sink, CancellationToken.None);
        Assert.Equal(MonitorReadEnd.EndOfStream, end);
        Assert.Equal([L1, L2], sink.Lines);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_oversized_line_stops_the_source_and_tells_the_sink(bool resp)
    {
        var sink = new RecordingSink { MaxLineBytes = 100 };
        var huge = new string('x', 50_000);
        var text = resp ? $"+{L1}\r\n+{huge}\r\n+{L2}\r\n" : $"{L1}\n{huge}\n{L2}\n";
        var end = resp
            ? await ReadResp(text, sink)
            : await MonitorStream.ReadTextAsync(Reader(text), sink, CancellationToken.None);
        Assert.Equal(MonitorReadEnd.SinkStopped, end);
        Assert.Equal([L1], sink.Lines);
        Assert.NotNull(sink.OversizedAt);
        Assert.True(sink.OversizedAt > 100);
    }

    [Fact]
    public async Task A_sink_without_a_practical_limit_is_never_told_a_line_is_oversized()
    {
        // A byte cap of long.MaxValue leaves MaxLineBytes near long.MaxValue: no arithmetic may overflow.
        var sink = new RecordingSink { MaxLineBytes = long.MaxValue };
        var end = await MonitorStream.ReadTextAsync(Reader($"{L1}\n{L2}\n", bufferSize: 16), sink, CancellationToken.None);
        Assert.Equal(MonitorReadEnd.EndOfStream, end);
        Assert.Null(sink.OversizedAt);
        Assert.Equal([L1, L2], sink.Lines);
    }

    [Fact]
    public async Task A_sink_that_stops_ends_the_read()
    {
        var sink = new RecordingSink { StopAfter = 2 };
        var end = await ReadResp($"+{L1}\r\n+{L2}\r\n+{L3}\r\n", sink);
        Assert.Equal(MonitorReadEnd.SinkStopped, end);
        Assert.Equal([L1, L2], sink.Lines);
    }

    [Fact]
    public async Task Cancelling_ends_the_read_quietly()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes($"+{L1}\r\n"));
        var sink = new RecordingSink();
        using var cts = new CancellationTokenSource();
        // Cancelling unblocks the read the way shutting a socket down does: the source ends.
        using var unblock = cts.Token.Register(() => pipe.Writer.Complete());
        var reading = Task.Run(() => MonitorRespReader.Read(pipe.Reader.AsStream(), [], sink, cts.Token));
        await Poll.UntilAsync(() => sink.Lines.Count == 1, "the first line");
        cts.Cancel();
        Assert.Equal(MonitorReadEnd.Cancelled, await reading.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Resp_stream_into_a_writer_stores_the_lines_and_a_byte_cap_stops_it()
    {
        var store = new MemoryChunkStore();
        var lines = Enumerable.Range(0, 100).Select(i => Text(i)).ToList();
        var capBytes = lines.Take(40).Sum(l => l.Length + 1);
        await using var writer = new CaptureWriter("s", null, capBytes, long.MaxValue, store);
        var text = string.Concat(lines.Select(l => $"+{l}\r\n"));

        var end = await ReadResp(text, writer, 333);
        await writer.CompleteAsync();

        Assert.Equal(MonitorReadEnd.SinkStopped, end);
        Assert.Equal(CaptureEnd.ByteCap, writer.CapReached);
        Assert.Equal(40, writer.StoredLines);
        Assert.Equal(Encoding.ASCII.GetBytes(string.Concat(lines.Take(40).Select(l => l + "\n"))), store.StoredBytes("s"));
    }

    [Fact]
    public async Task Oversized_line_into_a_writer_ends_it_at_the_byte_cap()
    {
        var store = new MemoryChunkStore();
        await using var writer = new CaptureWriter("s", null, 10_000, long.MaxValue, store);
        var text = $"{L1}\n{new string('y', 200_000)}\n{L2}\n";
        var end = await MonitorStream.ReadTextAsync(Reader(text), writer, CancellationToken.None);
        await writer.CompleteAsync();
        Assert.Equal(MonitorReadEnd.SinkStopped, end);
        Assert.Equal(CaptureEnd.ByteCap, writer.CapReached);
        Assert.Equal(1, writer.StoredLines);
    }
}

/// <summary>When the live reader naps between reads, and when it must not.</summary>
public sealed class MonitorReaderPacingTests
{
    private sealed class CountingSink : IMonitorLineSink
    {
        public long Lines;
        public void BeginBatch() { }
        public bool OnLine(ReadOnlySpan<byte> line) { Lines++; return true; }
        public bool OnTruncatedLine(ReadOnlySpan<byte> kept, long lineBytes) { Lines++; return true; }
        public void EndBatch() { }
        public int LineLimitBytes => int.MaxValue;
        public long MaxLineBytes => long.MaxValue;
        public void OnOversizedLine(long bytesSoFar) { }
    }

    /// <summary>Returns at most 16 KB per read, as an SslStream returns one TLS record at a time.</summary>
    private sealed class RecordStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 16 * 1024));
    }

    private static byte[] Lines(int n) =>
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, n).Select(i => $"+1700000000.{i % 1_000_000:000000} [0 127.0.0.1:5000] \"SET\" \"k:{i}\" \"v\"\r\n")));

    [Fact]
    public void A_short_read_with_more_bytes_waiting_in_the_socket_is_followed_at_once()
    {
        // The TLS case: every read is short (one record), but the socket still holds a backlog.
        var data = Lines(100_000);
        var sink = new CountingSink();
        var naps = 0;
        var source = new RecordStream(data);
        var end = Assert.Throws<IOException>(() =>
            MonitorRespReader.Read(source, [], sink, CancellationToken.None, moreWaiting: () => source.Position < source.Length, nap: _ => naps++));
        Assert.Equal("connection closed by the server", end.Message);
        Assert.Equal(100_000, sink.Lines);
        // No nap while bytes wait; the read that drained the last of them may nap (on a slow, loaded box its rate
        // looks low), before the next read finds the end.
        Assert.InRange(naps, 0, 1);
    }

    [Fact]
    public void A_drained_socket_at_a_low_rate_naps_before_the_next_read()
    {
        var sink = new CountingSink();
        var naps = new List<TimeSpan>();
        var source = new RecordStream(Lines(10));
        Assert.Throws<IOException>(() =>
            MonitorRespReader.Read(source, [], sink, CancellationToken.None, moreWaiting: () => false, nap: naps.Add));
        Assert.Equal(10, sink.Lines);
        Assert.NotEmpty(naps);
        Assert.All(naps, n => Assert.InRange(n, TimeSpan.FromMilliseconds(0.5), MonitorRespReader.MaxNap));
    }

    [Theory]
    [InlineData(600, 10, 5.0)]       // 60 B/ms: a quiet server, the longest nap
    [InlineData(64 * 1024, 10, 5.0)] // 6.5 KB/ms: 10 ms for 64 KB, capped
    [InlineData(64 * 1024, 2, 2.0)]  // 32 KB/ms: 2 ms for 64 KB
    public void The_nap_lasts_long_enough_for_a_full_read_at_the_rate_seen(long bytes, double sinceMs, double expectedMs) =>
        Assert.Equal(expectedMs, MonitorRespReader.NapFor(bytes, TimeSpan.FromMilliseconds(sinceMs))!.Value.TotalMilliseconds, 3);

    [Fact]
    public void A_server_that_fills_a_read_at_once_gets_no_nap() =>
        Assert.Null(MonitorRespReader.NapFor(640 * 1024, TimeSpan.FromMilliseconds(1)));
}

/// <summary>Issue 9 item 1: a line beyond the line limit is kept cut, with its length, and nothing after it is lost.</summary>
public sealed class OverlongLineTests
{
    private sealed class Sink : IMonitorLineSink
    {
        public List<string> Lines { get; } = [];
        public List<long> TruncatedLengths { get; } = [];
        public void BeginBatch() { }
        public bool OnLine(ReadOnlySpan<byte> line) { Lines.Add(Encoding.Latin1.GetString(line)); return true; }
        public bool OnTruncatedLine(ReadOnlySpan<byte> kept, long lineBytes)
        {
            Assert.Equal(LineLimitBytes, kept.Length);
            Lines.Add(Encoding.Latin1.GetString(kept) + "…");
            TruncatedLengths.Add(lineBytes);
            return true;
        }
        public void EndBatch() { }
        public int LineLimitBytes { get; init; } = 1000;
        public long MaxLineBytes => long.MaxValue;
        public void OnOversizedLine(long bytesSoFar) => Assert.Fail("a sink without a byte cap never stops for a long line");
    }

    private sealed class TrickleStream(byte[] data, int maxPerRead) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, maxPerRead));
    }

    private static readonly string L1 = CaptureTestLines.Text(1), L2 = CaptureTestLines.Text(2);

    [Theory]
    [InlineData(333)]
    [InlineData(1 << 20)]
    public void Live_a_huge_line_is_kept_cut_and_the_next_lines_follow(int readSize)
    {
        var huge = "1700000000.000001 [0 127.0.0.1:1] \"SET\" \"k\" \"" + new string('x', 250_000) + "\"";
        var text = $"+{L1}\r\n+{huge}\r\n+{L2}\r\n+{L1}\r\n";
        var sink = new Sink();
        Assert.Throws<IOException>(() => MonitorRespReader.Read(new TrickleStream(Encoding.Latin1.GetBytes(text), readSize), [], sink,
            CancellationToken.None, nap: _ => { }));
        Assert.Equal([L1, huge[..1000] + "…", L2, L1], sink.Lines);
        Assert.Equal([(long)huge.Length], sink.TruncatedLengths);
    }

    [Theory]
    [InlineData(64, true)]
    [InlineData(4096, false)]
    [InlineData(256 * 1024, true)]
    public async Task A_file_line_beyond_the_limit_is_kept_cut_and_the_rest_of_the_file_too(int bufferSize, bool lastNewline)
    {
        var huge = new string('y', 10_000);
        var text = $"OK\n{L1}\n{huge}\n{L2}\n{huge}" + (lastNewline ? "\n" : "");
        var sink = new Sink();
        var reader = System.IO.Pipelines.PipeReader.Create(new MemoryStream(Encoding.Latin1.GetBytes(text)),
            new System.IO.Pipelines.StreamPipeReaderOptions(bufferSize: bufferSize, minimumReadSize: Math.Min(bufferSize, 1024)));
        var end = await MonitorStream.ReadTextAsync(reader, sink, CancellationToken.None);
        Assert.Equal(lastNewline ? MonitorReadEnd.EndOfStream : MonitorReadEnd.EndOfStreamWithoutNewline, end);
        Assert.Equal([L1, huge[..1000] + "…", L2, huge[..1000] + "…"], sink.Lines);
        Assert.Equal([10_000L, 10_000L], sink.TruncatedLengths);
    }

    [Fact]
    public async Task A_cut_line_is_stored_with_its_marker_counted_and_readable_in_the_txt_export()
    {
        var store = new MemoryChunkStore();
        await using var writer = new CaptureWriter("s", null, long.MaxValue, long.MaxValue, store,
            settings: new CaptureWriterSettings { MaxLineBytes = 100 });
        var line = "1700000000.000001 [0 127.0.0.1:1] \"SET\" \"k\" \"" + new string('z', 500) + "\"";
        Assert.True(writer.Append(Encoding.ASCII.GetBytes(L1)));
        writer.BeginBatch();
        Assert.True(writer.OnTruncatedLine(Encoding.ASCII.GetBytes(line)[..100], line.Length));
        writer.EndBatch();
        await writer.CompleteAsync();

        Assert.Equal((2, 1, 0), (writer.StoredLines, writer.TruncatedCount, writer.MalformedCount));
        var stored = store.StoredBytes("s");
        var second = stored.AsSpan(L1.Length + 1, stored.Length - L1.Length - 2);
        Assert.True(TruncatedLine.TryRead(second, out var kept, out var length));
        Assert.Equal(line[..100], Encoding.ASCII.GetString(kept));
        Assert.Equal(line.Length, length);
        var chunk = Assert.Single(store.Chunks);
        Assert.Equal(1_700_000_000_000_001, chunk.MinTsMicros);
    }
}
