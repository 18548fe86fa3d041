using System.Globalization;
using System.Text.RegularExpressions;

namespace BetterDb.Bench;

/// <summary>
/// What a capture costs the server, in every traffic shape (see shared/RECIPES.md, "Measuring a capture's
/// cost on the server"). A private redis-server is saturated by redis-benchmark while exactly one MONITOR
/// reader is attached: <c>redis-cli monitor &gt; file</c> (the reference) or a capture of the real app, run as
/// a child process and driven over its HTTP API. Rounds alternate the readers; the report compares medians
/// of the server's req/s, the reader's CPU per line, completeness and the server's output buffer for it.
/// </summary>
internal static partial class LiveBench
{
    private const string Cli = "redis-cli";
    private const string AppMonitorName = "betterdb-monitor";
    private const string DefaultDll = "BetterDb.Blazor/bin/Release/net10.0/BetterDb.Blazor.dll";

    /// <summary>A traffic shape: redis-benchmark options and requests per test for a 3-6 s round on 2 cores.</summary>
    private sealed record Regime(string Name, int Requests, string Options, string Tests)
    {
        public int TestCount => Tests.Split(',').Length;
    }

    private static readonly Regime[] AllRegimes =
    [
        new("unpipelined", 200_000, "-c 20", "set"),
        new("200-clients", 250_000, "-c 200", "set"),
        new("P4", 800_000, "-c 20 -P 4", "set"),
        new("P16", 2_000_000, "-c 20 -P 16", "set"),
        new("4KB-values", 20_000, "-c 20 -d 4096", "set"), // the server's own MONITOR formatting of 4 KB values is slow
        new("mixed", 40_000, "-c 20", "set,get,incr,lpush,hset,zadd"),
    ];

    /// <summary>A reader to compare; <paramref name="MonitorName"/> is how it shows in CLIENT LIST ("" for redis-cli).</summary>
    /// <param name="Pid">the app's process, settled before each of its rounds; null for redis-cli (a new process each round).</param>
    private sealed record Variant(string Name, string MonitorName, Func<Task<IMonitorRun>> Start, int? Pid = null);

    private sealed record Round(double Rps, long Sent, long Lines, double CpuSeconds, long PeakOmem, string? Note)
    {
        public double CpuPerMillionLines => Lines > 0 ? CpuSeconds / Lines * 1e6 : double.NaN;
    }

    private sealed record Setup(BenchServer Server, SideClient Probe, double Scale)
    {
        public int Requests(Regime r) => Math.Max(1000, (int)Math.Round(r.Requests * Scale));
    }

    public static async Task<int> RunAsync(BenchOptions options)
    {
        Console.WriteLine($"command: BetterDb.Bench {Proc.Shell(Environment.GetCommandLineArgs().Skip(1))}");
        var rounds = options.GetInt("rounds", 3);
        var warmups = options.GetInt("warmup", 3);
        var scale = double.Parse(options.Get("scale") ?? "1", CultureInfo.InvariantCulture);
        var regimes = PickRegimes(options.Get("regimes"));
        var apps = PickApps(options.Get("app"));
        if (regimes is null || apps is null) return 2;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; load average at start: {LoadAverage()}");
        var workDir = Directory.CreateTempSubdirectory("betterdb-live-").FullName;
        try
        {
            await RunAllAsync(options.Get("tls") == "true", scale, rounds, warmups, regimes, apps, workDir);
            return 0;
        }
        catch (Exception ex)
        {
            Console.WriteLine($"the bench could not be set up: {ex.Message}");
            return 1;
        }
        finally
        {
            try { Directory.Delete(workDir, recursive: true); }
            catch (IOException ex) { Console.WriteLine($"could not remove {workDir}: {ex.Message}"); }
            Console.WriteLine($"load average at end: {LoadAverage()}");
        }
    }

