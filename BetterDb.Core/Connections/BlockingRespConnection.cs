using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace BetterDb.Core.Connections;

/// <summary>
/// A RESP connection used with blocking calls only, from a thread of its own: the MONITOR connection of
/// a capture and the capture's watchdog. Connects (TCP, then TLS), authenticates and names itself, and
/// sends commands with a timeout per command; the server's error replies come back as replies.
/// </summary>
/// <remarks>
/// Blocking from the first byte on purpose: .NET on Linux switches a socket that has been used
/// asynchronously even once (an async connect or handshake), or set non-blocking, to non-blocking mode
/// for good, and then emulates each blocking read through its epoll thread and thread pool. A capture
/// reads hundreds of times a second and its watchdog a dozen; each wake of the thread pool made its
/// workers spin, which cost more CPU than the capture's own work. Here every call is a plain system
/// call, bounded by socket timeouts (Linux bounds a blocking connect by the send timeout, too).
/// </remarks>
public sealed class BlockingRespConnection : IDisposable
{
    private const string ClosedByServer = "connection closed by the server";

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly TlsClientSettings? _tls;
    private readonly string _endpoint;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start, _end;
    private bool _answered;
    private IDisposable? _own;

    private BlockingRespConnection(Socket socket, Stream stream, TlsClientSettings? tls, string endpoint)
    {
        _socket = socket;
        _stream = stream;
        _tls = tls;
        _endpoint = endpoint;
        LocalEndPoint = socket.LocalEndPoint;
    }

    /// <summary>Our side of the connection (the server lists it as <c>addr=</c>).</summary>
    public EndPoint? LocalEndPoint { get; }

    /// <summary>The stream, for a reader that takes over after the last reply (MONITOR).</summary>
    public Stream Stream => _stream;

    /// <summary>
    /// Connects and authenticates (AUTH with the ACL user, CLIENT SETNAME <paramref name="clientName"/>)
    /// within <paramref name="timeout"/>. Cancelling <paramref name="ct"/> shuts the socket down under a blocked call.
    /// </summary>
    /// <param name="connected">told our side of the connection before the first command is sent.</param>
    /// <exception cref="IOException">the server could not be reached or closed the connection</exception>
    /// <exception cref="TimeoutException">no answer within the timeout</exception>
    /// <exception cref="AuthenticationException">the TLS handshake failed, with what to change</exception>
    /// <exception cref="RedisServerException">the server refused AUTH, with its exact words</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled</exception>
    /// <param name="own">register it among <see cref="OwnClients"/> (every connection but MONITOR's own, whose lines no capture sees).</param>
    public static BlockingRespConnection Open(ConnectionProfile profile, string clientName, TimeSpan timeout, CancellationToken ct,
        Action<EndPoint?>? connected = null, bool own = true)
    {
        var started = Stopwatch.GetTimestamp();
        var socket = Connect(profile, timeout, ct);
        Stream? stream = null;
        var tls = profile.Tls ? TlsClientSettings.For(profile) : null;
        using var registration = ct.Register(() => Shutdown(socket));
        try
        {
            stream = new NetworkStream(socket, ownsSocket: false);
            if (tls is not null) stream = AuthenticateTls(stream, socket, tls, timeout, timeout - Stopwatch.GetElapsedTime(started));
            var connection = new BlockingRespConnection(socket, stream, tls, profile.Endpoint);
            if (own) connection._own = OwnClients.Register(OwnClients.ServerKey(profile), connection.LocalEndPoint);
            connected?.Invoke(connection.LocalEndPoint);
            var hasAuth = !string.IsNullOrEmpty(profile.Password);
            string[][] commands = hasAuth
                ? [string.IsNullOrEmpty(profile.Username) ? ["AUTH", profile.Password!] : ["AUTH", profile.Username!, profile.Password!], ["CLIENT", "SETNAME", clientName]]
                : [["CLIENT", "SETNAME", clientName]];
            var replies = connection.Pipeline(timeout - Stopwatch.GetElapsedTime(started), commands);
            if (hasAuth) RespConnection.ThrowIfError(replies[0]);
            // A user allowed what we need but not CLIENT may still work: the name is a courtesy.
            var named = replies[^1];
            if (named.IsError && !named.Text!.StartsWith("NOPERM", StringComparison.Ordinal)) RespConnection.ThrowIfError(named);
            return connection;
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is not OperationCanceledException)
        {
            stream?.Dispose();
            socket.Dispose();
            tls?.Dispose();
            throw new OperationCanceledException(ct);
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            tls?.Dispose();
            throw;
        }
    }

