using System.Diagnostics;
using System.Text;

namespace BetterDb.Testing;

/// <summary>
/// The built app (<c>BetterDb.Blazor.dll</c>) as a child process on a free loopback port,
/// so a test can kill it like a crash would (<see cref="Kill"/>) and start it again on the
/// same data directory. Its console output is kept for failure messages.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }
    public Uri BaseAddress { get; }
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>
    /// The app's dll from the same build as this test assembly: its bin folder sits beside ours,
    /// in the same configuration (<c>BetterDb.Tests/bin/Release/net10.0</c> -> <c>BetterDb.Blazor/bin/Release/net10.0</c>).
    /// <c>BETTERDB_APP_DLL</c> overrides it.
    /// </summary>
    public static string FindAppDll()
    {
        var overridden = Environment.GetEnvironmentVariable("BETTERDB_APP_DLL");
        if (!string.IsNullOrEmpty(overridden))
        {
            if (!File.Exists(overridden)) throw new FileNotFoundException($"BETTERDB_APP_DLL points at {overridden}, which does not exist.");
            return overridden;
        }
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = baseDir.Name;                 // net10.0
        var configuration = baseDir.Parent!.Name;     // Debug | Release
        var path = Path.GetFullPath(Path.Combine(baseDir.FullName, "..", "..", "..", "..",
            "BetterDb.Blazor", "bin", configuration, framework, "BetterDb.Blazor.dll"));
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"The built app is not at {path}. Build the solution first (dotnet build BetterDb.sln -c {configuration}), " +
                "or set BETTERDB_APP_DLL to the BetterDb.Blazor.dll to run.");
        return path;
    }

    /// <summary>Starts the app and waits until <c>/healthz</c> answers 200.</summary>
    /// <param name="environment">more environment variables (configuration), e.g. <c>BetterDb__Auth__AllowAnonymous</c></param>
    /// <param name="listenAddress">the address Kestrel listens on (loopback by default; health is asked on loopback either way)</param>
    public static async Task<AppProcess> StartAsync(string dataDirectory, string? defaultConnection, TimeSpan? startTimeout = null,
        IReadOnlyDictionary<string, string>? environment = null, string listenAddress = "127.0.0.1")
    {
        var dll = FindAppDll();
        var port = RedisServer.FreePort();
        // Under coreutils' timeout, like RedisServer: the app goes away even if the test process dies first.
        var psi = new ProcessStartInfo("timeout")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The content root is the working directory when the app runs from its dll.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var a in new[] { "--signal=TERM", "--kill-after=5", "900", "dotnet", dll }) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add($"http://{listenAddress}:{port}");
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["BetterDb__DataDirectory"] = dataDirectory;
        psi.Environment["BetterDb__DefaultConnection"] = defaultConnection ?? "";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        // The output is only shown when the start fails: say enough to see where it stopped.
        psi.Environment["Logging__LogLevel__Default"] = "Information";
        psi.Environment["Logging__LogLevel__Microsoft.EntityFrameworkCore.Migrations"] = "Information";
        psi.Environment["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ";
        if (PostgresServer.Requested)
        {
            psi.Environment["BetterDb__Storage__Provider"] = "postgres";
            psi.Environment["BetterDb__Storage__ConnectionString"] = PostgresServer.Shared.CreateDatabase(key: dataDirectory);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        var app = new AppProcess(process, port);
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await app.WaitUntilHealthyAsync(startTimeout ?? TimeSpan.FromSeconds(90));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return app;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The app exited at start with code {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await http.GetAsync("/healthz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The app on port {Port} did not answer /healthz within {timeout.TotalSeconds} s " +
                                   $"(started {_process.StartTime:HH:mm:ss.fff}, still running: {!_process.HasExited}):\n{Output}");
    }

    /// <summary>Kills the app at once (SIGKILL), as a crash would: nothing is flushed or finalized.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        await Task.CompletedTask;
    }
}