    private static async Task RunAllAsync(bool tls, double scale, int rounds, int warmups, IReadOnlyList<Regime> regimes,
        IReadOnlyList<(string Name, string Dll)> apps, string workDir)
    {
        await using var server = await BenchServer.StartAsync(tls, workDir);
        await using var probe = await SideClient.OpenAsync(server);
        Console.WriteLine($"redis-server on 127.0.0.1:{server.Port}{(tls ? " (TLS only)" : "")}; {warmups} warm-up and {rounds} measured rounds; scale {scale}");
        var running = new List<AppInstance>();
        try
        {
            foreach (var (name, dll) in apps)
            {
                try
                {
                    var app = await AppInstance.StartAsync(name, dll, server, workDir);
                    running.Add(app);
                    Console.WriteLine($"app {name}: {dll}, run from a copy (pid {app.Pid}, {app.Http.BaseAddress}, connection '{app.ConnectionId}')");
                }
                catch (Exception ex)
                {
                    Console.WriteLine($"skipping app {name}: {ex.Message}");
                }
            }
            var setup = new Setup(server, probe, scale);
            List<Variant> variants =
            [
                new(Cli, "", async () => await CliMonitor.StartAsync(server, workDir)),
                .. running.Select(a => new Variant(a.Name, AppMonitorName, async () => await a.StartCaptureAsync(), a.Pid)),
            ];

            // Not measured: JIT and first-use costs of each reader. Every traffic shape, whole, --warmup times (3): the
            // app's tiered JIT keeps promoting the code a capture runs for its first few captures of each shape, while its
            // background work (history polls, Hangfire) compiles too; a server that has run a while has none of that left.
            for (var w = 1; w <= warmups; w++)
                foreach (var regime in regimes)
                    foreach (var v in variants) await RoundAsync(setup, regime, v, $"warm-up {w}");

            var results = new List<(Regime Regime, Dictionary<string, List<Round>> Rounds)>();
            foreach (var regime in regimes)
            {
                Console.WriteLine($"{regime.Name}: redis-benchmark {Proc.Shell(BenchmarkArgs(setup, regime))}");
                var byVariant = variants.ToDictionary(v => v.Name, _ => new List<Round>());
                for (var r = 1; r <= rounds; r++)
                    foreach (var v in variants)
                        if (await RoundAsync(setup, regime, v, $"round {r}/{rounds}") is { } round)
                            byVariant[v.Name].Add(round);
                results.Add((regime, byVariant));
            }
            PrintTable(setup, results, variants.Select(v => v.Name).ToList(), running.FirstOrDefault()?.Cap);
        }
        finally
        {
            foreach (var app in running) await app.DisposeAsync();
        }
    }

    /// <summary>One measured round, printed as one line; a failure is printed and the bench goes on.</summary>
    private static async Task<Round?> RoundAsync(Setup setup, Regime regime, Variant variant, string label)
    {
        var prefix = $"  {regime.Name,-11} {label,-10} {variant.Name,-10}";
        try
        {
            var r = await MeasureAsync(setup, regime, variant);
            Console.WriteLine($"{prefix} {r.Rps,9:N0} req/s | cpu {r.CpuSeconds,6:F2} s = {r.CpuPerMillionLines,5:F2} s/M lines | " +
                              $"lines {r.Lines:N0} / {r.Sent:N0} | peak omem {Size(r.PeakOmem)}{(r.Note is null ? "" : " | " + r.Note)}");
            return r;
        }
        catch (Exception ex)
        {
            Console.WriteLine($"{prefix} FAILED: {ex.Message}");
            return null;
        }
    }

