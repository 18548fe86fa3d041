using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using BetterDb.Testing;

namespace BetterDb.Bench;

/// <summary>The bench's private redis-server: plain (the shared <see cref="RedisServer"/> fixture) or TLS only.</summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly RedisServer? _plain;
    private readonly Process? _tls;

    private BenchServer(int port, string? caFile, RedisServer? plain, Process? tls)
    {
        Port = port;
        CaFile = caFile;
        _plain = plain;
        _tls = tls;
    }

    public int Port { get; }
    /// <summary>The self-signed certificate the TLS server presents (also its CA); null for a plain server.</summary>
    public string? CaFile { get; }

    /// <summary>How redis-cli and redis-benchmark reach it.</summary>
    public string[] ToolArgs => CaFile is null
        ? ["-h", "127.0.0.1", "-p", Port.ToString()]
        : ["-h", "127.0.0.1", "-p", Port.ToString(), "--tls", "--cacert", CaFile];

    public static async Task<BenchServer> StartAsync(bool tls, string workDir)
    {
        if (!tls)
        {
            var plain = await RedisServer.StartAsync(TimeSpan.FromHours(4));
            return new BenchServer(plain.Port, null, plain, null);
        }
        var cert = Path.Combine(workDir, "tls-cert.pem");
        var key = Path.Combine(workDir, "tls-key.pem");
        await Proc.RunAsync(60, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        var port = RedisServer.FreePort();
        var log = Path.Combine(workDir, "redis-tls.log");
        var process = Process.Start(Proc.Timed(4 * 3600, "redis-server", "--port", "0", "--tls-port", port.ToString(), "--bind", "127.0.0.1",
            "--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", cert, "--tls-auth-clients", "no",
            "--save", "", "--appendonly", "no", "--dir", workDir, "--logfile", log))!;
        var server = new BenchServer(port, cert, null, process);
        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            if (process.HasExited) break;
            try
            {
                await using var probe = await SideClient.OpenAsync(server);
                return server;
            }
            catch (Exception ex) when (ex is IOException or SocketException or System.Security.Authentication.AuthenticationException) { }
        }
        await server.DisposeAsync();
        throw new InvalidOperationException($"the TLS redis-server did not start: {(File.Exists(log) ? File.ReadAllText(log) : "(no log)")}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_plain is not null) await _plain.DisposeAsync();
        if (_tls is not null) await Proc.KillAsync(_tls);
    }
}

/// <summary>
/// A plain RESP connection for the bench's own admin commands (CLIENT LIST every 25 ms). Not
/// RedisCommandClient: the bench must trust its throwaway self-signed TLS server, which the core client
/// cannot be told to. Only admin commands go through it, so it never shows in MONITOR output.
/// </summary>
internal sealed class SideClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    private SideClient(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    public static async Task<SideClient> OpenAsync(BenchServer server)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync("127.0.0.1", server.Port);
            Stream stream = tcp.GetStream();
            if (server.CaFile is not null)
            {
                // Our own loopback server with a certificate made a moment ago: nothing to verify.
                var ssl = new SslStream(stream, false, (_, _, _, _) => true);
                await ssl.AuthenticateAsClientAsync("127.0.0.1");
                stream = ssl;
            }
            var client = new SideClient(tcp, stream);
            await client.CommandAsync("CLIENT", "SETNAME", "bench-sampler");
            return client;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary><c>CLIENT LIST TYPE normal</c>, one client per line.</summary>
    public async Task<IReadOnlyList<ClientInfo>> ClientsAsync() =>
        (await CommandAsync("CLIENT", "LIST", "TYPE", "normal")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ClientInfo.Parse).ToList();

    public async Task<string> CommandAsync(params string[] args)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var request = new StringBuilder($"*{args.Length}\r\n");
        foreach (var a in args) request.Append($"${Encoding.UTF8.GetByteCount(a)}\r\n{a}\r\n");
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token);
        var header = await ReadLineAsync(timeout.Token);
        return header[0] switch
        {
            '+' or ':' => header[1..],
            '$' => await ReadBulkAsync(int.Parse(header[1..]), timeout.Token),
            _ => throw new IOException($"redis answered {header}"),
        };
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        int i;
        while ((i = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n')) < 0) await FillAsync(ct);
        var line = Encoding.UTF8.GetString(_buffer, _start, i).TrimEnd('\r');
        _start += i + 1;
        return line;
    }

    private async Task<string> ReadBulkAsync(int length, CancellationToken ct)
    {
        if (length < 0) return "";
        while (_end - _start < length + 2) await FillAsync(ct);
        var text = Encoding.UTF8.GetString(_buffer, _start, length);
        _start += length + 2;
        return text;
    }

    private async Task FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            (_end, _start) = (_end - _start, 0);
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var n = await _stream.ReadAsync(_buffer.AsMemory(_end), ct);
        if (n == 0) throw new IOException("redis closed the connection");
        _end += n;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}

/// <summary>One line of <c>CLIENT LIST</c>: MONITOR clients have <c>O</c> in their flags.</summary>
internal sealed record ClientInfo(string Name, string Flags, long Omem)
{
    public bool IsMonitor => Flags.Contains('O');

    public static ClientInfo Parse(string line)
    {
        var fields = line.Trim().Split(' ').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
        return new ClientInfo(fields.GetValueOrDefault("name", ""), fields.GetValueOrDefault("flags", ""),
            long.TryParse(fields.GetValueOrDefault("omem"), out var omem) ? omem : 0);
    }
}

/// <summary>Samples the attached MONITOR client's output buffer (<c>omem</c>) every 25 ms until disposed.</summary>
internal sealed class OmemSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak, _last;

    public OmemSampler(SideClient client) => _loop = Task.Run(() => LoopAsync(client));

    public long Peak => Volatile.Read(ref _peak);
    /// <summary>The latest sample: 0 once the server holds nothing more for the monitor.</summary>
    public long Last => Volatile.Read(ref _last);

    private async Task LoopAsync(SideClient client)
    {
        while (!_stop.IsCancellationRequested)
        {
            var omem = (await client.ClientsAsync()).Where(c => c.IsMonitor).Sum(c => c.Omem);
            Volatile.Write(ref _last, omem);
            if (omem > _peak) Volatile.Write(ref _peak, omem);
            try { await Task.Delay(25, _stop.Token); } catch (OperationCanceledException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
