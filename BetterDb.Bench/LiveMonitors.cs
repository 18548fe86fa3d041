using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using BetterDb.Testing;

namespace BetterDb.Bench;

/// <summary>One attached MONITOR reader whose cost is measured: redis-cli or a capture of the app.</summary>
internal interface IMonitorRun : IAsyncDisposable
{
    /// <summary>The process whose CPU time is the reader's cost.</summary>
    int Pid { get; }

    /// <summary>A figure that grows while data still arrives (bytes or lines).</summary>
    Task<long> ProgressAsync();

    /// <summary>Whether <see cref="ProgressAsync"/> counts lines (the app's capture) rather than bytes (redis-cli's file).</summary>
    bool ProgressCountsLines { get; }

    /// <summary>Why the reader is gone (exited, capture ended), or null while it runs.</summary>
    Task<string?> FailureAsync();

    /// <summary>Ends reception (after draining) and counts the lines received.</summary>
    Task<(long Lines, string? Note)> EndAsync();
}

/// <summary><c>redis-cli monitor &gt; file</c>, as an operator would run it.</summary>
internal sealed class CliMonitor(Process process, int pid, string file) : IMonitorRun
{
    public int Pid => pid;

    public static async Task<CliMonitor> StartAsync(BenchServer server, string workDir)
    {
        var file = Path.Combine(workDir, $"cli-monitor-{Guid.NewGuid():N}.txt");
        // The shell only sets up the redirect and execs timeout, whose child is redis-cli itself.
        var command = $"exec timeout {Proc.Shell(Proc.TimedArgs(3600, "redis-cli", [.. server.ToolArgs, "monitor"]))} > {Proc.Shell([file])}";
        var shell = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { "-c", command }, UseShellExecute = false })!;
        return new CliMonitor(shell, await Proc.ChildAsync(shell), file);
    }

    public Task<long> ProgressAsync() => Task.FromResult(new FileInfo(file).Length);

    public bool ProgressCountsLines => false;

    public Task<string?> FailureAsync() => Task.FromResult(process.HasExited ? $"redis-cli exited with code {process.ExitCode}" : null);

    public Task<(long Lines, string? Note)> EndAsync() => Task.FromResult((Proc.CountLines(file, skipFirstIf: "OK"), (string?)null));

    public async ValueTask DisposeAsync()
    {
        await Proc.KillAsync(process);
        File.Delete(file);
    }
}

/// <summary>The real app (BetterDb.Blazor.dll) as a child process, started once for the whole run.</summary>
internal sealed class AppInstance : IAsyncDisposable
{
    private static readonly long[] Caps = [1_000_000_000_000, 100_000_000_000, 10_000_000_000, 1_000_000_000];
    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private int _capIndex;

