using System.Security.Authentication;
using BetterDb.Core.Connections;
using BetterDb.Core.Monitoring;

namespace BetterDb.Core.Preflight;

/// <summary>The target server cannot be reached or refused the connection; carries its error text (a 503 over HTTP).</summary>
public sealed class TargetUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Identifies a connection's target for caches: a changed host, port, user or TLS setting is a different target.</summary>
public static class ConnectionKey
{
    public static string For(ConnectionProfile p) => $"{p.Id}|{p.Host}|{p.Port}|{p.Username}|{p.Tls}";
}

/// <summary>
/// One short-lived raw connection for pre-flight queries (named <c>betterdb-preflight</c>), with a
/// timeout per command. Transport failures become <see cref="TargetUnreachableException"/>;
/// server error replies are returned as replies, so callers can tell NOPERM from "unknown command".
/// </summary>
internal sealed class PreflightWire : IAsyncDisposable
{
    public const string ClientName = "betterdb-preflight";

    private readonly RespConnection _conn;
    private readonly TimeSpan _timeout;
    private readonly string _endpoint;

    private PreflightWire(RespConnection conn, TimeSpan timeout, string endpoint)
    {
        _conn = conn;
        _timeout = timeout;
        _endpoint = endpoint;
    }

    public static async Task<PreflightWire> OpenAsync(ConnectionProfile profile, TimeSpan timeout, CancellationToken ct, string clientName = ClientName)
    {
        RespConnection? conn = null;
        try
        {
            conn = await RespConnection.OpenAsync(profile, timeout, ct);
            await conn.HandshakeAsync(profile, clientName, timeout, ct);
            return new PreflightWire(conn, timeout, profile.Endpoint);
        }
        catch (Exception ex) when (IsTransport(ex) || ex is RedisServerException)
        {
            if (conn is not null) await conn.DisposeAsync();
            throw new TargetUnreachableException($"{profile.Endpoint}: {ex.Message}", ex);
        }
        catch
        {
            if (conn is not null) await conn.DisposeAsync();
            throw;
        }
    }

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

    public ValueTask DisposeAsync() => _conn.DisposeAsync();
}
