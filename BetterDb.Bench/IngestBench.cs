using System.Diagnostics;
using System.IO.Pipelines;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;
using BetterDb.Core.Connections;
using BetterDb.Core.Monitoring;
using BetterDb.Core.Storage;

namespace BetterDb.Bench;

/// <summary>
/// Replays a recorded <c>redis-cli monitor</c> file through the capture path:
/// framing + parse/validate + chunk + compress + store (SQLite, or PostgreSQL with <c>--storage postgres</c>). Also compares codecs.
/// </summary>
internal static class IngestBench
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        BenchStorage.Choose(options);
        var corpus = options.Corpus();
        var raw = await File.ReadAllBytesAsync(corpus);
        var lines = raw.AsSpan().Count((byte)'\n') - (raw.AsSpan().StartsWith("OK\n"u8) ? 1 : 0);
        Console.WriteLine($"corpus: {corpus}: {lines:N0} lines, {raw.Length / 1e6:F1} MB, cores: {Environment.ProcessorCount}");

        ParseOnly(raw);
        await FramingOnlyAsync(raw);

        // One store for every round, as the app has one: EF Core's first-use set-up is paid once, before timing.
        // Made after the two figures above so that they run with nothing else in the process, as they always have.
        await using var storage = await BenchStorage.CreateAsync(options);
        Console.WriteLine(storage.Description);

        var rounds = options.GetInt("rounds", 3);
        var codecs = new (string Name, byte Codec, int Level)[]
        {
            ("zstd-1", ChunkCodec.Zstd, 1), ("zstd-3", ChunkCodec.Zstd, 3), ("brotli-1", ChunkCodec.Brotli, 1), ("none", ChunkCodec.None, 0),
        };
        var only = options.Get("codec");
        // Warm-up ingests (--warmup, 5 by default; 1 before PostgreSQL): after one, the first codec measured ran 2-3x
        // slower than its own later rounds on PostgreSQL, and up to 1.5x on SQLite: the JIT was still tiering the
        // store path up (with DOTNET_TieredCompilation=0 the first codec was as fast as the rest).
        for (var w = 0; w < options.GetInt("warmup", 5); w++)
            await IngestOnceAsync(storage, raw, $"warm-up-{w}", new CaptureWriterSettings());
        foreach (var (name, codec, level) in codecs)
        {
            if (only is not null && only != name) continue;
            var best = double.MaxValue;
            long stored = 0, chunks = 0, alloc = 0;
            var disk0 = await storage.OnDiskBytesAsync();
            for (var r = 0; r < rounds; r++)
            {
                var session = $"{name}-{r}";
                GC.Collect();
                var alloc0 = GC.GetTotalAllocatedBytes(true);
                var (elapsed, storedLines) = await IngestOnceAsync(storage, raw, session, new CaptureWriterSettings { Codec = codec, CompressionLevel = level });
                alloc = GC.GetTotalAllocatedBytes(true) - alloc0;
                if (storedLines != lines) throw new InvalidOperationException($"stored {storedLines} of {lines} lines");
                best = Math.Min(best, elapsed);
                (chunks, stored) = await storage.SizesAsync(session);
            }
            var onDisk = (await storage.OnDiskBytesAsync() - disk0) / rounds;
            Console.WriteLine(
                $"ingest {name,-9}: {lines / best / 1e6:F2} M lines/s ({raw.Length / best / 1e6:F0} MB/s), best of {rounds}: {best * 1000:F0} ms; " +
                $"{chunks} chunks, stored {stored / 1e6:F1} MB = {(double)raw.Length / stored:F1}x smaller, on disk {onDisk / 1e6:F1} MB; allocated {alloc / 1e6:F0} MB");
        }
        return 0;
    }

    /// <summary>The capture path from file bytes to stored chunks; returns seconds and stored lines.</summary>
    private static async Task<(double Seconds, long StoredLines)> IngestOnceAsync(BenchStorage storage, byte[] raw, string session, CaptureWriterSettings settings)
    {
        var sw = Stopwatch.StartNew();
        var writer = new CaptureWriter(session, null, long.MaxValue, long.MaxValue, storage.Chunks, null, settings);
        var reader = PipeReader.Create(new MemoryStream(raw), new StreamPipeReaderOptions(bufferSize: 256 * 1024));
        await MonitorStream.ReadTextAsync(reader, writer, CancellationToken.None);
        await writer.CompleteAsync();
        var seconds = sw.Elapsed.TotalSeconds;
        await writer.DisposeAsync();
        return (seconds, writer.StoredLines);
    }

    /// <summary>The file framing alone, into a sink that only counts: the floor under the ingest figure.</summary>
    private static async Task FramingOnlyAsync(byte[] raw)
    {
        var best = double.MaxValue;
        var sink = new CountingSink();
        for (var r = 0; r < 3; r++)
        {
            sink.Lines = 0;
            var sw = Stopwatch.StartNew();
            var reader = PipeReader.Create(new MemoryStream(raw), new StreamPipeReaderOptions(bufferSize: 256 * 1024));
            await MonitorStream.ReadTextAsync(reader, sink, CancellationToken.None);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"framing only: {sink.Lines / best / 1e6:F2} M lines/s");
    }

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

    private static void ParseOnly(byte[] raw)
    {
        var best = double.MaxValue;
        var ok = 0;
        for (var r = 0; r < 3; r++)
        {
            ok = 0;
            var sw = Stopwatch.StartNew();
            var span = raw.AsSpan();
            while (span.Length > 0)
            {
                var nl = span.IndexOf((byte)'\n');
                if (nl < 0) break;
                if (MonitorLineParser.TryParse(span[..nl], out _)) ok++;
                span = span[(nl + 1)..];
            }
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"parse+validate only: {ok / best / 1e6:F2} M lines/s ({ok:N0} lines valid)");
    }
}
