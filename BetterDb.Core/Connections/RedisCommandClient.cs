using System.Security.Authentication;

namespace BetterDb.Core.Connections;

/// <summary>The target server cannot be reached or refused the connection; carries its error text (a 503 over HTTP).</summary>
public sealed class TargetUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Identifies a connection's target for caches: a changed host, port, user or TLS setting is a different target.</summary>
public static class ConnectionKey
{
    public static string For(ConnectionProfile p) => $"{p.Id}|{p.Host}|{p.Port}|{p.Username}|{p.Tls}|{TlsClientSettings.Fingerprint(p)}";
}

/// <summary>
/// The one client the app uses for commands other than MONITOR: connects (TCP or TLS), authenticates
/// (ACL user or password), names itself <c>betterdb-&lt;purpose&gt;</c> and answers each command within a
/// timeout. Transport failures become <see cref="TargetUnreachableException"/> with the endpoint and the
/// cause; server error replies are returned as replies with the server's exact text, so callers can tell
/// NOPERM from "unknown command". Not thread-safe: one caller at a time.
/// </summary>
public sealed class RedisCommandClient : IAsyncDisposable
{
    private readonly RespConnection _conn;
    private readonly TimeSpan _timeout;
    private readonly string _endpoint;
    private readonly IDisposable _own;

    private RedisCommandClient(RespConnection conn, TimeSpan timeout, string endpoint, IDisposable own)
    {
        _conn = conn;
        _timeout = timeout;
        _endpoint = endpoint;
        _own = own;
    }

    /// <summary>The client name for <paramref name="purpose"/>: <c>betterdb-preflight</c>, <c>betterdb-watchdog</c>, ...</summary>
    public static string ClientName(string purpose) => $"betterdb-{purpose}";

    /// <summary>Our side of the TCP connection as the server lists it in <c>CLIENT LIST</c> (<c>addr=</c>).</summary>
    public System.Net.EndPoint? LocalEndPoint => _conn.LocalEndPoint;

    /// <summary>Opens, authenticates and names the client; <paramref name="timeout"/> bounds the open and every command.</summary>
    /// <param name="connected">told our side of the connection before the first command is sent (so a capture can leave our lines out).</param>
    public static async Task<RedisCommandClient> OpenAsync(ConnectionProfile profile, string purpose, TimeSpan timeout, CancellationToken ct = default,
        Action<System.Net.EndPoint?>? connected = null)
    {
        RespConnection? conn = null;
        IDisposable? own = null;
        try
        {
            conn = await RespConnection.OpenAsync(profile, timeout, ct);
            // Registered before the first command, so a capture of this server leaves even the handshake out.
            own = OwnClients.Register(OwnClients.ServerKey(profile), conn.LocalEndPoint);
            connected?.Invoke(conn.LocalEndPoint);
            await conn.HandshakeAsync(profile, ClientName(purpose), timeout, ct);
            return new RedisCommandClient(conn, timeout, profile.Endpoint, own);
        }
        catch (Exception ex) when (IsTransport(ex) || ex is RedisServerException)
        {
            own?.Dispose();
            if (conn is not null) await conn.DisposeAsync();
            throw new TargetUnreachableException($"{profile.Endpoint}: {ex.Message}", ex);
        }
        catch
        {
            own?.Dispose();
            if (conn is not null) await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends one command and returns its reply (an error reply included) within the timeout.</summary>
    public async Task<RespReply> SendAsync(CancellationToken ct, params string[] args)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_timeout);
        try
        {
            return await _conn.CommandAsync(cts.Token, args);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TargetUnreachableException($"{_endpoint}: no answer to {args[0]} within {_timeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (IsTransport(ex))
        {
            throw new TargetUnreachableException($"{_endpoint}: {ex.Message}", ex);
        }
    }

    /// <summary>INFO as fields; null with the server's error text when INFO is refused (e.g. NOPERM).</summary>
    public async Task<(Dictionary<string, string>? Fields, string? Error)> InfoAsync(CancellationToken ct, string? section = null)
    {
        var reply = section is null ? await SendAsync(ct, "INFO") : await SendAsync(ct, "INFO", section);
        if (reply.IsError) return (null, reply.Text);
        return (InfoParser.Parse(reply.Text ?? ""), null);
    }

    public static bool IsTransport(Exception ex) => ex is IOException or TimeoutException or AuthenticationException or System.Net.Sockets.SocketException;

    public async ValueTask DisposeAsync()
    {
        await _conn.DisposeAsync();
        _own.Dispose();
    }
}
