using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BetterDb.Tests.Preflight;

/// <summary>
/// A tiny RESP server on loopback that answers each command from a script: for replies that no real
/// redis-server sends (proxies and managed services answering <c>COMMAND INFO</c> or <c>MONITOR</c> their
/// own way). Everything not scripted gets the answer of a stock Redis 7 with the default user, enough for
/// a whole pre-flight (CLIENT SETNAME, ACL, CONFIG GET, INFO). Not a Redis: never use it where a real
/// server can answer.
/// </summary>
internal sealed class ScriptedRespServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _clients = [];
    private readonly Func<string[], string?> _script;
    private readonly Task _accepting;
    private long _commands;

    /// <param name="script">the raw RESP reply to a command (its arguments, the name upper-cased), or null for the stock answer.</param>
    public ScriptedRespServer(Func<string[], string?> script)
    {
        _script = script;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Every command received, in order, across connections.</summary>
    public ConcurrentQueue<string[]> Received { get; } = new();

    public int Count(string command) => Received.Count(c => c[0] == command);

    /// <summary>RESP text helpers for scripts.</summary>
    public static string Error(string text) => $"-{text}\r\n";
    public static string Simple(string text) => $"+{text}\r\n";
    public static string Bulk(string? text) => text is null ? "$-1\r\n" : $"${Encoding.UTF8.GetByteCount(text)}\r\n{text}\r\n";
    public static string Array(params string[] items) => $"*{items.Length}\r\n{string.Concat(items)}";

    public const string EmptyArray = "*0\r\n";
    public const string NilArray = "*-1\r\n";

    /// <summary>What Redis 7.0 answers to COMMAND INFO MONITOR (abridged: name, arity, flags, key positions).</summary>
    public static readonly string MonitorCommandInfo =
        Array(Array(Bulk("monitor"), ":1\r\n", Array(Simple("admin"), Simple("noscript"), Simple("loading"), Simple("stale")), ":0\r\n", ":0\r\n", ":0\r\n"));

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _clients.Add(client);
                _ = ServeAsync(client);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8, false, 4096, leaveOpen: true);
            while (!_stop.IsCancellationRequested)
            {
                var args = await ReadCommandAsync(reader);
                if (args is null) return;
                Received.Enqueue(args);
                var reply = _script(args) ?? Stock(args);
                await stream.WriteAsync(Encoding.UTF8.GetBytes(reply), _stop.Token);
            }
        }
        catch (Exception)
        {
            // The client went away (a probe closes right after MONITOR's first reply): nothing to do.
        }
        finally
        {
            client.Dispose();
        }
    }

    private static async Task<string[]?> ReadCommandAsync(StreamReader reader)
    {
        var header = await reader.ReadLineAsync();
        if (header is null) return null;
        if (!header.StartsWith('*')) return header.Split(' ', StringSplitOptions.RemoveEmptyEntries); // inline command
        var n = int.Parse(header[1..]);
        var args = new string[n];
        for (var i = 0; i < n; i++)
        {
            await reader.ReadLineAsync(); // $<length>
            args[i] = await reader.ReadLineAsync() ?? "";
        }
        if (n > 0) args[0] = args[0].ToUpperInvariant();
        return args;
    }

    private string Stock(string[] args)
    {
        var n = Interlocked.Increment(ref _commands);
        var sub = args.Length > 1 ? args[1].ToUpperInvariant() : "";
        return (args[0], sub) switch
        {
            ("AUTH", _) or ("CLIENT", _) => Simple("OK"),
            ("PING", _) => Simple("PONG"),
            ("COMMAND", "INFO") => MonitorCommandInfo,
            ("ACL", "WHOAMI") => Bulk("default"),
            ("ACL", "GETUSER") => Array(Bulk("flags"), Array(Bulk("on"), Bulk("nopass")), Bulk("passwords"), EmptyArray,
                Bulk("commands"), Bulk("+@all"), Bulk("keys"), Bulk("~*"), Bulk("channels"), Bulk("&*"), Bulk("selectors"), EmptyArray),
            ("CONFIG", "GET") => Array(Bulk(args[2]), Bulk(args[2] switch
            {
                "client-output-buffer-limit" => "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
                "appendonly" => "no",
                _ => "0",
            })),
            ("INFO", _) => Bulk(
                "# Server\r\nredis_version:7.0.15\r\nuptime_in_seconds:1000\r\n" +
                $"# Stats\r\ntotal_commands_processed:{100 + n}\r\n" +
                "# Memory\r\nused_memory:1000000\r\nmaxmemory:0\r\ntotal_system_memory:8000000000\r\n" +
                "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:0\r\n"),
            ("MONITOR", _) => Simple("OK"),
            _ => Error($"ERR unknown command '{args[0].ToLowerInvariant()}', with args beginning with: "),
        };
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var c in _clients) c.Dispose();
        try { await _accepting; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
