using BetterDb.Core.Connections;
using BetterDb.Core.Monitoring;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Capture;

/// <summary>
/// One running capture: opens the MONITOR connection, pumps it into the writer,
/// and decides how it ended. The first reason to stop wins, except a storage
/// failure, which always ends the session failed.
/// </summary>
internal sealed class CaptureRun
{
    public static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(10);

    private readonly ConnectionProfile _profile;
    private readonly CaptureWriter _writer;
    private readonly TimeSpan _duration;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly WatchdogLimits? _watchdogLimits;
    private readonly TimeSpan _watchdogInterval;
    private readonly bool _excludeOwnTraffic;
    private CaptureEnd? _requestedEnd;
    private CaptureWatchdog? _watchdog;

    /// <param name="watchdogLimits">null: no watchdog.</param>
    /// <param name="excludeOwnTraffic">leave the lines of the app's own connections to this server out.</param>
    public CaptureRun(string sessionId, string connectionId, ConnectionProfile profile, CaptureWriter writer, LiveTail tail, TimeSpan duration,
        WatchdogLimits? watchdogLimits, TimeSpan watchdogInterval, bool excludeOwnTraffic, ILogger log)
    {
        _excludeOwnTraffic = excludeOwnTraffic;
        _watchdogLimits = watchdogLimits;
        _watchdogInterval = watchdogInterval;
        SessionId = sessionId;
        ConnectionId = connectionId;
        _profile = profile;
        _writer = writer;
        Tail = tail;
        _duration = duration;
        _log = log;
    }

    public string SessionId { get; }
    public string ConnectionId { get; }
    public LiveTail Tail { get; }
    public CaptureWriter Writer => _writer;

    /// <summary>The watchdog's last reading while the capture runs.</summary>
    public WatchdogSignals? Watchdog => Volatile.Read(ref _watchdog)?.Latest;

    /// <summary>Asks the capture to end with <paramref name="end"/> unless it already has a reason.</summary>
    public void RequestStop(CaptureEnd end)
    {
        Interlocked.CompareExchange(ref _requestedEnd, end, null);
        try { _stop.Cancel(); } catch (ObjectDisposedException) { /* already over */ }
    }

    /// <summary>Runs to the end and returns why it ended. Never throws.</summary>
    public async Task<CaptureEnd> RunAsync()
    {
        CaptureEnd end;
        try
        {
            end = await CaptureAsync();
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Capture {SessionId} failed unexpectedly", SessionId);
            end = CaptureEnd.SourceError(ex.Message);
        }
        if (Interlocked.Exchange(ref _watchdog, null) is { } watchdog) await watchdog.DisposeAsync();
        await _writer.CompleteAsync();
        if (_writer.StoreError is { } storeError)
        {
            _log.LogError(storeError, "Capture {SessionId}: storing a chunk failed", SessionId);
            end = CaptureEnd.StorageError(storeError.GetBaseException().Message);
        }
        return end;
    }

    /// <summary>The whole capture (open, MONITOR, read) runs on a thread of its own with blocking calls: see <see cref="MonitorConnection"/>.</summary>
    private Task<CaptureEnd> CaptureAsync()
    {
        var done = new TaskCompletionSource<CaptureEnd>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try { done.TrySetResult(Capture()); }
            catch (Exception ex) { done.TrySetException(ex); }
        })
        {
            IsBackground = true,
            Name = MonitorConnection.ClientName,
        };
        thread.Start();
        return done.Task;
    }

    private CaptureEnd Capture()
    {
        MonitorConnection connection;
        try
        {
            connection = MonitorConnection.Open(_profile, OpenTimeout, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            return _requestedEnd ?? CaptureEnd.ManualStop;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or AuthenticationException or RedisServerException)
        {
            return CaptureEnd.MonitorOpenFailed(ex.Message);
        }

        // The app's own connections to this server (now and as they come and go) are not what the server is asked to do.
        using var own = _excludeOwnTraffic ? OwnClients.Watch(OwnClients.ServerKey(_profile), _writer.ExcludeClient, _writer.IncludeClient) : null;
        using (connection)
        {
            _log.LogInformation("Capture {SessionId} on {Endpoint} started", SessionId, _profile.Endpoint);
            // The duration counts from the moment MONITOR is on.
            _stop.CancelAfter(_duration);
            if (_watchdogLimits is not null)
                Volatile.Write(ref _watchdog, CaptureWatchdog.Start(_profile, connection.ClientId, OwnClients.Format(connection.LocalEndPoint),
                    _watchdogLimits, _watchdogInterval, RequestStop, _excludeOwnTraffic ? _writer.ExcludeClient : _ => { }, _log));
            // A cap stops the reader from inside; a storage failure has to interrupt it from outside.
            _ = _writer.StopRequested.ContinueWith(_ =>
                {
                    if (_writer.StoreError is not null) RequestStop(CaptureEnd.StorageError(_writer.StoreError.Message));
                },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            try
            {
                var result = connection.Read(_writer, _stop.Token);
                return result switch
                {
                    MonitorReadEnd.SinkStopped => _writer.CapReached ?? CaptureEnd.ByteCap,
                    _ => _requestedEnd ?? CaptureEnd.DurationCap,
                };
            }
            catch (Exception ex) when (ex is IOException or RedisServerException or SocketException)
            {
                if (_stop.IsCancellationRequested) return _requestedEnd ?? CaptureEnd.DurationCap;
                _log.LogWarning("Capture {SessionId}: source error: {Message}", SessionId, ex.Message);
                return CaptureEnd.SourceError(ex.GetBaseException().Message);
            }
        }
    }
}
