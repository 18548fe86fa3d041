using System.Diagnostics;
using System.Text.RegularExpressions;
using BetterDb.Core.Capture;
using BetterDb.Core.Connections;
using BetterDb.Core.Monitoring;
using BetterDb.Testing;

namespace BetterDb.Bench;

/// <summary>
/// A capture against a local redis-server saturated by <c>redis-benchmark -P 16</c>, with
/// <c>redis-cli monitor</c> attached in the same window. Rounds alternate between
/// "redis-cli + BetterDb" and "redis-cli only" so the cost of our capture on the server's
/// throughput is compared under the same conditions.
/// </summary>
internal static partial class LiveBench
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var requests = options.GetInt("requests", 2_000_000);
        var rounds = options.GetInt("rounds", 3);
        var test = options.Get("test") ?? "set";
        await using var redis = await RedisServer.StartAsync(TimeSpan.FromMinutes(20));
        Console.WriteLine($"redis-server on 127.0.0.1:{redis.Port}; redis-benchmark -P 16 -t {test} -n {requests:N0}; {rounds} rounds; cores: {Environment.ProcessorCount}");

        var withUs = new List<double>();
        var cliOnly = new List<double>();
        var worstRatio = double.MaxValue;
        long peakOmem = 0, peakCliOmem = 0;
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var attachUs in new[] { true, false })
            {
                var result = await PhaseAsync(redis, attachUs, requests, test);
                (attachUs ? withUs : cliOnly).Add(result.RequestsPerSec);
                var line = $"round {round} {(attachUs ? "redis-cli + betterdb" : "redis-cli only      ")}: {result.RequestsPerSec,10:N0} req/s; redis-cli got {result.CliLines:N0} lines";
                if (attachUs)
                {
                    var ratio = (double)result.OurLines / result.CliLines;
                    worstRatio = Math.Min(worstRatio, ratio);
                    peakOmem = Math.Max(peakOmem, result.PeakOmem);
                    peakCliOmem = Math.Max(peakCliOmem, result.PeakCliOmem);
                    line += $", betterdb {result.OurLines:N0} (ratio {ratio:F4}); peak omem betterdb {result.PeakOmem / 1e6:F2} MB, redis-cli {result.PeakCliOmem / 1e6:F2} MB";
                }
                Console.WriteLine(line);
            }
        }
        var cost = withUs.Average() / cliOnly.Average();
        Console.WriteLine($"summary: lines ratio (worst round) {worstRatio:F4}; peak omem of betterdb-monitor {peakOmem / 1e6:F2} MB (redis-cli {peakCliOmem / 1e6:F2} MB); " +
                          $"throughput with betterdb {withUs.Average():N0} vs redis-cli only {cliOnly.Average():N0} req/s = {cost:F3}");
        return 0;
    }

    private sealed record PhaseResult(double RequestsPerSec, long CliLines, long OurLines, long PeakOmem, long PeakCliOmem);

    private static async Task<PhaseResult> PhaseAsync(RedisServer redis, bool attachUs, int requests, string test)
    {
        var cliFile = Path.Combine(redis.Directory, "cli-monitor.txt");
        using var cli = Process.Start(new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", $"exec redis-cli -p {redis.Port} monitor > '{cliFile}'" },
            UseShellExecute = false,
        })!;

        var profile = new ConnectionProfile { Id = "bench", Name = "bench", Host = "127.0.0.1", Port = redis.Port };
        await using var storage = await BenchStorage.CreateAsync();
        CaptureWriter? writer = null;
        RespConnection? connection = null;
        Task? reading = null;
        using var stop = new CancellationTokenSource();
        if (attachUs)
        {
            // The same path as the app: raw connection, writer with a live tail, SQLite chunk store.
            connection = await RespConnection.OpenAsync(profile, TimeSpan.FromSeconds(5));
            await connection.HandshakeAsync(profile, "betterdb-monitor", TimeSpan.FromSeconds(5));
            await MonitorStream.EnterMonitorAsync(connection, TimeSpan.FromSeconds(5));
            writer = new CaptureWriter("live", null, long.MaxValue, long.MaxValue, storage.Chunks, new LiveTail());
            reading = Task.Run(() => MonitorStream.ReadRespAsync(connection.Input, writer, stop.Token));
        }
        await WaitForMonitorsAsync(profile, attachUs ? 2 : 1);

        long peakOmem = 0, peakCliOmem = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            await using var admin = await RespConnection.OpenAsync(profile, TimeSpan.FromSeconds(5));
            await admin.HandshakeAsync(profile, "betterdb-bench", TimeSpan.FromSeconds(5));
            while (!sampling.IsCancellationRequested)
            {
                var list = (await admin.CommandAsync(CancellationToken.None, "CLIENT", "LIST")).Text ?? "";
                foreach (var client in list.Split('\n'))
                {
                    var omem = OmemField().Match(client);
                    if (!omem.Success || !client.Contains("flags=O")) continue;
                    var value = long.Parse(omem.Groups[1].Value);
                    if (client.Contains("name=betterdb-monitor")) peakOmem = Math.Max(peakOmem, value);
                    else peakCliOmem = Math.Max(peakCliOmem, value);
                }
                try { await Task.Delay(25, sampling.Token); } catch (OperationCanceledException) { }
            }
        });

        var rps = await RunBenchmarkAsync(redis.Port, requests, test);

        // Let both readers drain what the server still holds for them.
        long last = -1, lastFile = -1;
        for (var i = 0; i < 200; i++)
        {
            await Task.Delay(100);
            var ours = writer?.LineCount ?? 0;
            var file = new FileInfo(cliFile).Length;
            if (ours == last && file == lastFile) break;
            (last, lastFile) = (ours, file);
        }
        await sampling.CancelAsync();
        await sampler;

        long ourLines = 0;
        if (attachUs)
        {
            await stop.CancelAsync();
            await reading!;
            await writer!.CompleteAsync();
            ourLines = writer.StoredLines;
            await writer.DisposeAsync();
            await connection!.DisposeAsync();
        }
        cli.Kill();
        await cli.WaitForExitAsync();
        var cliLines = CountLines(cliFile) - 1; // redis-cli prints OK first
        File.Delete(cliFile);
        return new PhaseResult(rps, cliLines, ourLines, peakOmem, peakCliOmem);
    }

    private static async Task WaitForMonitorsAsync(ConnectionProfile profile, int expected)
    {
        await using var admin = await RespConnection.OpenAsync(profile, TimeSpan.FromSeconds(5));
        for (var i = 0; i < 100; i++)
        {
            var list = (await admin.CommandAsync(CancellationToken.None, "CLIENT", "LIST")).Text ?? "";
            if (list.Split('\n').Count(c => c.Contains("flags=O")) >= expected) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("MONITOR clients did not attach");
    }

    private static async Task<double> RunBenchmarkAsync(int port, int requests, string test)
    {
        var psi = new ProcessStartInfo("redis-benchmark")
        {
            ArgumentList = { "-p", port.ToString(), "-P", "16", "-q", "-n", requests.ToString(), "-t", test },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        var m = RpsField().Matches(output);
        if (m.Count == 0) throw new InvalidOperationException("could not read redis-benchmark output: " + output);
        return double.Parse(m[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long CountLines(string path)
    {
        long n = 0;
        var buffer = new byte[1 << 20];
        using var f = File.OpenRead(path);
        int read;
        while ((read = f.Read(buffer)) > 0) n += buffer.AsSpan(0, read).Count((byte)'\n');
        return n;
    }

    [GeneratedRegex(@"omem=(\d+)")]
    private static partial Regex OmemField();

    [GeneratedRegex(@"([\d.]+) requests per second")]
    private static partial Regex RpsField();
}
