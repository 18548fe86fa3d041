using System.Diagnostics;
using System.IO.Pipelines;
using BetterDb.Core.Capture;
using BetterDb.Core.Connections;
using BetterDb.Core.Monitoring;
using BetterDb.Core.Replay;
using BetterDb.Testing;

namespace BetterDb.Bench;

/// <summary>
/// Replay throughput: the corpus (redis-benchmark's mixed workload as MONITOR saw it), stored in a real SQLite store,
/// replayed as fast as possible (pipelined per connection) into a private redis-server, per connection layout; then
/// redis-benchmark against the same server for the ceiling. The server is flushed before each round; best of the rounds.
/// </summary>
internal static class ReplayBench
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var corpus = options.Corpus();
        var rounds = options.GetInt("rounds", 3);
        await using var storage = await BenchStorage.CreateAsync();
        var writer = new CaptureWriter("r", null, long.MaxValue, long.MaxValue, storage.Chunks);
        await using (var file = File.OpenRead(corpus))
            await MonitorStream.ReadTextAsync(PipeReader.Create(file), writer, CancellationToken.None);
        await writer.CompleteAsync();
        Console.WriteLine($"stored {writer.StoredLines:N0} lines from {corpus}");

        await using var server = await RedisServer.StartAsync(TimeSpan.FromMinutes(30));
        var target = new ConnectionProfile { Id = "bench", Name = "bench", Host = "127.0.0.1", Port = server.Port };
        var engine = new ReplayEngine(new SessionLines(storage.Chunks));
        var layouts = (options.Get("connections") ?? "original,1,4")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => ReplayConcurrency.TryParse(c, out var v) ? v : throw new ArgumentException($"--connections: {c}")).ToList();
        foreach (var layout in layouts)
        {
            ReplayReport? best = null;
            double bestCpu = 0;
            for (var r = 0; r < rounds; r++)
            {
                await server.CliAsync("flushall");
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var report = await engine.RunAsync("r", new ReplaySettings { Pace = ReplayPace.Max, Connections = layout }, target, new ReplayCounters(),
                    CancellationToken.None);
                var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds;
                if (best is null || report.DurationMs < best.DurationMs) (best, bestCpu) = (report, used);
            }
            Console.WriteLine($"replay max pace, connections={layout} ({best!.Connections} opened): {best.Sent:N0} sent, {best.Errors:N0} errors, " +
                              $"{best.Skipped:N0} skipped in {best.DurationMs / 1000:F2} s = {best.Sent / (best.DurationMs / 1000):N0} commands/s " +
                              $"(best of {rounds}); p50 {best.LatencyP50Ms} ms, p99 {best.LatencyP99Ms} ms; replay CPU {bestCpu / Math.Max(1, best.Sent):F2} µs/command");
        }

        await PacingAsync(engine, storage, target);

        foreach (var pipeline in new[] { 16, 1 })
        {
            var args = new[] { "-p", server.Port.ToString(), "-q", "-n", "300000", "-c", "50", "-P", pipeline.ToString(), "-t", "set,get,incr,lpush,hset" };
            var output = (await Proc.RunAsync(600, "redis-benchmark", args)).Replace('\r', '\n');
            var rates = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("requests per second")).Select(l => l.Trim()).Distinct();
            Console.WriteLine($"redis-benchmark {string.Join(' ', args)}:");
            foreach (var line in rates) Console.WriteLine($"  {line}");
        }
        return 0;
    }

    /// <summary>
    /// How closely a paced replay keeps the capture's clock: 10,000 SETs from 50 clients spread evenly over 5 s, replayed at
    /// 1x, 10x and 100x; the run's length against the scaled span, and how late commands left (the report's pacing lag).
    /// </summary>
    private static async Task PacingAsync(ReplayEngine engine, BenchStorage storage, ConnectionProfile target)
    {
        const int lines = 10_000;
        const double span = 5.0;
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < lines; i++)
            text.Append(System.FormattableString.Invariant($"{1_700_000_000 + i * span / (lines - 1):0.000000} [0 10.0.0.{i % 50}:{5000 + i % 50}] \"SET\" \"paced:{i}\" \"v\"\n"));
        var writer = new CaptureWriter("paced", null, long.MaxValue, long.MaxValue, storage.Chunks);
        await using (var stream = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text.ToString())))
            await MonitorStream.ReadTextAsync(PipeReader.Create(stream), writer, CancellationToken.None);
        await writer.CompleteAsync();
        foreach (var factor in new[] { 1.0, 10.0, 100.0 })
        {
            var pace = factor == 1 ? ReplayPace.Original : ReplayPace.Speed(factor);
            var report = await engine.RunAsync("paced", new ReplaySettings { Pace = pace }, target, new ReplayCounters(), CancellationToken.None);
            var expected = span * 1000 / factor;
            Console.WriteLine($"replay pace={pace}: {report.Sent:N0} commands over {report.Connections} connections in {report.DurationMs:F0} ms " +
                              $"(the capture's span scaled: {expected:F0} ms, {(report.DurationMs - expected) / expected * 100:F1} % longer); " +
                              $"sent late by p50 {report.PacingLagP50Ms} ms, p99 {report.PacingLagP99Ms} ms, max {report.PacingLagMaxMs} ms");
        }
    }
}
