using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using BetterDb.Core.Analysis;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Monitoring;
using BetterDb.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace BetterDb.Bench;

/// <summary>
/// The capture-vs-capture diff of two large sessions (5 M lines each by default) in a real SQLite store: both are ingested,
/// analysed and their shapes counted once (what the analysis job and the first diff store), then the diff is timed as the
/// API runs it, from the stored aggregates only.
/// </summary>
internal static class DiffBench
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var lines = options.GetInt("lines", 5_000_000);
        var rounds = options.GetInt("rounds", 20);
        await using var storage = await BenchStorage.CreateAsync();
        var start = DateTime.UtcNow.AddHours(-2);
        await IngestAsync(storage, "before", lines, start, after: false);
        await IngestAsync(storage, "after", lines, start.AddHours(1), after: true);

        var analysis = new SessionAnalysis(storage.Contexts, storage.Chunks, NullLogger<SessionAnalysis>.Instance);
        var diffs = new SessionDiffService(storage.Contexts, analysis, new SessionLines(storage.Chunks), new BetterDb.Core.History.HistoryReader(storage.Contexts));
        foreach (var id in new[] { "before", "after" })
        {
            var sw = Stopwatch.StartNew();
            await diffs.PrepareAsync(id);
            Console.WriteLine($"stored aggregates of '{id}' (analysis + shapes, once per session): {sw.Elapsed.TotalSeconds:F1} s");
        }

        // The first call also pays for JIT and EF Core's first queries, as the first diff after an app start does.
        var cold = Stopwatch.StartNew();
        var (report, _) = await diffs.DiffAsync("after", "before");
        var coldMs = cold.Elapsed.TotalMilliseconds;
        var times = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            (report, _) = await diffs.DiffAsync("after", "before");
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"diff of two {lines / 1e6:0.#} M-line sessions (from stored aggregates: {report!.FromStoredAggregates}): " +
                          $"first call {coldMs:F1} ms; then over {rounds} rounds best {times[0]:F1} ms, median {times[times.Count / 2]:F1} ms, worst {times[^1]:F1} ms; " +
                          $"{report.Commands.Rows.Count} commands, {report.Shapes.New.Count} new / {report.Shapes.Vanished.Count} vanished shapes, " +
                          $"{report.HotKeys.NewInTop.Count} keys new in the top {report.HotKeys.TopK}, {report.Clients.New.Count} new clients, " +
                          $"exact counts: {report.Capture.CountsExact}/{report.Baseline.CountsExact}");
        return 0;
    }

    /// <summary>Synthetic traffic, one line every 20 µs from 64 clients over 300,000 keys; "after" adds verbs, a client group and bigger values.</summary>
    private static async Task IngestAsync(BenchStorage storage, string id, int count, DateTime start, bool after)
    {
        var writer = new CaptureWriter(id, null, long.MaxValue, long.MaxValue, storage.Chunks);
        var pipe = new Pipe();
        var startMicros = new DateTimeOffset(start).ToUnixTimeMilliseconds() * 1000;
        var produce = Task.Run(async () =>
        {
            var sb = new StringBuilder(1 << 20);
            var rng = new Random(after ? 2 : 1);
            string[] verbs = after ? ["GET", "GET", "GET", "SET", "HGETALL", "INCR", "ZADD"] : ["GET", "GET", "SET", "SET", "INCR", "LPUSH", "DEL"];
            var value = new string('v', after ? 400 : 100);
            for (var i = 0; i < count; i++)
            {
                var ts = startMicros + i * 20L;
                var client = after && i % 10 == 0 ? $"10.1.0.{rng.Next(8)}:{40000 + rng.Next(8)}" : $"10.0.0.{rng.Next(64)}:{30000 + rng.Next(4)}";
                var key = rng.Next(10) < 3 ? $"user:{rng.Next(100)}" : $"{(after && i % 7 == 0 ? "session" : "item")}:{rng.Next(300_000)}";
                var verb = verbs[rng.Next(verbs.Length)];
                sb.Append(ts / 1_000_000).Append('.').Append((ts % 1_000_000).ToString("000000")).Append(" [0 ").Append(client).Append("] \"").Append(verb).Append("\" \"").Append(key).Append('"');
                if (verb is "SET" or "LPUSH") sb.Append(" \"").Append(value).Append('"');
                else if (verb == "ZADD") sb.Append(" \"1\" \"m\"");
                sb.Append('\n');
                if (sb.Length > (1 << 20) - 1024)
                {
                    await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
                    sb.Clear();
                }
            }
            await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
            await pipe.Writer.CompleteAsync();
        });
        var sw = Stopwatch.StartNew();
        await MonitorStream.ReadTextAsync(pipe.Reader, writer, CancellationToken.None);
        await produce;
        await writer.CompleteAsync();
        await using (var db = storage.Contexts.CreateDbContext())
        {
            db.Sessions.Add(new SessionEntity
            {
                Id = id, ConnectionId = "bench", Status = CaptureStatus.Completed.Word(), Source = CaptureSource.Import.Word(), StartedAt = start,
                EndedAt = start.AddTicks(count * 20L * 10), LineCount = writer.StoredLines,
            });
            await db.SaveChangesAsync();
        }
        Console.WriteLine($"ingested '{id}': {writer.StoredLines:N0} lines in {sw.Elapsed.TotalSeconds:F1} s");
    }
}