    private static async Task<Round> MeasureAsync(Setup setup, Regime regime, Variant variant)
    {
        await WaitForMonitorAsync(setup.Probe, null, null); // never two readers at once
        // A long-running server is what users run: its capture is measured, not the analysis of the previous session
        // (a Hangfire job that may still run) nor start-up JIT still settling from the app's background work.
        var settle = variant.Pid is { } pid ? await Proc.SettleAsync(pid) : null;
        await using var run = await variant.Start();
        await WaitForMonitorAsync(setup.Probe, variant.MonitorName, run);
        double cpu;
        (double Rps, long Sent) load;
        string? drainNote;
        long received;
        var sampler = new OmemSampler(setup.Probe);
        await using (sampler)
        {
            var cpuBefore = Proc.CpuSeconds(run.Pid);
            load = await RunBenchmarkAsync(setup, regime);
            (received, drainNote) = await DrainAsync(run, sampler, load.Sent);
            cpu = Proc.CpuSeconds(run.Pid) - cpuBefore;
        }
        var (lines, note) = await run.EndAsync();
        // What the reader had counted before the stop, against what it ended with: fewer is a loss on the way to storage.
        if (run.ProgressCountsLines && lines < received) note = string.Join("; ", new[] { note, $"ended with {lines:N0} lines after receiving {received:N0}" }.OfType<string>());
        return new Round(load.Rps, load.Sent, lines, cpu, sampler.Peak, string.Join("; ", new[] { settle, note, drainNote }.OfType<string>()) is { Length: > 0 } n ? n : null);
    }

