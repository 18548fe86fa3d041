using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using BetterDb.Core.Connections;

namespace BetterDb.Core.Monitoring;

/// <summary>
/// The MONITOR connection of one capture: opened, authenticated, named <c>betterdb-monitor</c> and read
/// with blocking calls only, on the capture's own thread.
/// </summary>
/// <remarks>
/// Blocking from the first byte on purpose: .NET on Linux switches a socket that has been used
/// asynchronously even once (an async connect or handshake), or set non-blocking, to non-blocking mode
/// for good, and then emulates each blocking read through its epoll thread and thread pool, which costs
/// extra wake-ups per read. At ordinary rates a read holds a line or two, so that doubled the capture's
/// CPU. Here every call is a plain blocking one, bounded by socket timeouts until MONITOR is on.
/// </remarks>
public sealed class MonitorConnection : IDisposable
{
    public const string ClientName = "betterdb-monitor";
    private const string ClosedByServer = "connection closed by the server";

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly byte[] _pastMonitorReply;

    private MonitorConnection(Socket socket, Stream stream, byte[] pastMonitorReply, long? clientId)
    {
        _socket = socket;
        _stream = stream;
        _pastMonitorReply = pastMonitorReply;
        ClientId = clientId;
        LocalEndPoint = socket.LocalEndPoint;
    }

    /// <summary>Our client id on the server (<c>CLIENT ID</c>); null when the user may not ask.</summary>
    public long? ClientId { get; }

    /// <summary>Our side of the connection, as the server lists it (<c>addr=</c> in <c>CLIENT LIST</c>).</summary>
    public EndPoint? LocalEndPoint { get; }

    /// <summary>
    /// Connects (TCP, then TLS when the profile says so), authenticates, names the client and enters
    /// MONITOR, all within <paramref name="timeout"/>. Blocks the calling thread.
    /// </summary>
    /// <exception cref="IOException">the server could not be reached or closed the connection</exception>
    /// <exception cref="TimeoutException">no answer within the timeout</exception>
    /// <exception cref="AuthenticationException">the TLS handshake failed, with what to change</exception>
    /// <exception cref="RedisServerException">the server refused AUTH or MONITOR, with its exact words</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled</exception>
    public static MonitorConnection Open(ConnectionProfile profile, TimeSpan timeout, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        TimeSpan Remaining() => timeout - Stopwatch.GetElapsedTime(started);
        var socket = Connect(profile, timeout, ct);
        Stream? stream = null;
        var tls = profile.Tls ? TlsClientSettings.For(profile) : null;
        // From here on a blocked call returns when the caller cancels: the socket is shut down under it.
        using var registration = ct.Register(() => Shutdown(socket));
        try
        {
            stream = new NetworkStream(socket, ownsSocket: false);
            if (tls is not null) stream = AuthenticateTls(stream, socket, tls, timeout, Remaining());
            var (clientId, pastReply) = Handshake(socket, stream, tls, profile, timeout, Remaining);
            socket.ReceiveTimeout = socket.SendTimeout = 0;
            return new MonitorConnection(socket, stream, pastReply, clientId);
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is not OperationCanceledException)
        {
            stream?.Dispose();
            socket.Dispose();
            throw new OperationCanceledException(ct);
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            throw;
        }
        finally
        {
            // The client certificate's key is needed only for the handshake.
            tls?.Dispose();
        }
    }

    /// <summary>
    /// Reads MONITOR lines into <paramref name="sink"/> until <paramref name="ct"/> is cancelled, the sink
    /// stops or the connection fails (see <see cref="MonitorRespReader.Read"/>). Blocks the calling thread.
    /// </summary>
    public MonitorReadEnd Read(IMonitorLineSink sink, CancellationToken ct)
    {
        using var registration = ct.Register(() => Shutdown(_socket));
        return MonitorRespReader.Read(_stream, _pastMonitorReply, sink, ct);
    }

    public void Dispose()
    {
        Shutdown(_socket);
        _stream.Dispose();
        _socket.Dispose();
    }

    private static void Shutdown(Socket socket)
    {
        try { socket.Shutdown(SocketShutdown.Both); } catch { /* not connected or already closed */ }
    }

