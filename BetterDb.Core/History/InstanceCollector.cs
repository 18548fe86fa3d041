using System.Globalization;
using System.Text;
using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;
using BetterDb.Core.Storage;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.History;

/// <summary>A command the server refused (NOPERM, unknown command...): that collector backs off, the others go on.</summary>
internal sealed class CollectorRefusedException(string message) : Exception(message);

/// <summary>
/// The history collectors of one connection: INFO, SLOWLOG, COMMANDLOG (Valkey 8.1+), CLIENT LIST and ACL LOG, each on its
/// own cadence, all over one connection of their own (<c>betterdb-history</c>, registered with <see cref="OwnClients"/>
/// so captures leave its commands out). One loop on the thread pool sends one command at a time: a little over one
/// command a second at the default cadences. A server that cannot be reached is retried after 1 s, then twice as long
/// each time up to <see cref="HistoryOptions.MaxBackoffMs"/>, and the error is shown in <see cref="Status"/>; a command
/// the server refuses backs off only its own collector. Nothing here is awaited by a capture or a page.
/// </summary>
internal sealed class InstanceCollector : IAsyncDisposable
{
    private readonly ConnectionProfile _profile;
    private readonly HistoryOptions _o;
    private readonly HistoryStore _store;
    private readonly InfoSampleHistory? _health;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Slot[] _slots;
    private readonly object _gate = new();
    private Task _loop = Task.CompletedTask;

    // Connection state, under _gate.
    private bool _connected;
    private string? _error;
    private DateTime? _errorSince;
    private DateTime? _nextAttempt;
    private int _failures;
    private readonly DateTime _startedAt = DateTime.UtcNow;
    private long _commands;

    // Per server connection: its run (ids of logs restart with it) and whether COMMANDLOG exists.
    private string _runId = "";
    private bool? _hasCommandlog;

    private InfoSample? _lastStored;
    private long _lastStoredSlot = long.MinValue;
    private bool _loadedLastStored;
    private readonly Dictionary<string, LogPosition?> _positions = new(StringComparer.Ordinal);
    private (long Id, long Ts, byte[] Raw)? _keyframe;
    private bool _loadedKeyframe;

    public InstanceCollector(ConnectionProfile profile, HistoryOptions options, HistoryStore store, InfoSampleHistory? health, ILogger log)
    {
        _profile = profile;
        _o = options;
        _store = store;
        _health = health;
        _log = log;
        Key = ConnectionKey.For(profile);
        Recent = new RecentInfo(TimeSpan.FromMinutes(options.RecentMinutes));
        _slots =
        [
            new Slot(CollectorNames.Info, options.InfoIntervalMs, PollInfoAsync),
            new Slot(CollectorNames.Slowlog, options.SlowlogIntervalMs, PollSlowlogAsync),
            new Slot(CollectorNames.Commandlog, options.CommandlogIntervalMs, PollCommandlogAsync),
            new Slot(CollectorNames.Clients, options.ClientListIntervalMs, PollClientsAsync),
            new Slot(CollectorNames.AclLog, options.AclLogIntervalMs, PollAclLogAsync),
        ];
    }

    public string ConnectionId => _profile.Id;

    /// <summary>The connection's target as caches know it: a change of host, port, user or TLS means a new collector.</summary>
    public string Key { get; }

    public RecentInfo Recent { get; }

    /// <summary>The last CLIENT LIST read (in memory): the stored series keeps one per <c>ClientListIntervalMs</c> slot, so a poll
    /// asked for within a slot is shown from here rather than lost to the page.</summary>
    public ClientSnapshot? LatestClients { get; private set; }

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Polls the named collectors (all when none are named) now rather than at their next turn.</summary>
    public void PollNow(params string[] names)
    {
        var now = DateTime.UtcNow;
        lock (_gate)
        {
            foreach (var s in _slots)
                if ((names.Length == 0 || names.Contains(s.Name)) && s.State != "unsupported") s.NextDue = now;
        }
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    /// <summary>Completes once every named collector has polled (successfully or not) after this call, or on timeout.</summary>
    public async Task<bool> PollNowAndWaitAsync(TimeSpan timeout, params string[] names)
    {
        long[] before;
        Slot[] slots;
        lock (_gate)
        {
            slots = _slots.Where(s => (names.Length == 0 || names.Contains(s.Name)) && s.State != "unsupported").ToArray();
            before = slots.Select(s => s.Attempts).ToArray();
        }
        PollNow(names);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            lock (_gate)
                if (slots.Select((s, i) => s.Attempts > before[i] || s.State == "unsupported").All(x => x)) return true;
            await Task.Delay(20);
        }
        return false;
    }