    private AppInstance(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(3) };
    }

    public string Name { get; }
    public int Pid { get; private set; }
    public HttpClient Http { get; }
    public string ConnectionId { get; private set; } = "default";
    public long Cap => Caps[_capIndex];

    public static async Task<AppInstance> StartAsync(string name, string dll, BenchServer server, string workDir)
    {
        // A copy of the build: a rebuild of the tree during the run must not change (or break) the app under test.
        var binDir = Path.Combine(workDir, $"app-{name}");
        CopyDirectory(Path.GetDirectoryName(dll)!, binDir);
        var dataDir = Path.Combine(workDir, $"data-{name}");
        var port = RedisServer.FreePort();
        var psi = Proc.Timed(4 * 3600, "dotnet", Path.Combine(binDir, Path.GetFileName(dll)), "--urls", $"http://127.0.0.1:{port}");
        psi.WorkingDirectory = binDir; // the content root when run from the dll
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["BetterDb__DataDirectory"] = dataDir;
        // A TLS server gets its own connection over the API (it needs the CA): no default one then.
        psi.Environment["BetterDb__DefaultConnection"] = server.CaFile is null ? $"redis://127.0.0.1:{server.Port}" : "";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        var app = new AppInstance(name, Process.Start(psi)!, port);
        app._process.OutputDataReceived += (_, e) => app.Keep(e.Data);
        app._process.ErrorDataReceived += (_, e) => app.Keep(e.Data);
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();
        try
        {
            app.Pid = await Proc.ChildAsync(app._process);
            await app.WaitHealthyAsync();
            if (server.CaFile is not null) await app.CreateTlsConnectionAsync(server);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 40) _output.Dequeue();
        }
    }

    private string Output()
    {
        lock (_output) return string.Join('\n', _output);
    }

    private async Task WaitHealthyAsync()
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name}: the app exited at start with code {_process.ExitCode}:\n{Output()}");
            try
            {
                using var response = await Http.GetAsync("/healthz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
        }
        throw new TimeoutException($"{Name}: /healthz did not answer 200 within 90 s:\n{Output()}");
    }

    /// <summary>The TLS server's connection, trusting its self-signed CA; an app without <c>caCertificate</c> cannot reach it.</summary>
    private async Task CreateTlsConnectionAsync(BenchServer server)
    {
        var body = new JsonObject
        {
            ["name"] = "bench-tls", ["host"] = "127.0.0.1", ["port"] = server.Port, ["tls"] = true,
            ["caCertificate"] = await File.ReadAllTextAsync(server.CaFile!),
        };
        using var response = await Http.PostAsJsonAsync("/api/connections", body);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
            throw new NotSupportedException($"{Name}: POST /api/connections with caCertificate answered {(int)response.StatusCode}: {text}");
        var created = JsonNode.Parse(text)!;
        if (created["caCertificate"] is null)
            throw new NotSupportedException($"{Name}: this build ignores caCertificate (not in its answer), so it cannot trust the bench's self-signed server");
        ConnectionId = (string)created["id"]!;
    }

    /// <summary>Starts a capture with caps too large to be reached; steps down if the app refuses them.</summary>
    public async Task<AppCapture> StartCaptureAsync()
    {
        while (true)
        {
            var body = new JsonObject { ["connectionId"] = ConnectionId, ["durationMs"] = 3_600_000, ["byteCap"] = Cap, ["lineCap"] = Cap };
            using var response = await Http.PostAsJsonAsync("/api/monitor/sessions", body);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.Created) return new AppCapture(this, (string)JsonNode.Parse(text)!["id"]!);
            if (response.StatusCode == HttpStatusCode.BadRequest && _capIndex < Caps.Length - 1 && text.Contains("Cap", StringComparison.OrdinalIgnoreCase))
            {
                Console.WriteLine($"  note: {Name} refused caps of {Cap:N0}; trying {Caps[_capIndex + 1]:N0} ({text})");
                _capIndex++;
                continue;
            }
            throw new InvalidOperationException($"POST /api/monitor/sessions answered {(int)response.StatusCode}: {text}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Proc.KillAsync(_process);
    }
}

/// <summary>One capture session of the app, deleted when disposed so the data directory does not grow.</summary>
internal sealed class AppCapture(AppInstance app, string id) : IMonitorRun
{
    public int Pid => app.Pid;

    private async Task<JsonNode> SessionAsync() =>
        JsonNode.Parse(await app.Http.GetStringAsync($"/api/monitor/sessions/{id}"))!;

    public async Task<long> ProgressAsync() => (long)(await SessionAsync())["lineCount"]!;

    public bool ProgressCountsLines => true;

    public async Task<string?> FailureAsync()
    {
        var s = await SessionAsync();
        return (string?)s["status"] == "running" ? null : $"capture {s["status"]}: {s["terminationReason"]}";
    }

    public async Task<(long Lines, string? Note)> EndAsync()
    {
        using var response = await app.Http.PostAsync($"/api/monitor/sessions/{id}/stop", null);
        response.EnsureSuccessStatusCode();
        var s = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var reason = (string?)s["terminationReason"];
        return ((long)s["lineCount"]!, reason == BetterDb.Core.Capture.EndReasonKind.ManualStop ? null : $"ended {s["status"]}: {reason}");
    }

    public async ValueTask DisposeAsync()
    {
        try { (await app.Http.DeleteAsync($"/api/monitor/sessions/{id}")).Dispose(); }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { Console.WriteLine($"  note: could not delete session {id}: {ex.Message}"); }
    }
}

