using System.Diagnostics;
using System.Text;
using BetterDb.Core.Capture;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using static BetterDb.Tests.Capture.CaptureTestLines;

namespace BetterDb.Tests.Capture;

public sealed class CaptureWriterTests
{
    private const string Session = "s1";
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);

    private static CaptureWriter Writer(MemoryChunkStore store, long byteCap = long.MaxValue, long lineCap = long.MaxValue,
        int chunkMaxLines = 32_768, int chunkMaxBytes = 2 * 1024 * 1024, TimeSpan? flush = null, LiveTail? tail = null, string? nodeId = null,
        TimeSpan? retryWindow = null) =>
        new(Session, nodeId, byteCap, lineCap, store, tail, new CaptureWriterSettings
        {
            ChunkMaxLines = chunkMaxLines,
            ChunkMaxBytes = chunkMaxBytes,
            FlushInterval = flush ?? Never,
            // Failure tests should not wait out the default 10 s of retries.
            StoreRetryWindow = retryWindow ?? TimeSpan.FromMilliseconds(300),
        });

    [Fact]
    public async Task Line_cap_keeps_exactly_that_many_lines()
    {
        var store = new MemoryChunkStore();
        await using var writer = Writer(store, lineCap: 10, chunkMaxLines: 4);
        var accepted = new List<bool>();
        for (var i = 0; i < 25; i++) accepted.Add(writer.Append(Line(i)));
        await writer.CompleteAsync();

        // The 10th line is kept, and its append already says "stop".
        Assert.Equal(Enumerable.Repeat(true, 9).Concat(Enumerable.Repeat(false, 16)), accepted);
        Assert.Equal(CaptureEnd.LineCap, writer.CapReached);
        Assert.Equal(CaptureStatus.Truncated, writer.CapReached!.Status);
        Assert.Equal("line_cap", writer.CapReached.Reason);
        Assert.True(writer.StopRequested.IsCompleted);
        Assert.Equal(10, writer.LineCount);
        Assert.Equal(10, writer.StoredLines);
        Assert.Equal(Stored(Enumerable.Range(0, 10).Select(i => Line(i))), store.StoredBytes(Session));
        Assert.Equal(10, store.Chunks.Sum(c => c.LineCount));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(4_096)]
    [InlineData(100_003)]
    public async Task Byte_cap_is_never_exceeded(long byteCap)
    {
        var store = new MemoryChunkStore();
        await using var writer = Writer(store, byteCap: byteCap, chunkMaxBytes: 1024);
        var sent = 0;
        while (writer.Append(Line(sent))) sent++;
        Assert.True(writer.StopRequested.IsCompleted);
        // Later lines are refused too, even small ones.
        Assert.False(writer.Append("x"u8));
        await writer.CompleteAsync();

        // The most whole lines that fit: line numbers change width, so add their sizes up.
        long fits = 0, total = 0;
        while (total + Line((int)fits).Length + 1 <= byteCap) total += Line((int)fits++).Length + 1;

        Assert.Equal(CaptureEnd.ByteCap, writer.CapReached);
        Assert.Equal("byte_cap", writer.CapReached!.Reason);
        var stored = store.StoredBytes(Session);
        Assert.True(stored.Length <= byteCap, $"stored {stored.Length} bytes with a cap of {byteCap}");
        Assert.Equal(total, stored.Length);
        Assert.Equal(fits, writer.StoredLines);
        Assert.Equal(stored.Length, writer.StoredBytes);
        Assert.Equal(stored.Length, store.Chunks.Sum(c => c.ByteCount));
        Assert.Equal(Stored(Enumerable.Range(0, (int)fits).Select(i => Line(i))), stored);
    }

    [Fact]
    public async Task A_first_line_larger_than_the_byte_cap_stores_nothing()
    {
        var store = new MemoryChunkStore();
        await using var writer = Writer(store, byteCap: 50);
        Assert.False(writer.Append(Line(0, new string('x', 100))));
        await writer.CompleteAsync();
        Assert.Equal(CaptureEnd.ByteCap, writer.CapReached);
        Assert.Empty(store.Chunks);
        Assert.Equal(0, writer.StoredLines);
    }

    [Fact]
    public async Task Oversized_line_reported_by_the_source_is_a_byte_cap()
    {
        var store = new MemoryChunkStore();
        await using var writer = Writer(store, byteCap: 1_000);
        Assert.True(writer.Append(Line(0)));
        Assert.Equal(1_000 - (Line(0).Length + 1) - 1, writer.MaxLineBytes);
        writer.OnOversizedLine(5_000);
        Assert.Equal(CaptureEnd.ByteCap, writer.CapReached);
        Assert.True(writer.StopRequested.IsCompleted);
        await writer.CompleteAsync();
        Assert.Equal(1, writer.StoredLines);
    }

    [Fact]
    public async Task A_chunk_is_sealed_at_the_line_count()
    {
        var store = new MemoryChunkStore();
        await using var writer = Writer(store, chunkMaxLines: 100);
        for (var i = 0; i < 250; i++) writer.Append(Line(i));

        // Two full chunks are stored without waiting for a flush or the end.
        await Poll.UntilAsync(() => writer.StoredChunks == 2, "two full chunks to be stored");
        Assert.Equal(200, writer.StoredLines);
        Assert.Equal(250, writer.LineCount);

        await writer.CompleteAsync();
        Assert.Equal([100, 100, 50], store.Chunks.Select(c => c.LineCount));
        Assert.Equal([0L, 100L, 200L], store.Chunks.Select(c => c.FirstLine));
        Assert.Equal([0, 1, 2], store.Chunks.Select(c => c.ChunkIndex));
    }

    [Fact]
    public async Task A_chunk_is_sealed_at_the_byte_size()
    {
        var store = new MemoryChunkStore();
        const int maxBytes = 1024;
        await using var writer = Writer(store, chunkMaxBytes: maxBytes);
        for (var i = 0; i < 100; i++) writer.Append(Line(i));
        await Poll.UntilAsync(() => writer.StoredChunks >= 1, "a full chunk to be stored");
        await writer.CompleteAsync();

        var chunks = store.Chunks;
        Assert.True(chunks.Count > 1);
        foreach (var c in chunks)
        {
            var sizes = Enumerable.Range((int)c.FirstLine, c.LineCount).Select(i => Line(i).Length + 1).ToList();
            Assert.Equal(sizes.Sum(), c.ByteCount);
            if (c == chunks[^1]) continue;
            // Sealed by the line that reached the size, not one line later.
            Assert.True(c.ByteCount >= maxBytes, $"chunk {c.ChunkIndex} sealed early at {c.ByteCount} bytes");
            Assert.True(c.ByteCount - sizes[^1] < maxBytes, $"chunk {c.ChunkIndex} sealed late at {c.ByteCount} bytes");
        }
        Assert.Equal(Stored(Enumerable.Range(0, 100).Select(i => Line(i))), store.StoredBytes(Session));
    }

    [Fact]
    public async Task A_single_line_is_flushed_within_the_flush_interval()
    {
        var interval = TimeSpan.FromMilliseconds(200);
        var store = new MemoryChunkStore();
        await using var writer = Writer(store, flush: interval);
        var sw = Stopwatch.StartNew();
        writer.Append(Line(0));
        Assert.Equal(0, writer.StoredLines);

        await Poll.UntilAsync(() => writer.StoredLines == 1, "the line to be stored by the flush timer", interval * 10);
        var elapsed = sw.Elapsed;
        Assert.True(elapsed >= interval / 2, $"stored after {elapsed.TotalMilliseconds} ms: sealed long before the flush interval");
        Assert.True(elapsed <= interval * 2, $"stored after {elapsed.TotalMilliseconds} ms, more than twice the {interval.TotalMilliseconds} ms flush interval");
        Assert.Equal(Stored([Line(0)]), store.StoredBytes(Session));
    }

    [Fact]
    public async Task Chunk_order_is_capture_order_with_a_slow_store()
    {
        var random = new Random(1234);
        var store = new MemoryChunkStore
        {
            BeforeAppend = async (_, _) =>
            {
                int delay;
                lock (random) delay = random.Next(0, 6);
                await Task.Delay(delay);
            },
        };
        // Small chunks sealed by size, count and timer at once, so the store loop falls behind.
        await using var writer = Writer(store, chunkMaxLines: 7, chunkMaxBytes: 600, flush: TimeSpan.FromMilliseconds(20));
        var lines = Enumerable.Range(0, 2_000).Select(i => Line(i, new string('v', i % 50))).ToList();
        await Task.Run(async () =>
        {
            for (var i = 0; i < lines.Count; i++)
            {
                writer.Append(lines[i]);
                if (i % 97 == 0) await Task.Delay(3);
            }
        });
        await writer.CompleteAsync();

        var chunks = store.Chunks;
        Assert.False(store.SawConcurrentAppends, "chunks are stored one at a time");
        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => c.ChunkIndex));
        long next = 0;
        foreach (var c in chunks)
        {
            Assert.Equal(next, c.FirstLine);
            next += c.LineCount;
        }
        Assert.Equal(lines.Count, next);
        Assert.Equal(Stored(lines), store.StoredBytes(Session));
    }

    [Fact]
    public async Task A_failing_store_stops_the_capture_without_throwing()
    {
        var store = new MemoryChunkStore
        {
            BeforeAppend = (_, call) => call >= 1 ? throw new IOException("disk full") : Task.CompletedTask,
        };
        await using var writer = Writer(store, chunkMaxLines: 10);
        for (var i = 0; i < 100; i++) writer.Append(Line(i));

        await writer.StopRequested.WaitAsync(TimeSpan.FromSeconds(10));
        var error = Assert.IsType<IOException>(writer.StoreError);
        Assert.Equal("disk full", error.Message);
        await writer.CompleteAsync(); // no exception escapes
        Assert.Null(writer.CapReached);
        // Chunks are stored in all-or-nothing batches: at most the first chunk made it, and the counts say exactly what did.
        Assert.True(store.Chunks.Count <= 1);
        Assert.Equal(store.Chunks.Sum(c => (long)c.LineCount), writer.StoredLines);
        Assert.True(writer.StoredLines < 100);
    }

    [Fact]
    public async Task A_store_that_fails_for_a_while_then_recovers_loses_nothing()
    {
        // A disk that is full or read-only for a moment (issue 9 item 2): the chunks wait in memory and are retried.
        var failUntil = DateTime.UtcNow.AddSeconds(1.5);
        var store = new MemoryChunkStore
        {
            BeforeAppend = (_, _) => DateTime.UtcNow < failUntil ? throw new IOException("read-only file system") : Task.CompletedTask,
        };
        await using var writer = Writer(store, chunkMaxLines: 10, retryWindow: TimeSpan.FromSeconds(10));
        var lines = Enumerable.Range(0, 100).Select(i => Line(i)).ToList();
        foreach (var line in lines) writer.Append(line);
        await writer.CompleteAsync();
        Assert.Null(writer.StoreError);
        Assert.Equal(100, writer.StoredLines);
        Assert.Equal(Stored(lines), store.StoredBytes(Session));
    }

    [Fact]
    public async Task A_store_that_fails_on_the_last_flush_is_reported_too()
    {
        var store = new MemoryChunkStore { BeforeAppend = (_, _) => throw new InvalidOperationException("database is locked") };
        var writer = Writer(store);
        writer.Append(Line(0));
        await writer.DisposeAsync();
        Assert.IsType<InvalidOperationException>(writer.StoreError);
        Assert.True(writer.StopRequested.IsCompleted);
        Assert.Equal(0, writer.StoredLines);
    }

    [Fact]
    public async Task Malformed_lines_are_counted_and_kept_byte_for_byte()
    {
        var store = new MemoryChunkStore();
        await using var writer = Writer(store, chunkMaxLines: 3);
        byte[][] lines =
        [
            Line(0),
            "garbage that is not MONITOR output"u8.ToArray(),
            [0x00, 0xff, 0xfe, (byte)'\r', 0x80, (byte)'"', (byte)'\\'],
            Line(1),
            [],
            "1700000000.000001 [0 127.0.0.1:1] \"SET\" \"unterminated"u8.ToArray(),
            Encoding.UTF8.GetBytes("ünïcödé ☃"),
            Line(2),
            "1700000000.000001 [0 127.0.0.1:1] \"PING\"\r"u8.ToArray(), // CRLF file: well formed, CR kept
        ];
        foreach (var line in lines) writer.Append(line);
        await writer.CompleteAsync();

        Assert.Equal(5, writer.MalformedCount);
        Assert.Equal(lines.Length, writer.StoredLines);
        Assert.Null(writer.CapReached);
        Assert.Equal(Stored(lines), store.StoredBytes(Session));
    }

    [Fact]
    public async Task Every_chunk_decompresses_to_exactly_its_lines()
    {
        var store = new MemoryChunkStore();
        await using var writer = Writer(store, chunkMaxLines: 13, nodeId: "node-a");
        var lines = Enumerable.Range(0, 100).Select(i => Line(i, $"value with \\x{i:x2} bytes")).ToList();
        foreach (var line in lines) writer.Append(line);
        await writer.CompleteAsync();

        foreach (var chunk in store.Chunks)
        {
            Assert.Equal(Session, chunk.SessionId);
            Assert.Equal("node-a", chunk.NodeId);
            Assert.Equal(ChunkCodec.Default, chunk.Codec);
            var raw = ChunkCodec.Decompress(chunk);
            Assert.Equal(chunk.ByteCount, raw.Length);
            var expected = Stored(lines.Skip((int)chunk.FirstLine).Take(chunk.LineCount));
            Assert.Equal(expected, raw);
            Assert.True(chunk.Data.Length < raw.Length, "chunks are stored compressed");
        }
        Assert.Equal(lines.Count, store.Chunks.Sum(c => c.LineCount));
    }

    [Fact]
    public async Task Chunks_record_first_line_and_timestamps_of_well_formed_lines()
    {
        var store = new MemoryChunkStore();
        await using var writer = Writer(store, chunkMaxLines: 4);
        var bad = "not a monitor line"u8.ToArray();
        byte[][] lines =
        [
            bad, Line(1), Line(2), bad,        // chunk 0: timestamps from the well-formed lines only
            Line(3), Line(4), Line(5), Line(6), // chunk 1
            bad, bad,                           // chunk 2: no timestamp at all
        ];
        foreach (var line in lines) writer.Append(line);
        await writer.CompleteAsync();

        var c = store.Chunks;
        Assert.Equal(3, c.Count);
        Assert.Equal((0L, TsOf(1), TsOf(2)), (c[0].FirstLine, c[0].FirstTsMicros, c[0].LastTsMicros));
        Assert.Equal((4L, TsOf(3), TsOf(6)), (c[1].FirstLine, c[1].FirstTsMicros, c[1].LastTsMicros));
        Assert.Equal((8L, 0L, 0L), (c[2].FirstLine, c[2].FirstTsMicros, c[2].LastTsMicros));
    }

    [Fact]
    public async Task A_line_larger_than_a_chunk_is_stored_whole_in_its_own_chunk()
    {
        var store = new MemoryChunkStore();
        await using var writer = Writer(store, chunkMaxBytes: 1024);
        var big = Line(1, new string('b', 20_000));
        writer.Append(Line(0));
        writer.Append(big);
        writer.Append(Line(2));
        await writer.CompleteAsync();

        Assert.Equal(Stored([Line(0), big, Line(2)]), store.StoredBytes(Session));
        Assert.Contains(store.Chunks, c => c.LineCount == 1 && c.ByteCount == big.Length + 1);
    }

    [Fact]
    public async Task Nothing_is_accepted_after_completion()
    {
        var store = new MemoryChunkStore();
        var writer = Writer(store);
        writer.Append(Line(0));
        await writer.CompleteAsync();
        Assert.False(writer.Append(Line(1)));
        await writer.DisposeAsync();
        await writer.CompleteAsync(); // idempotent
        Assert.Equal(1, writer.StoredLines);
        Assert.Single(store.Chunks);
    }

    [Fact]
    public async Task The_live_tail_sees_every_line_in_order()
    {
        var store = new MemoryChunkStore();
        var tail = new LiveTail();
        using var viewer = tail.Subscribe();
        await using var writer = Writer(store, chunkMaxLines: 7, tail: tail);
        var lines = Enumerable.Range(0, 50).Select(i => Line(i)).ToList();
        writer.BeginBatch();
        foreach (var line in lines.Take(20)) writer.OnLine(line);
        writer.EndBatch();
        foreach (var line in lines.Skip(20)) writer.Append(line);
        await writer.CompleteAsync();

        var slices = new List<TailSlice>();
        Assert.True(viewer.TryRead(slices, 1_000, out var dropped));
        Assert.Equal(0, dropped);
        var seen = slices.SelectMany(s => Enumerable.Range(0, s.Count).Select(i => (s.Seq(i), s.Line(i).ToArray()))).ToList();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), seen.Select(x => x.Item1));
        Assert.Equal(lines, seen.Select(x => x.Item2));
    }
}