    public HistoryStatus Status()
    {
        lock (_gate)
        {
            return new HistoryStatus(_profile.Id, true, _connected, _error, _errorSince, _nextAttempt, _failures, _startedAt,
                Interlocked.Read(ref _commands),
                _slots.Select(s => new CollectorState(s.Name, s.IntervalMs, s.State, s.Error, s.LastPollAt, s.LastSuccessAt,
                    s.State == "unsupported" ? null : s.NextDue, s.Failures, s.Polls)).ToList());
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        RedisCommandClient? client = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (client is null)
                {
                    try
                    {
                        client = await OpenAsync(ct);
                    }
                    catch (Exception ex) when (ex is TargetUnreachableException or CollectorRefusedException)
                    {
                        await WaitAfterFailureAsync(ex.Message, ct);
                        continue;
                    }
                }

                var lost = false;
                foreach (var slot in DueSlots())
                {
                    try
                    {
                        await slot.Poll(client, ct);
                        Succeeded(slot);
                    }
                    catch (TargetUnreachableException ex)
                    {
                        Failed(slot, ex.Message, backOff: false);
                        await client.DisposeAsync();
                        client = null;
                        lost = true;
                        await WaitAfterFailureAsync(ex.Message, ct);
                        break;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        // Refused by the server, storage failing, a reply we cannot read: this collector waits, the rest go on.
                        Failed(slot, ex is CollectorRefusedException ? ex.Message : ex.GetBaseException().Message, backOff: true);
                        if (ex is not CollectorRefusedException)
                            _log.LogWarning("History collector {Collector} of {Connection} failed: {Message}", slot.Name, _profile, ex.GetBaseException().Message);
                    }
                }
                if (lost) continue;
                await WaitForNextAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            if (client is not null) await client.DisposeAsync();
        }
    }