/// <summary>Child processes: each under coreutils' timeout so none outlives the bench, and their CPU time.</summary>
internal static class Proc
{
    private static readonly Lazy<double> ClockTicks = new(() =>
    {
        var psi = new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        return double.TryParse(p.StandardOutput.ReadToEnd().Trim(), out var v) && v > 0 ? v : 100;
    });

    public static string[] TimedArgs(int seconds, string file, params string[] args) =>
        ["--signal=TERM", "--kill-after=5", seconds.ToString(), file, .. args];

    public static ProcessStartInfo Timed(int seconds, string file, params string[] args)
    {
        var psi = new ProcessStartInfo("timeout") { UseShellExecute = false };
        foreach (var a in TimedArgs(seconds, file, args)) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>Runs a short command to its end; a non-zero exit is an error carrying its output.</summary>
    public static async Task<string> RunAsync(int seconds, string file, params string[] args)
    {
        var psi = Timed(seconds, file, args);
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var output = await stdout + await stderr;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} exited with code {p.ExitCode}: {output.Trim()[^Math.Min(400, output.Trim().Length)..]}");
        return await stdout;
    }

    /// <summary>The program timeout runs (its only child), found through /proc.</summary>
    public static async Task<int> ChildAsync(Process timeout)
    {
        var file = $"/proc/{timeout.Id}/task/{timeout.Id}/children";
        for (var i = 0; i < 250 && !timeout.HasExited; i++, await Task.Delay(20))
        {
            try
            {
                if (File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var child, ..]) return int.Parse(child);
            }
            catch (IOException) { } // it exited meanwhile: said below
        }
        throw new InvalidOperationException(timeout.HasExited ? $"pid {timeout.Id} exited with code {timeout.ExitCode} at start" : $"no child process under pid {timeout.Id}");
    }

    /// <summary>utime + stime (fields 14 and 15 of /proc/pid/stat) in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields[0] is field 3 (state)
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / ClockTicks.Value;
    }

    /// <summary>Settled: at most this share of a core over the last <see cref="SettleWindow"/> (the idle app uses 1-2 %).</summary>
    public const double SettledShare = 0.04;
    public static readonly TimeSpan SettleWindow = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Waits until process <paramref name="pid"/> is nearly idle (<see cref="SettledShare"/> of a core over
    /// <see cref="SettleWindow"/>), at most 2 minutes. Returns a note when it took long or never settled, else null.
    /// </summary>
    public static async Task<string?> SettleAsync(int pid)
    {
        var started = DateTime.UtcNow;
        var samples = new Queue<(DateTime At, double Cpu)>();
        while (true)
        {
            var now = DateTime.UtcNow;
            samples.Enqueue((now, CpuSeconds(pid)));
            while (now - samples.Peek().At > SettleWindow) samples.Dequeue();
            var (firstAt, firstCpu) = samples.Peek();
            var span = (now - firstAt).TotalSeconds;
            if (span >= SettleWindow.TotalSeconds - 0.3 && (samples.Last().Cpu - firstCpu) / span <= SettledShare)
            {
                var waited = (now - started).TotalSeconds;
                return waited > 10 ? $"settled after {waited:0} s" : null;
            }
            if (now - started > TimeSpan.FromMinutes(2)) return $"not settled after 2 min ({(samples.Last().Cpu - firstCpu) / span:P0} of a core)";
            await Task.Delay(250);
        }
    }

    public static long CountLines(string path, string skipFirstIf)
    {
        long n = 0;
        var buffer = new byte[1 << 20];
        using var f = File.OpenRead(path);
        int read, first = 0;
        while ((read = f.Read(buffer)) > 0)
        {
            if (first++ == 0 && buffer.AsSpan(0, read).StartsWith(System.Text.Encoding.ASCII.GetBytes(skipFirstIf + "\n"))) n--;
            n += buffer.AsSpan(0, read).Count((byte)'\n');
        }
        return n;
    }

    public static async Task KillAsync(Process p)
    {
        try
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException) { }
        p.Dispose();
    }

    /// <summary>Words quoted for bash, and for printing the exact command.</summary>
    public static string Shell(IEnumerable<string> words) =>
        string.Join(' ', words.Select(w => w.Length > 0 && w.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@%+".Contains(c)) ? w : $"'{w.Replace("'", "'\\''")}'"));
}