    /// <summary>Until a MONITOR client named <paramref name="name"/> is attached, or (null) until none is.</summary>
    private static async Task WaitForMonitorAsync(SideClient probe, string? name, IMonitorRun? run)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            var monitors = (await probe.ClientsAsync()).Where(c => c.IsMonitor).ToList();
            if (name is null ? monitors.Count == 0 : monitors.Any(c => c.Name == name)) return;
            if (run is not null && await run.FailureAsync() is { } failure) throw new InvalidOperationException($"did not attach: {failure}");
        }
        throw new TimeoutException(name is null ? "a MONITOR client of the previous round is still attached" : $"no MONITOR client named '{name}' within 20 s");
    }

    /// <summary>
    /// Until the reader has it all: it counted every line sent (a reader that counts lines), or the server holds nothing
    /// for it and its count (redis-cli's: its file's bytes) stood still for 2 s. Half a second was too short: on
    /// this 2-core box a reader can be off the CPU that long with lines still in its socket buffer, and the round then
    /// stopped it before it had read them (200 clients, 248,751 of 250,000 once). Returns its count and a note.
    /// </summary>
    private static async Task<(long Received, string? Note)> DrainAsync(IMonitorRun run, OmemSampler sampler, long sent)
    {
        long last = -1;
        var stable = 0;
        for (var deadline = DateTime.UtcNow.AddMinutes(3); DateTime.UtcNow < deadline;)
        {
            await Task.Delay(250);
            var progress = await run.ProgressAsync();
            if (run.ProgressCountsLines && progress >= sent && sampler.Last == 0) return (progress, null);
            stable = progress == last && sampler.Last == 0 ? stable + 1 : 0;
            if (stable >= 8) return (progress, null);
            last = progress;
        }
        return (last, "still receiving 3 min after the benchmark");
    }

    private static string[] BenchmarkArgs(Setup setup, Regime r) =>
        [.. setup.Server.ToolArgs, "-q", "-r", "100000", "-n", setup.Requests(r).ToString(), .. r.Options.Split(' '), "-t", r.Tests];

    private static async Task<(double Rps, long Sent)> RunBenchmarkAsync(Setup setup, Regime regime)
    {
        var output = (await Proc.RunAsync(900, "redis-benchmark", BenchmarkArgs(setup, regime))).Replace('\r', '\n');
        var rates = RequestsPerSecond().Matches(output).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        if (rates.Count != regime.TestCount)
            throw new InvalidOperationException($"read {rates.Count} of {regime.TestCount} results from redis-benchmark: {output.Trim()[^Math.Min(300, output.Trim().Length)..]}");
        var n = setup.Requests(regime);
        // Total requests over total time (a mean of the rates would overweight the fast tests).
        return (rates.Count * (double)n / rates.Sum(rps => n / rps), (long)rates.Count * n);
    }

    private static void PrintTable(Setup setup, List<(Regime Regime, Dictionary<string, List<Round>> Rounds)> results, List<string> variants, long? cap)
    {
        var apps = variants.Skip(1).ToList();
        var all = string.Join(" / ", variants);
        List<string> header = ["regime", "requests", $"{Cli} req/s", .. apps.Select(a => $"{a} req/s (ratio)"),
            .. apps.Select(a => $"CPU s per M lines {Cli} / {a} (ratio)"), $"lines received / sent ({all})", $"peak omem ({all})"];
        Console.WriteLine();
        Console.WriteLine($"Medians of {results.FirstOrDefault().Rounds?.Values.Max(r => r.Count) ?? 0} rounds; targets: req/s ratio >= 0.95, CPU ratio <= 1.5, lines/sent 1.000" +
                          (cap is { } c ? $"; app caps {c:N0} lines and bytes" : ""));
        Console.WriteLine();
        Console.WriteLine($"| {string.Join(" | ", header)} |");
        Console.WriteLine($"|{string.Concat(header.Select(_ => " --- |"))}");
        foreach (var (regime, rounds) in results)
        {
            var sent = (long)regime.TestCount * setup.Requests(regime);
            double Rps(string v) => Median(rounds[v].Select(r => r.Rps));
            double Cpu(string v) => Median(rounds[v].Select(r => r.CpuPerMillionLines));
            List<string> cells = [regime.Name, $"{sent:N0}", Num(Rps(Cli), "N0"),
                .. apps.Select(a => $"{Num(Rps(a), "N0")} ({Num(Rps(a) / Rps(Cli), "F2")})"),
                .. apps.Select(a => $"{Num(Cpu(Cli), "F2")} / {Num(Cpu(a), "F2")} ({Num(Cpu(a) / Cpu(Cli), "F2")})"),
                string.Join(" / ", variants.Select(v => rounds[v].Count == 0 ? "n/a" : $"{rounds[v].Min(r => r.Lines) / (double)sent:F4}")),
                string.Join(" / ", variants.Select(v => rounds[v].Count == 0 ? "n/a" : Size(rounds[v].Max(r => r.PeakOmem))))];
            Console.WriteLine($"| {string.Join(" | ", cells)} |");
        }
        Console.WriteLine();
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static string Num(double value, string format) => double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static string Size(long bytes) => bytes < 1_000_000 ? $"{bytes / 1e3:F0} kB" : $"{bytes / 1e6:F1} MB";

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

    private static IReadOnlyList<Regime>? PickRegimes(string? names)
    {
        if (names is null) return AllRegimes;
        var picked = names.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(n => AllRegimes.FirstOrDefault(r => r.Name.Equals(n, StringComparison.OrdinalIgnoreCase))).ToList();
        if (picked.All(r => r is not null)) return picked!;
        Console.Error.WriteLine($"unknown regime in '{names}'; known: {string.Join(", ", AllRegimes.Select(r => r.Name))}");
        return null;
    }

    /// <summary><c>--app NAME=PATH[,NAME=PATH...]</c>; a relative path is taken from here, else from the repository root.</summary>
    private static IReadOnlyList<(string Name, string Dll)>? PickApps(string? spec)
    {
        var root = RepoRoot();
        var apps = new List<(string Name, string Dll)>();
        foreach (var entry in (spec ?? $"betterdb={DefaultDll}").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split('=', 2);
            var dll = parts is [_, { Length: > 0 } path]
                ? new[] { Path.GetFullPath(path), Path.GetFullPath(path, root ?? "/") }.FirstOrDefault(File.Exists)
                : null;
            if (dll is null || parts[0] is "" or Cli || apps.Any(a => a.Name == parts[0]))
            {
                Console.Error.WriteLine($"--app: '{entry}' is not NAME=PATH with a unique name and an existing dll " +
                                        $"(build the app first: dotnet build BetterDb.sln -c Release)");
                return null;
            }
            apps.Add((parts[0], dll));
        }
        return apps;
    }

    private static string? RepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "BetterDb.sln"))) return dir.FullName;
        return null;
    }

    [GeneratedRegex(@"^\s*[A-Z_]+: ([\d.]+) requests per second", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecond();
}