    private static Socket Connect(ConnectionProfile profile, TimeSpan timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // Linux bounds a blocking connect by the send timeout (SO_SNDTIMEO).
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 1024 * 1024 };
        SetTimeouts(socket, timeout);
        try
        {
            socket.Connect(profile.Host, profile.Port);
            return socket;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.InProgress or SocketError.WouldBlock)
        {
            socket.Dispose();
            throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s connecting to {profile.Endpoint}");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException($"{ex.Message} ({profile.Endpoint})", ex);
        }
    }

    private static SslStream AuthenticateTls(Stream transport, Socket socket, TlsClientSettings settings, TimeSpan timeout, TimeSpan remaining)
    {
        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        SetTimeouts(socket, remaining);
        try
        {
            ssl.AuthenticateAsClient(settings.Options);
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            ssl.Dispose();
            if (settings.Rejection is null && IsTimeout(ex)) throw TlsClientSettings.HandshakeTimedOut(timeout);
            throw settings.HandshakeFailed(ex);
        }
    }

    /// <summary>
    /// AUTH, CLIENT SETNAME, CLIENT ID and MONITOR in one round trip; returns our client id and what the
    /// server sent after MONITOR's +OK (lines may follow it at once).
    /// </summary>
    /// <param name="tls">the TLS settings when the stream is TLS: a server that drops the connection before its
    /// first reply is told apart as what that usually means (TLS 1.3 checks client certificates after the handshake).</param>
    private static (long? ClientId, byte[] PastReply) Handshake(Socket socket, Stream stream, TlsClientSettings? tls, ConnectionProfile profile,
        TimeSpan timeout, Func<TimeSpan> remaining)
    {
        var output = new ArrayBufferWriter<byte>(256);
        var hasAuth = !string.IsNullOrEmpty(profile.Password);
        if (hasAuth)
        {
            if (string.IsNullOrEmpty(profile.Username)) RespConnection.WriteCommand(output, "AUTH", profile.Password!);
            else RespConnection.WriteCommand(output, "AUTH", profile.Username!, profile.Password!);
        }
        RespConnection.WriteCommand(output, "CLIENT", "SETNAME", ClientName);
        RespConnection.WriteCommand(output, "CLIENT", "ID");
        RespConnection.WriteCommand(output, "MONITOR");

        var buffer = new byte[64 * 1024];
        int start = 0, end = 0;
        try
        {
            SetTimeouts(socket, remaining());
            stream.Write(output.WrittenSpan);
            stream.Flush();
            RespReply Next()
            {
                while (true)
                {
                    var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(buffer, start, end - start));
                    if (RespConnection.TryParseReply(ref reader, out var reply))
                    {
                        start += (int)reader.Consumed;
                        return reply!;
                    }
                    if (end == buffer.Length)
                    {
                        if (start == 0) Array.Resize(ref buffer, buffer.Length * 2);
                        else { buffer.AsSpan(start, end - start).CopyTo(buffer); end -= start; start = 0; }
                    }
                    SetTimeouts(socket, remaining());
                    var n = stream.Read(buffer, end, buffer.Length - end);
                    if (n == 0) throw new IOException(ClosedByServer);
                    end += n;
                }
            }

            if (hasAuth) RespConnection.ThrowIfError(Next());
            // A user allowed MONITOR but not CLIENT may still capture: the name and the id are courtesies.
            var named = Next();
            if (named.IsError && !named.Text!.StartsWith("NOPERM", StringComparison.Ordinal)) RespConnection.ThrowIfError(named);
            var id = Next();
            long? clientId = id.Type == ':' ? id.Integer : null;
            var monitor = Next();
            RespConnection.ThrowIfError(monitor);
            if (monitor.Text != "OK") throw new IOException($"unexpected reply to MONITOR: {monitor}");
            return (clientId, buffer[start..end]);
        }
        catch (IOException ex) when (IsTimeout(ex))
        {
            throw new TimeoutException($"no answer to AUTH/CLIENT SETNAME/MONITOR within {timeout.TotalSeconds:0.#} s");
        }
        catch (IOException ex) when (tls is not null && end == 0)
        {
            throw tls.ClosedAfterHandshake(ex.Message == ClosedByServer ? null : ex);
        }
    }

    private static void SetTimeouts(Socket socket, TimeSpan remaining)
    {
        if (remaining <= TimeSpan.Zero) throw new IOException("timed out", new SocketException((int)SocketError.TimedOut));
        socket.ReceiveTimeout = socket.SendTimeout = Math.Max(1, (int)Math.Ceiling(remaining.TotalMilliseconds));
    }

    private static bool IsTimeout(Exception ex) =>
        ex.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock }
        || ex is IOException { InnerException: SocketException { SocketErrorCode: SocketError.TimedOut } };
}
