using System.Collections.Concurrent;
using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.History;

/// <summary>
/// Runs an <see cref="InstanceCollector"/> per connection: for every connection when the app starts, for a connection
/// as soon as it is added (<see cref="ConnectionService.Changed"/>), anew when its target changes, and stops it when the
/// connection is deleted (its history stays until retention removes it). Connections added by another app process
/// sharing the database are picked up within <see cref="RescanInterval"/>. Also deletes history older than
/// <c>BetterDb:History:RetentionDays</c>, at start and every <c>PruneIntervalMinutes</c>.
/// </summary>
public sealed class HistoryCollectors : BackgroundService
{
    public static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(30);

    private readonly ConnectionService _connections;
    private readonly HistoryStore _store;
    private readonly HistoryOptions _options;
    private readonly InfoSampleHistory? _health;
    private readonly ILoggerFactory _logs;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, InstanceCollector> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changed = new(0);
    private readonly SemaphoreSlim _reconciling = new(1, 1);
    private DateTime _nextPrune = DateTime.MinValue;

    public HistoryCollectors(ConnectionService connections, HistoryStore store, IOptions<HistoryOptions> options, ILoggerFactory logs,
        InfoSampleHistory? health = null)
    {
        _connections = connections;
        _store = store;
        _options = options.Value;
        _health = health;
        _logs = logs;
        _log = logs.CreateLogger<HistoryCollectors>();
        _connections.Changed += OnConnectionsChanged;
    }

    public bool Enabled => _options.Enabled;

    public HistoryOptions Options => _options;

    private void OnConnectionsChanged()
    {
        if (_changed.CurrentCount == 0) _changed.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        // Let the host finish starting (migrations run in a hosted service's StartingAsync, before this).
        await Task.Yield();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (_options.Enabled) await ReconcileAsync(ct);
                if (DateTime.UtcNow >= _nextPrune)
                {
                    _nextPrune = DateTime.UtcNow.AddMinutes(_options.PruneIntervalMinutes);
                    var cutoff = DateTimeOffset.UtcNow.Add(-_options.RetentionPeriod).ToUnixTimeMilliseconds();
                    var pruned = await _store.PruneAsync(cutoff, ct);
                    if (pruned > 0) _log.LogInformation("History retention: deleted {Rows} rows older than {Days} days", pruned, _options.RetentionDays);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _log.LogWarning("History collectors: {Message}", ex.GetBaseException().Message);
            }
            try { await _changed.WaitAsync(RescanInterval, ct); }
            catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>Starts, restarts and stops collectors so that each connection has exactly one, for its current target.</summary>
    public async Task ReconcileAsync(CancellationToken ct = default)
    {
        await _reconciling.WaitAsync(ct);
        try
        {
            var profiles = await _connections.ListAsync(ct);
            var wanted = profiles.ToDictionary(p => p.Id, StringComparer.Ordinal);
            foreach (var (id, collector) in _running)
            {
                if (wanted.TryGetValue(id, out var p) && ConnectionKey.For(p) == collector.Key) continue;
                if (_running.TryRemove(id, out var old)) await old.DisposeAsync();
            }
            foreach (var p in profiles)
            {
                if (_running.ContainsKey(p.Id)) continue;
                var collector = new InstanceCollector(p, _options, _store, _health, _logs.CreateLogger<InstanceCollector>());
                if (_running.TryAdd(p.Id, collector)) collector.Start();
            }
        }
        finally
        {
            _reconciling.Release();
        }
    }

    /// <summary>The collectors' state for a connection; null when it has none (unknown, or not started yet).</summary>
    public HistoryStatus? Status(string connectionId)
    {
        if (!_options.Enabled) return HistoryStatus.Disabled(connectionId);
        return _running.TryGetValue(connectionId, out var c) ? c.Status() : null;
    }

    /// <summary>The in-memory INFO samples (one per <c>InfoIntervalMs</c>, the last <c>RecentMinutes</c>) of a connection, oldest first.</summary>
    public IReadOnlyList<InfoSample> Recent(string connectionId, long afterTs = 0, long beforeTs = long.MaxValue) =>
        _running.TryGetValue(connectionId, out var c) ? c.Recent.Between(afterTs, beforeTs) : [];

    /// <summary>The latest INFO sample read (in memory), if the collectors run for that connection.</summary>
    public InfoSample? Latest(string connectionId) => _running.TryGetValue(connectionId, out var c) ? c.Recent.Last : null;

    /// <summary>The latest CLIENT LIST read (in memory), if the collectors run for that connection.</summary>
    public ClientSnapshot? LatestClients(string connectionId) => _running.TryGetValue(connectionId, out var c) ? c.LatestClients : null;

    /// <summary>Asks a connection's collectors to poll now (e.g. the logs when a capture ends) and waits for them, up to <paramref name="timeout"/>.</summary>
    public Task<bool> PollNowAsync(string connectionId, TimeSpan timeout, params string[] collectors) =>
        _running.TryGetValue(connectionId, out var c) ? c.PollNowAndWaitAsync(timeout, collectors) : Task.FromResult(false);

    public override async Task StopAsync(CancellationToken ct)
    {
        _connections.Changed -= OnConnectionsChanged;
        await base.StopAsync(ct);
        foreach (var id in _running.Keys.ToList())
            if (_running.TryRemove(id, out var c)) await c.DisposeAsync();
    }
}
