using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;

namespace BetterDb.Core.Connections;

/// <summary>An error reply from the server, with its exact text (e.g. "NOPERM ...").</summary>
public sealed class RedisServerException(string message) : Exception(message);

/// <summary>
/// A reply: simple string (+), error (-), integer (:), bulk ($) or array (*). RESP3 replies are read as their RESP2
/// counterparts: a map as a flat key/value array, a set or push as an array, null as a nil bulk, a boolean as
/// 1 or 0, a double or big number as a simple string, a verbatim string as a bulk, a blob error as an error.
/// </summary>
public sealed record RespReply(char Type, string? Text, long Integer = 0, RespReply[]? Items = null)
{
    public bool IsError => Type == '-';
    public bool IsNull => Text is null && Items is null && Type is '$' or '*';
    public override string ToString() => Text ?? (Items is null ? Integer.ToString() : $"[{Items.Length} items]");
}

/// <summary>
/// A dedicated raw RESP2 connection. StackExchange.Redis multiplexes commands and
/// cannot enter MONITOR mode, and it wraps server errors; this connection gives the
/// server's exact words. (The MONITOR connection is the blocking MonitorConnection: see there why.)
/// </summary>
public sealed class RespConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;

    private RespConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024));
    }

    public PipeReader Input { get; }

    /// <summary>Our side of the connection, as the server shows it in <c>CLIENT LIST</c>.</summary>
    public System.Net.EndPoint? LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>Connects (TCP, then TLS when the profile says so) within <paramref name="timeout"/>.</summary>
    public static async Task<RespConnection> OpenAsync(ConnectionProfile profile, TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 1024 * 1024 };
        try
        {
            await socket.ConnectAsync(profile.Host, profile.Port, cts.Token);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (profile.Tls)
                stream = await TlsClientSettings.AuthenticateAsync(stream, profile, timeout, cts.Token, ct);
            return new RespConnection(socket, stream);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s connecting to {profile.Endpoint}");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException($"{ex.Message} ({profile.Endpoint})", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>AUTH (with the ACL user when there is one) and CLIENT SETNAME, pipelined.</summary>
    public async Task HandshakeAsync(ConnectionProfile profile, string clientName, TimeSpan timeout, CancellationToken ct = default)
    {
        var hasAuth = !string.IsNullOrEmpty(profile.Password);
        if (hasAuth)
        {
            if (string.IsNullOrEmpty(profile.Username)) Write("AUTH", profile.Password!);
            else Write("AUTH", profile.Username!, profile.Password!);
        }
        Write("CLIENT", "SETNAME", clientName);
        await FlushAsync(ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            if (hasAuth) ThrowIfError(await ReadReplyAsync(cts.Token));
            // A user allowed MONITOR but not CLIENT may still capture: the name is a courtesy.
            var named = await ReadReplyAsync(cts.Token);
            if (named.IsError && !named.Text!.StartsWith("NOPERM", StringComparison.Ordinal)) ThrowIfError(named);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer to AUTH/CLIENT SETNAME within {timeout.TotalSeconds:0.#} s");
        }
    }

    public async Task<RespReply> CommandAsync(CancellationToken ct, params string[] args)
    {
        Write(args);
        await FlushAsync(ct);
        return await ReadReplyAsync(ct);
    }

    public static void ThrowIfError(RespReply reply)
    {
        if (reply.IsError) throw new RedisServerException(reply.Text!);
    }

    private readonly ArrayBufferWriter<byte> _out = new(256);

    /// <summary>Buffers one command as a RESP array of bulk strings.</summary>
    public void Write(params string[] args) => WriteCommand(_out, args);

    /// <summary>Writes one command to <paramref name="output"/> as a RESP array of bulk strings.</summary>
    public static void WriteCommand(IBufferWriter<byte> output, params string[] args)
    {
        RespWriter.ArrayHeader(output, args.Length);
        foreach (var a in args) RespWriter.Bulk(output, Encoding.UTF8.GetBytes(a));
    }

    /// <summary>
    /// Writes bytes that already are RESP commands (a replay's pipelined batch) straight to the socket, bypassing the
    /// command buffer. One writer at a time; replies are read from <see cref="Input"/> meanwhile.
    /// </summary>
    public async ValueTask WriteRawAsync(ReadOnlyMemory<byte> commands, CancellationToken ct)
    {
        await _stream.WriteAsync(commands, ct);
        await _stream.FlushAsync(ct);
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        await _stream.WriteAsync(_out.WrittenMemory, ct);
        await _stream.FlushAsync(ct);
        _out.ResetWrittenCount();
    }

    public async Task<RespReply> ReadReplyAsync(CancellationToken ct)
    {
        while (true)
        {
            var result = await Input.ReadAsync(ct);
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            if (TryParseReply(ref reader, out var reply))
            {
                Input.AdvanceTo(reader.Position);
                return reply!;
            }
            Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted) throw new IOException("connection closed by the server");
        }
    }

    /// <summary>Parses one whole reply at the reader's position; false (reader position undefined) when more bytes are needed.</summary>
    public static bool TryParseReply(ref SequenceReader<byte> reader, out RespReply? reply)
    {
        reply = null;
        if (!reader.TryRead(out var type)) return false;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> lineSeq, "\r\n"u8)) return false;
        var line = Encoding.UTF8.GetString(lineSeq);
        switch ((char)type)
        {
            case '+':
            case '-':
                reply = new RespReply((char)type, line);
                return true;
            case ':':
                reply = new RespReply(':', null, long.Parse(line, System.Globalization.CultureInfo.InvariantCulture));
                return true;
            case '$':
            {
                var len = int.Parse(line, System.Globalization.CultureInfo.InvariantCulture);
                if (len < 0) { reply = new RespReply('$', null); return true; }
                if (reader.Remaining < len + 2) return false;
                var body = reader.UnreadSequence.Slice(0, len);
                reply = new RespReply('$', Encoding.UTF8.GetString(body));
                reader.Advance(len + 2);
                return true;
            }
            case '*':
            case '~': // RESP3 set
            case '>': // RESP3 push
            case '%': // RESP3 map: key, value, key, value... read as the flat array RESP2 servers send
            {
                var n = int.Parse(line, System.Globalization.CultureInfo.InvariantCulture);
                if (n < 0) { reply = new RespReply('*', null); return true; }
                if (type == '%') n *= 2;
                var items = new RespReply[n];
                for (var i = 0; i < n; i++)
                    if (!TryParseReply(ref reader, out items[i]!)) return false;
                reply = new RespReply('*', null, n, items);
                return true;
            }
            // RESP3 scalars, read as their RESP2 counterparts so callers need not care which protocol the server speaks.
            case '_':
                reply = new RespReply('$', null);
                return true;
            case '#':
                reply = new RespReply(':', null, line == "t" ? 1 : 0);
                return true;
            case ',':
            case '(':
                reply = new RespReply('+', line);
                return true;
            case '=':
            case '!':
            {
                var len = int.Parse(line, System.Globalization.CultureInfo.InvariantCulture);
                if (reader.Remaining < len + 2) return false;
                var text = Encoding.UTF8.GetString(reader.UnreadSequence.Slice(0, len));
                reader.Advance(len + 2);
                // A verbatim string starts with its format ("txt:"); a blob error is an error with its text.
                reply = type == '=' ? new RespReply('$', text.Length >= 4 && text[3] == ':' ? text[4..] : text) : new RespReply('-', text);
                return true;
            }
            case '|': // RESP3 attribute: metadata before the reply it describes; skipped
            {
                var n = int.Parse(line, System.Globalization.CultureInfo.InvariantCulture) * 2;
                for (var i = 0; i < n; i++)
                    if (!TryParseReply(ref reader, out _)) return false;
                return TryParseReply(ref reader, out reply);
            }
            default:
                throw new IOException($"unexpected RESP reply type '{(char)type}'");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { await Input.CompleteAsync(); } catch { /* closing anyway */ }
        try { _socket.Shutdown(SocketShutdown.Both); } catch { /* already closed */ }
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
