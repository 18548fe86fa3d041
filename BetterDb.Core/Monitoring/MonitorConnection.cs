using System.Diagnostics;
using System.Net;
using BetterDb.Core.Connections;

namespace BetterDb.Core.Monitoring;

/// <summary>
/// The MONITOR connection of one capture, named <c>betterdb-monitor</c>: opened and read with blocking
/// calls only, on the capture's own thread (see <see cref="BlockingRespConnection"/> for why).
/// </summary>
public sealed class MonitorConnection : IDisposable
{
    public const string ClientName = "betterdb-monitor";

    private readonly BlockingRespConnection _connection;
    private readonly byte[] _pastMonitorReply;

    private MonitorConnection(BlockingRespConnection connection, byte[] pastMonitorReply, long? clientId)
    {
        _connection = connection;
        _pastMonitorReply = pastMonitorReply;
        ClientId = clientId;
    }

    /// <summary>Our client id on the server (<c>CLIENT ID</c>); null when the user may not ask.</summary>
    public long? ClientId { get; }

    /// <summary>Our side of the connection, as the server lists it (<c>addr=</c> in <c>CLIENT LIST</c>).</summary>
    public EndPoint? LocalEndPoint => _connection.LocalEndPoint;

    /// <summary>
    /// Connects, authenticates, names the client and enters MONITOR, all within <paramref name="timeout"/>.
    /// Blocks the calling thread. Throws as <see cref="BlockingRespConnection.Open"/> does, and
    /// <see cref="RedisServerException"/> with the server's words when MONITOR is refused.
    /// </summary>
    public static MonitorConnection Open(ConnectionProfile profile, TimeSpan timeout, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        // Not among our own clients: a capture never sees its own MONITOR connection's commands.
        var connection = BlockingRespConnection.Open(profile, ClientName, timeout, ct, own: false);
        using var registration = ct.Register(connection.Abort);
        try
        {
            var replies = connection.Pipeline(timeout - Stopwatch.GetElapsedTime(started), ["CLIENT", "ID"], ["MONITOR"]);
            var monitor = replies[1];
            RespConnection.ThrowIfError(monitor);
            if (monitor.Text != "OK") throw new IOException($"unexpected reply to MONITOR: {monitor}");
            // Lines may follow MONITOR's +OK in the same read.
            return new MonitorConnection(connection, connection.TakeOver(), replies[0].Type == ':' ? replies[0].Integer : null);
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is not OperationCanceledException)
        {
            connection.Dispose();
            throw new OperationCanceledException(ct);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads MONITOR lines into <paramref name="sink"/> until <paramref name="ct"/> is cancelled, the sink
    /// stops or the connection fails (see <see cref="MonitorRespReader.Read"/>). Blocks the calling thread.
    /// </summary>
    public MonitorReadEnd Read(IMonitorLineSink sink, CancellationToken ct)
    {
        using var registration = ct.Register(_connection.Abort);
        return MonitorRespReader.Read(_connection.Stream, _pastMonitorReply, sink, ct, _connection.HasUnreadBytes);
    }

    public void Dispose() => _connection.Dispose();
}