    /// <summary>Sends the commands in one write and reads one reply each, all within <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">no (complete) answer within the timeout</exception>
    /// <exception cref="IOException">the connection failed or the server closed it</exception>
    public RespReply[] Pipeline(TimeSpan timeout, params string[][] commands)
    {
        var started = Stopwatch.GetTimestamp();
        var output = new ArrayBufferWriter<byte>(256);
        foreach (var c in commands) RespConnection.WriteCommand(output, c);
        try
        {
            SetTimeouts(_socket, timeout);
            _stream.Write(output.WrittenSpan);
            _stream.Flush();
            var replies = new RespReply[commands.Length];
            for (var i = 0; i < replies.Length; i++) replies[i] = ReadReply(timeout, started);
            _answered = true;
            return replies;
        }
        catch (IOException ex) when (IsTimeout(ex))
        {
            throw new TimeoutException($"{_endpoint}: no answer to {string.Join("/", commands.Select(c => c[0]).Distinct())} within {timeout.TotalSeconds:0.###} s");
        }
        catch (IOException ex) when (_tls is not null && !_answered)
        {
            // With TLS 1.3 a server checks a client certificate after the handshake: a drop here usually means that.
            throw _tls.ClosedAfterHandshake(ex.Message == ClosedByServer ? null : ex);
        }
    }

    /// <summary>One command; see <see cref="Pipeline"/>.</summary>
    public RespReply Command(TimeSpan timeout, params string[] args) => Pipeline(timeout, args)[0];

    /// <summary>
    /// Hands the rest of the connection to a reader of its own: returns what was read past the last reply
    /// and lifts the timeouts (a MONITOR stream may be quiet for hours).
    /// </summary>
    public byte[] TakeOver()
    {
        _socket.ReceiveTimeout = _socket.SendTimeout = 0;
        var rest = _buffer[_start.._end];
        _start = _end = 0;
        return rest;
    }

    private RespReply ReadReply(TimeSpan timeout, long started)
    {
        while (true)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(_buffer, _start, _end - _start));
            if (_end > _start && RespConnection.TryParseReply(ref reader, out var reply))
            {
                _start += (int)reader.Consumed;
                if (_start == _end) _start = _end = 0;
                return reply!;
            }
            if (_end == _buffer.Length)
            {
                if (_start == 0) Array.Resize(ref _buffer, _buffer.Length * 2);
                else
                {
                    _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                    _end -= _start;
                    _start = 0;
                }
            }
            SetTimeouts(_socket, timeout - Stopwatch.GetElapsedTime(started));
            var n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0) throw new IOException(ClosedByServer);
            _end += n;
        }
    }

    /// <summary>Whether the kernel holds bytes we have not read yet (one ioctl).</summary>
    public bool HasUnreadBytes()
    {
        try { return _socket.Available > 0; }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { return false; }
    }

    /// <summary>Shuts the socket down so that a call blocked on it returns; safe from any thread.</summary>
    public void Abort() => Shutdown(_socket);

    public void Dispose()
    {
        Shutdown(_socket);
        _stream.Dispose();
        _socket.Dispose();
        _tls?.Dispose();
        _own?.Dispose();
    }

    private static void Shutdown(Socket socket)
    {
        try { socket.Shutdown(SocketShutdown.Both); } catch { /* not connected or already closed */ }
    }

    private static Socket Connect(ConnectionProfile profile, TimeSpan timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
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
        try
        {
            SetTimeouts(socket, remaining);
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

    private static void SetTimeouts(Socket socket, TimeSpan remaining)
    {
        if (remaining <= TimeSpan.Zero) throw new IOException("timed out", new SocketException((int)SocketError.TimedOut));
        socket.ReceiveTimeout = socket.SendTimeout = Math.Max(1, (int)Math.Ceiling(remaining.TotalMilliseconds));
    }

    private static bool IsTimeout(Exception ex) =>
        ex.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock }
        || ex is IOException { InnerException: IOException { InnerException: SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock } } };
}