    private async Task<RedisCommandClient> OpenAsync(CancellationToken ct)
    {
        var timeout = TimeSpan.FromMilliseconds(_o.CommandTimeoutMs);
        var client = await RedisCommandClient.OpenAsync(_profile, "history", timeout, ct);
        try
        {
            // The server's run for as long as this connection lives: a restart drops the connection.
            var (server, error) = await client.InfoAsync(ct, "server");
            Count(1);
            _runId = server?.GetValueOrDefault("run_id") ?? "";
            if (server is null) _log.LogInformation("History of {Connection}: INFO server refused ({Error}); log ids are kept without a server run", _profile, error);
            _hasCommandlog = null;
            lock (_gate)
            {
                if (_failures > 0) _log.LogInformation("History collectors of {Connection} reach the server again", _profile);
                _connected = true;
                _error = null;
                _errorSince = null;
                _nextAttempt = null;
                _failures = 0;
                foreach (var s in _slots.Where(s => s.State == "unsupported"))
                {
                    s.State = "waiting";
                    s.NextDue = DateTime.UtcNow;
                }
            }
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private async Task WaitAfterFailureAsync(string error, CancellationToken ct)
    {
        TimeSpan pause;
        lock (_gate)
        {
            _failures++;
            _connected = false;
            _error = error;
            _errorSince ??= DateTime.UtcNow;
            pause = TimeSpan.FromMilliseconds(Math.Min(_o.MaxBackoffMs, 1000.0 * Math.Pow(2, Math.Min(20, _failures - 1))));
            _nextAttempt = DateTime.UtcNow + pause;
            if (_failures == 1) _log.LogWarning("History collectors of {Connection} cannot reach the server: {Error}; retrying with back-off", _profile, error);
        }
        try { await Task.Delay(pause, ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
    }

    private List<Slot> DueSlots()
    {
        var now = DateTime.UtcNow;
        lock (_gate) return _slots.Where(s => s.State != "unsupported" && s.NextDue <= now).OrderBy(s => s.NextDue).ToList();
    }

    private async Task WaitForNextAsync(CancellationToken ct)
    {
        DateTime next;
        lock (_gate) next = _slots.Where(s => s.State != "unsupported").Select(s => s.NextDue).DefaultIfEmpty(DateTime.UtcNow.AddMinutes(1)).Min();
        var wait = next - DateTime.UtcNow;
        if (wait <= TimeSpan.Zero) return;
        await _wake.WaitAsync(wait, ct);
    }

    private void Succeeded(Slot slot)
    {
        lock (_gate)
        {
            slot.Polls++;
            slot.Attempts++;
            slot.LastPollAt = slot.LastSuccessAt = DateTime.UtcNow;
            if (slot.State != "unsupported")
            {
                slot.State = "ok";
                slot.Error = null;
                slot.Failures = 0;
                slot.NextDue = Next(slot.NextDue, slot.IntervalMs);
            }
        }
    }

    private void Failed(Slot slot, string error, bool backOff)
    {
        lock (_gate)
        {
            slot.Attempts++;
            slot.LastPollAt = DateTime.UtcNow;
            slot.State = "error";
            slot.Error = error;
            slot.Failures++;
            var pause = backOff ? Math.Min(Math.Max(_o.MaxBackoffMs, slot.IntervalMs), slot.IntervalMs * Math.Pow(2, Math.Min(20, slot.Failures))) : 0;
            slot.NextDue = DateTime.UtcNow.AddMilliseconds(pause);
        }
    }

    /// <summary>The next turn on the cadence's grid; a turn missed (a slow poll, a pause) is skipped, not caught up.</summary>
    private static DateTime Next(DateTime due, int intervalMs)
    {
        var next = due.AddMilliseconds(intervalMs);
        var now = DateTime.UtcNow;
        return next > now ? next : now.AddMilliseconds(intervalMs);
    }

    private void Count(int n) => Interlocked.Add(ref _commands, n);

    private async Task<RespReply> SendAsync(RedisCommandClient client, CancellationToken ct, params string[] args)
    {
        Count(1);
        var reply = await client.SendAsync(ct, args);
        if (reply.IsError) throw new CollectorRefusedException($"{string.Join(' ', args.Take(2))}: {reply.Text}");
        return reply;
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private async Task PollInfoAsync(RedisCommandClient client, CancellationToken ct)
    {
        Count(1);
        var (fields, error) = await client.InfoAsync(ct);
        if (fields is null) throw new CollectorRefusedException($"INFO: {error}");
        var now = NowMs();
        var sample = InfoSample.From(fields, now, Recent.Last);
        Recent.Add(sample);

        if (!_loadedLastStored)
        {
            _lastStored = await _store.LastInfoSampleAsync(_profile.Id, ct);
            _loadedLastStored = true;
        }
        var slot = now / _o.InfoPersistIntervalMs * _o.InfoPersistIntervalMs;
        if (slot == _lastStoredSlot) return;
        // A stored sample's rate is over the time since the one stored before it (about one slot).
        var near = _lastStored is { } last && now - last.Ts <= 3L * _o.InfoPersistIntervalMs ? last : null;
        var stored = InfoSample.From(fields, now, near);
        await _store.AddInfoSampleAsync(_profile.Id, stored, slot, ct);
        _lastStoredSlot = slot;
        _lastStored = stored;
        _health?.Record(Key, HealthSample.From(DateTime.UtcNow, fields));
    }

    private async Task<LogPosition?> PositionAsync(string log, CancellationToken ct)
    {
        if (!_positions.TryGetValue(log, out var known))
            _positions[log] = known = await _store.LastLogPositionAsync(_profile.Id, log, ct);
        return known;
    }

    private async Task PollSlowlogAsync(RedisCommandClient client, CancellationToken ct)
    {
        var reply = await SendAsync(client, ct, "SLOWLOG", "GET", _o.MaxEntriesPerPoll.ToString(CultureInfo.InvariantCulture));
        await TrackLogAsync(client, "slowlog", "SLOWLOG", LogReply.Parse(reply), () => ["SLOWLOG", "LEN"], n => ["SLOWLOG", "GET", n], ct);
    }

    private async Task PollCommandlogAsync(RedisCommandClient client, CancellationToken ct)
    {
        if (_hasCommandlog is null)
        {
            Count(1);
            var probe = await client.SendAsync(ct, "COMMANDLOG", "LEN", "slow");
            if (probe.IsError && probe.Text is { } text && (text.Contains("unknown command", StringComparison.OrdinalIgnoreCase)
                                                             || text.Contains("unknown subcommand", StringComparison.OrdinalIgnoreCase)))
            {
                _hasCommandlog = false;
                lock (_gate)
                {
                    var slot = _slots.First(s => s.Name == CollectorNames.Commandlog);
                    slot.State = "unsupported";
                    slot.Error = null;
                }
                return;
            }
            if (probe.IsError) throw new CollectorRefusedException($"COMMANDLOG LEN: {probe.Text}");
            _hasCommandlog = true;
        }
        if (_hasCommandlog == false) return;
        foreach (var type in CommandLogTypes.All)
        {
            var reply = await SendAsync(client, ct, "COMMANDLOG", "GET", _o.MaxEntriesPerPoll.ToString(CultureInfo.InvariantCulture), type);
            await TrackLogAsync(client, type, "COMMANDLOG", LogReply.Parse(reply), () => ["COMMANDLOG", "LEN", type], n => ["COMMANDLOG", "GET", n, type], ct);
        }
    }

    /// <summary>Stores what is new in a log; a poll that came back full with a gap behind it asks for the whole log first.</summary>
    private async Task TrackLogAsync(RedisCommandClient client, string log, string command, IReadOnlyList<LogEntry> entries,
        Func<string[]> lengthCommand, Func<string, string[]> getCommand, CancellationToken ct)
    {
        var known = await PositionAsync(log, ct);
        var batch = LogTracker.Advance(known, _runId, entries, command);
        if (batch.Gap is not null && entries.Count >= _o.MaxEntriesPerPoll)
        {
            var length = await SendAsync(client, ct, lengthCommand());
            if (length.Integer > entries.Count)
            {
                var all = await SendAsync(client, ct, getCommand(Math.Min(length.Integer, 10_000).ToString(CultureInfo.InvariantCulture)));
                batch = LogTracker.Advance(known, _runId, LogReply.Parse(all), command);
            }
        }
        await _store.StoreLogBatchAsync(_profile.Id, log, _runId, batch, NowMs(), ct);
        if (batch.Gap is { } gap)
            _log.LogInformation("History of {Connection}: {Log} {Message}", _profile, log, gap.Message);
        _positions[log] = batch.Position;
    }

    private async Task PollClientsAsync(RedisCommandClient client, CancellationToken ct)
    {
        var reply = await SendAsync(client, ct, "CLIENT", "LIST");
        var text = reply.Text ?? "";
        var now = NowMs();
        var raw = HistoryStore.ClientListText(text);
        var clients = ClientListParser.Parse(text);
        LatestClients = new ClientSnapshot(now, clients.Count, clients);
        var commands = string.Join(' ', clients.Where(c => !c.IsOwn && c.Cmd is not null).Select(c => c.Cmd!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        var slot = now / _o.ClientListIntervalMs * _o.ClientListIntervalMs;

        if (!_loadedKeyframe)
        {
            _keyframe = await _store.RecentKeyframeAsync(_profile.Id, now - (long)ClientSnapshotCodec.KeyframeInterval.TotalMilliseconds, ct);
            _loadedKeyframe = true;
        }
        var useKeyframe = _keyframe is { } k && now - k.Ts < ClientSnapshotCodec.KeyframeInterval.TotalMilliseconds;
        var snapshot = new ClientSnapshotEntity
        {
            ConnectionId = _profile.Id,
            Ts = slot,
            OffsetMs = (int)(now - slot),
            ClientCount = clients.Count,
            Commands = commands,
            KeyframeId = useKeyframe ? _keyframe!.Value.Id : null,
            Codec = useKeyframe ? ClientSnapshotCodec.Delta : ClientSnapshotCodec.Keyframe,
            RawBytes = raw.Length,
            Data = useKeyframe ? ClientSnapshotCodec.CompressDelta(raw, _keyframe!.Value.Raw) : ClientSnapshotCodec.CompressKeyframe(raw),
        };
        var id = await _store.AddClientSnapshotAsync(snapshot, ct);
        if (!useKeyframe && id is { } newId) _keyframe = (newId, slot, raw);
    }

    private async Task PollAclLogAsync(RedisCommandClient client, CancellationToken ct)
    {
        Count(1);
        var reply = await client.SendAsync(ct, "ACL", "LOG", _o.MaxEntriesPerPoll.ToString(CultureInfo.InvariantCulture));
        if (reply.IsError)
        {
            if (reply.Text is { } t && t.Contains("unknown command", StringComparison.OrdinalIgnoreCase))
            {
                lock (_gate) _slots.First(s => s.Name == CollectorNames.AclLog).State = "unsupported";
                return;
            }
            throw new CollectorRefusedException($"ACL LOG: {reply.Text}");
        }
        var items = AclLogParser.Parse(reply);
        if (items.Count == 0) return;
        var now = NowMs();
        var stored = await _store.RecentAclEntriesAsync(_profile.Id, ct);
        await _store.ApplyAclAsync(_profile.Id, AclLogTracker.Match(items, stored, now), now, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _loop; }
        catch (Exception ex) when (ex is OperationCanceledException) { }
        _stop.Dispose();
    }

    private sealed class Slot(string name, int intervalMs, Func<RedisCommandClient, CancellationToken, Task> poll)
    {
        public string Name { get; } = name;
        public int IntervalMs { get; } = intervalMs;
        public Func<RedisCommandClient, CancellationToken, Task> Poll { get; } = poll;
        public DateTime NextDue { get; set; } = DateTime.UtcNow;
        public string State { get; set; } = "waiting";
        public string? Error { get; set; }
        public DateTime? LastPollAt { get; set; }
        public DateTime? LastSuccessAt { get; set; }
        public int Failures { get; set; }
        public long Polls { get; set; }
        public long Attempts { get; set; }
    }
}

/// <summary>The COMMANDLOG types of Valkey 8.1+, as the history stores them in <c>log</c>.</summary>
public static class CommandLogTypes
{
    public const string Slow = "slow";
    public const string LargeRequest = "large-request";
    public const string LargeReply = "large-reply";
    public static readonly string[] All = [Slow, LargeRequest, LargeReply];
}
