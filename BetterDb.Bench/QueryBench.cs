using System.Diagnostics;
using System.IO.Pipelines;
using BetterDb.Core.Analysis;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;
using BetterDb.Core.Connections;
using BetterDb.Core.Monitoring;
using Microsoft.Extensions.Logging.Abstractions;

namespace BetterDb.Bench;

/// <summary>
/// Reading a stored capture back: the full analysis, and filtered exports, on the corpus
/// ingested once into a real store (SQLite, or PostgreSQL with <c>--storage postgres</c>). Prints the shell one-liner's time for comparison.
/// </summary>
internal static class QueryBench
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        BenchStorage.Choose(options);
        var corpus = options.Corpus();
        // Eight: with three, the last rounds still ran code the JIT had not finished optimising (PostgreSQL's analysis read 590 ms
        // after three rounds and 154-201 ms after eight; SQLite's 250-370 and 188-203).
        var rounds = options.GetInt("rounds", 8);
        await using var storage = await BenchStorage.CreateAsync(options);
        Console.WriteLine(storage.Description);
        var disk0 = await storage.OnDiskBytesAsync();
        var writer = new CaptureWriter("q", null, long.MaxValue, long.MaxValue, storage.Chunks);
        await using (var file = File.OpenRead(corpus))
            await MonitorStream.ReadTextAsync(PipeReader.Create(file), writer, CancellationToken.None);
        await writer.CompleteAsync();
        var (_, stored) = await storage.SizesAsync("q");
        Console.WriteLine($"stored {writer.StoredLines:N0} lines ({new FileInfo(corpus).Length / 1e6:F1} MB raw) from {corpus}: " +
                          $"{stored / 1e6:F1} MB of chunks, {(await storage.OnDiskBytesAsync() - disk0) / 1e6:F1} MB on disk");

        var shell = Stopwatch.StartNew();
        using (var awk = Process.Start(new ProcessStartInfo("bash", ["-c", $"awk '{{print $4}}' '{corpus}' | sort | uniq -c > /dev/null"]))!)
            await awk.WaitForExitAsync();
        Console.WriteLine($"shell: awk '{{print $4}}' | sort | uniq -c (command mix only): {shell.Elapsed.TotalMilliseconds:F0} ms");

        // The store's own part: every chunk read back, nothing opened.
        var bestRead = double.MaxValue;
        long readBytes = 0;
        for (var r = 0; r < rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            readBytes = 0;
            await foreach (var chunk in storage.Chunks.ReadAsync("q")) readBytes += chunk.Data.Length;
            bestRead = Math.Min(bestRead, sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"read every chunk (no decompression): {readBytes / 1e6:F1} MB in {bestRead * 1000:F0} ms");

        var analysis = new SessionAnalysis(storage.Contexts, storage.Chunks, NullLogger<SessionAnalysis>.Instance);
        var best = double.MaxValue;
        AnalysisReport? report = null;
        long peakManaged = 0;
        for (var r = 0; r < rounds; r++)
        {
            GC.Collect();
            var before = GC.GetTotalMemory(true);
            using var sampler = new PeriodicSampler(() => GC.GetTotalMemory(false) - before);
            var sw = Stopwatch.StartNew();
            report = await analysis.ComputeAsync("q", LineFilter.None, ':', CancellationToken.None);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            peakManaged = Math.Max(peakManaged, sampler.Peak);
        }
        Console.WriteLine($"analysis (full, {report!.Commands.Count} commands, {report.TopKeys.Count} top keys, exact={report.CountsExact}): " +
                          $"best of {rounds} {best * 1000:F0} ms = {report.LineCount / best / 1e6:F2} M lines/s; managed heap growth peak {peakManaged / 1e6:F0} MB; " +
                          $"process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");

        var lines = new SessionLines(storage.Chunks);
        foreach (var (name, format, filter) in new[]
                 {
                     ("csv, filter command=SET,GET", ExportFormat.Csv, LineFilter.Create(commands: ["SET", "GET"])),
                     ("csv, unfiltered", ExportFormat.Csv, LineFilter.None),
                     ("ndjson, unfiltered", ExportFormat.Ndjson, LineFilter.None),
                     ("txt, unfiltered", ExportFormat.Txt, LineFilter.None),
                 })
        {
            var bestExport = double.MaxValue;
            long bytes = 0, rows = 0;
            for (var r = 0; r < rounds; r++)
            {
                var sink = new CountingStream();
                var sw = Stopwatch.StartNew();
                await SessionExport.WriteAsync(lines, "q", filter, format, sink);
                bestExport = Math.Min(bestExport, sw.Elapsed.TotalSeconds);
                (bytes, rows) = (sink.Bytes, sink.Newlines);
            }
            Console.WriteLine($"export {name}: {rows:N0} rows, {bytes / 1e6:F1} MB in {bestExport * 1000:F0} ms = " +
                              $"{writer.StoredLines / bestExport / 1e6:F2} M stored lines/s scanned, {rows / bestExport / 1e6:F2} M rows/s written");
        }
        return 0;
    }

    private sealed class CountingStream : Stream
    {
        public long Bytes, Newlines;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Bytes;
        public override long Position { get => Bytes; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) { Bytes += buffer.Length; Newlines += buffer.Count((byte)'\n'); }
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) { Write(buffer.Span); return ValueTask.CompletedTask; }
    }

    /// <summary>Samples a value every 10 ms on a background thread and keeps the peak.</summary>
    private sealed class PeriodicSampler : IDisposable
    {
        private readonly Timer _timer;
        public long Peak;
        public PeriodicSampler(Func<long> sample) => _timer = new Timer(_ => Peak = Math.Max(Peak, sample()), null, 0, 10);
        public void Dispose() => _timer.Dispose();
    }
}
