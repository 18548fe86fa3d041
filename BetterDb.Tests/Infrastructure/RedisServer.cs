using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BetterDb.Testing;

/// <summary>
/// A real redis-server on a free loopback port, for tests and benchmarks. It runs
/// in the foreground under coreutils' <c>timeout</c>, so it stops by itself even if
/// the test process dies; <see cref="DisposeAsync"/> stops it at once.
/// Shared by BetterDb.Tests, BetterDb.E2E and BetterDb.Bench (linked source).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }
    public string Directory { get; }
    public string Url => $"redis://127.0.0.1:{Port}";
    public bool HasExited => _process.HasExited;

    /// <param name="extraArgs">more redis-server options, e.g. <c>"--maxmemory", "10mb"</c>.</param>
    /// <param name="maxLifetime">the server stops by itself after this long whatever happens.</param>
    public static Task<RedisServer> StartAsync(TimeSpan? maxLifetime = null, params string[] extraArgs) =>
        StartOnAsync(FreePort(), maxLifetime, extraArgs);

    /// <summary>A server on <paramref name="port"/> (one of <see cref="FreePorts"/>, say).</summary>
    public static async Task<RedisServer> StartOnAsync(int port, TimeSpan? maxLifetime = null, params string[] extraArgs)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"betterdb-redis-{port}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(dir);
        var psi = new ProcessStartInfo("timeout")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "--signal=TERM", "--kill-after=5", $"{(int)(maxLifetime ?? TimeSpan.FromMinutes(45)).TotalSeconds}",
                     "redis-server", "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--daemonize", "no", "--dir", dir, "--logfile", Path.Combine(dir, "redis.log"),
                 })
            psi.ArgumentList.Add(a);
        foreach (var a in extraArgs) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start redis-server");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, port, dir);
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>
    /// The options that add a TLS port (beside the plain one) with a certificate a private CA signed; the CA also checks
    /// client certificates when <paramref name="requireClientCertificates"/> (<c>tls-auth-clients yes</c>).
    /// </summary>
    public static string[] TlsArgs(int tlsPort, string caPath, string certificatePath, string keyPath, bool requireClientCertificates) =>
    [
        "--tls-port", tlsPort.ToString(),
        "--tls-cert-file", certificatePath,
        "--tls-key-file", keyPath,
        "--tls-ca-cert-file", caPath,
        "--tls-auth-clients", requireClientCertificates ? "yes" : "no",
    ];

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"redis-server exited at start: {ReadLog()}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[64];
                var n = await stream.ReadAsync(buffer);
                // A server started with --requirepass answers -NOAUTH: it is up all the same.
                if (n > 0 && (buffer[0] == (byte)'+' || buffer.AsSpan(0, n).StartsWith("-NOAUTH"u8))) return;
            }
            catch (SocketException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"redis-server on port {Port} did not answer PING: {ReadLog()}");
    }

    /// <summary>Runs redis-cli against this server and returns its output.</summary>
    public async Task<string> CliAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-p");
        psi.ArgumentList.Add(Port.ToString());
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output + error;
    }

    /// <summary>Kills the server abruptly (as a crash would), without a clean shutdown.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
    }

    public string ReadLog()
    {
        try { return File.ReadAllText(Path.Combine(Directory, "redis.log")); }
        catch (IOException) { return "(no log)"; }
    }

    /// <summary><paramref name="count"/> different free ports, all held at once while they are chosen (so none is handed out twice).</summary>
    public static IReadOnlyList<int> FreePorts(int count, int maxPort = 65535)
    {
        var listeners = new List<TcpListener>();
        try
        {
            var ports = new List<int>();
            while (ports.Count < count)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (port <= maxPort) ports.Add(port);
            }
            return ports;
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        await Task.Yield();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
