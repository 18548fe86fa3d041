using StackExchange.Redis;

namespace BetterDb.Testing;

/// <summary>Looks at a test redis-server from the outside (admin commands never show in MONITOR).</summary>
public static class RedisProbe
{
    /// <summary>How many clients named <c>betterdb-monitor</c> are in MONITOR mode now.</summary>
    public static async Task<int> MonitorClientsAsync(IConnectionMultiplexer client)
    {
        var list = (string?)await client.GetDatabase().ExecuteAsync("CLIENT", "LIST") ?? "";
        return list.Split('\n').Count(l => l.Contains(" name=betterdb-monitor ") && l.Contains(" cmd=monitor "));
    }

    /// <summary>Waits until at least <paramref name="count"/> captures have MONITOR on, so traffic sent next is seen.</summary>
    public static Task WaitForMonitorAsync(IConnectionMultiplexer client, int count = 1, TimeSpan? timeout = null) =>
        Poll.UntilAsync(() => MonitorClientsAsync(client), n => n >= count, $"{count} MONITOR client(s) named betterdb-monitor", timeout);

    /// <summary>Waits until no capture holds MONITOR any more (the previous test's capture is gone).</summary>
    public static Task WaitForNoMonitorAsync(IConnectionMultiplexer client, TimeSpan? timeout = null) =>
        Poll.UntilAsync(() => MonitorClientsAsync(client), n => n == 0, "no MONITOR client left", timeout);
}

/// <summary>A plain RESP client (the app's own <see cref="BetterDb.Core.Connections.RespConnection"/>) whose address is known, so its MONITOR lines can be picked out exactly.</summary>
public sealed class RawRedisClient : IAsyncDisposable
{
    private readonly BetterDb.Core.Connections.RespConnection _connection;

    private RawRedisClient(BetterDb.Core.Connections.RespConnection connection, string address)
    {
        _connection = connection;
        Address = address;
    }

    /// <summary>The client's address as the server (and MONITOR) shows it, e.g. <c>127.0.0.1:45678</c>.</summary>
    public string Address { get; }

    public static async Task<RawRedisClient> ConnectAsync(RedisServer server, IConnectionMultiplexer admin)
    {
        var name = "raw-" + Guid.NewGuid().ToString("N")[..10];
        var profile = new BetterDb.Core.Connections.ConnectionProfile { Id = name, Name = name, Host = "127.0.0.1", Port = server.Port };
        var connection = await BetterDb.Core.Connections.RespConnection.OpenAsync(profile, TimeSpan.FromSeconds(5));
        await connection.HandshakeAsync(profile, name, TimeSpan.FromSeconds(5));
        var list = (string?)await admin.GetDatabase().ExecuteAsync("CLIENT", "LIST") ?? "";
        var entry = list.Split('\n').Single(l => l.Contains($" name={name} "));
        var address = entry.Split(' ').Single(f => f.StartsWith("addr=", StringComparison.Ordinal))["addr=".Length..];
        return new RawRedisClient(connection, address);
    }

    /// <summary>Sends all commands in one write (a pipeline) and reads every reply; error replies are returned, not thrown.</summary>
    public async Task<List<BetterDb.Core.Connections.RespReply>> PipelineAsync(IEnumerable<string[]> commands)
    {
        var n = 0;
        foreach (var c in commands)
        {
            _connection.Write(c);
            n++;
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _connection.FlushAsync(cts.Token);
        var replies = new List<BetterDb.Core.Connections.RespReply>(n);
        for (var i = 0; i < n; i++) replies.Add(await _connection.ReadReplyAsync(cts.Token));
        return replies;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
