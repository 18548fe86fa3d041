using System.Collections.Concurrent;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Capture;

/// <summary>
/// Starts, stops, lists and deletes capture sessions; one running capture per
/// connection. Finished sessions live in storage; running ones also have a
/// <see cref="CaptureRun"/> here with live counters and the live tail.
/// </summary>
public sealed class CaptureSessionService
{
    public const long MinDurationMs = 1_000;
    public const long MaxDurationMs = 24 * 60 * 60 * 1_000;
    public const long DefaultDurationMs = 30_000;

    private readonly IDbContextFactory<BetterDbContext> _contexts;
    private readonly ConnectionService _connections;
    private readonly IChunkStore _chunks;
    private readonly SessionLifecycle _lifecycle;
    private readonly AppInstance _instance;
    private readonly BetterDbOptions _options;
    private readonly HealthGateOptions _healthGate;
    private readonly StorageHealth _storage;
    private readonly ILogger<CaptureSessionService> _log;
    private readonly ConcurrentDictionary<string, RunningCapture> _runs = new();
    // Sessions that ended while storage refused to record it; the retry removes them once it is on record.
    private readonly ConcurrentDictionary<string, CaptureSession> _unrecorded = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _startGate = new();
    // Running key (a connection, or one node of a cluster connection) -> the session that holds it, from the moment a
    // start claims it until its run is over: a conflict always names the capture in the way.
    private readonly Dictionary<string, Claim> _busy = [];

    /// <summary>A start's hold on a connection; <see cref="Recorded"/> says whether its session made it into the database.</summary>
    private sealed record Claim(string SessionId)
    {
        public TaskCompletionSource<bool> Recorded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
    private bool _shuttingDown;

    public CaptureSessionService(IDbContextFactory<BetterDbContext> contexts, ConnectionService connections, IChunkStore chunks,
        SessionLifecycle lifecycle, AppInstance instance, IOptions<BetterDbOptions> options, IOptions<HealthGateOptions> healthGate,
        StorageHealth storage, ILogger<CaptureSessionService> log)
    {
        _lifecycle = lifecycle;
        _instance = instance;
        _storage = storage;
        // Storage gone: running captures cannot keep their lines, so they end now, saying why.
        storage.Failed += failure =>
        {
            foreach (var r in _runs.Values) r.RequestStop(CaptureEnd.StorageError(failure));
        };
        _healthGate = healthGate.Value;
        _contexts = contexts;
        _connections = connections;
        _chunks = chunks;
        _options = options.Value;
        WriterSettings = new CaptureWriterSettings
        {
            MaxLineBytes = _options.Monitor.MaxLineBytes,
            FlushInterval = TimeSpan.FromMilliseconds(_options.Monitor.FlushIntervalMs),
        };
        _log = log;
    }

    /// <summary>Chunk sizes and flush interval for new captures (tests shorten them).</summary>
    public CaptureWriterSettings WriterSettings { get; set; }

    /// <summary>Raised when a session starts, ends or is deleted (with the deleted session's last state).</summary>
    public event Action<CaptureSession>? SessionChanged;

    /// <exception cref="InvalidInputException">a value is out of range</exception>
    /// <exception cref="KeyNotFoundException">no such connection</exception>
    /// <exception cref="ConflictException">the connection already has a running capture</exception>
    public async Task<CaptureSession> StartAsync(StartCaptureRequest request, CancellationToken ct = default)
    {
        var duration = request.DurationMs ?? DefaultDurationMs;
        if (duration is < MinDurationMs or > MaxDurationMs)
            throw new InvalidInputException("durationMs", $"durationMs must be between {MinDurationMs} (1 s) and {MaxDurationMs} (24 h).");
        var byteCap = request.ByteCap ?? _options.Monitor.DefaultByteCap;
        if (byteCap <= 0) throw new InvalidInputException("byteCap", "byteCap must be a positive number of bytes.");
        var lineCap = request.LineCap ?? _options.Monitor.DefaultLineCap;
        if (lineCap <= 0) throw new InvalidInputException("lineCap", "lineCap must be a positive number of lines.");
        var fanOut = request.FanOut == true;
        if (fanOut && !string.IsNullOrWhiteSpace(request.TargetNodeId))
            throw new InvalidInputException("fanOut", "fanOut captures every primary; leave targetNodeId out (or capture that one node without fanOut).");
        if (request.RequestedBy is { Length: > 200 })
            throw new InvalidInputException("requestedBy", "requestedBy is longer than 200 characters.");
        if (string.IsNullOrWhiteSpace(request.ConnectionId))
            throw new InvalidInputException("connectionId", "connectionId is required.");
        _storage.ThrowIfUnusable();

        var connectionId = request.ConnectionId;
        var profile = await _connections.GetAsync(connectionId, ct)
                      ?? throw new KeyNotFoundException($"No connection '{connectionId}'.");
        // One node of a cluster: MONITOR goes to that node, with the connection's credentials.
        // Fan-out: one MONITOR per primary (a replica would show every replicated write a second time).
        string? node = null;
        IReadOnlyList<ClusterNode>? primaries = null;
        if (fanOut) primaries = await ClusterNodeTarget.PrimariesAsync(profile, ct);
        else if (!string.IsNullOrWhiteSpace(request.TargetNodeId))
        {
            var (nodeProfile, target) = await ClusterNodeTarget.ResolveAsync(profile, request.TargetNodeId, ct);
            (profile, node) = (nodeProfile, target.Id);
        }
        var busyKey = SessionLifecycle.RunningKey(connectionId, fanOut ? FanOutKey : node);

        var sessionId = Guid.CreateVersion7().ToString("N");
        var claim = new Claim(sessionId);
        while (true)
        {
            Claim? other;
            lock (_startGate)
            {
                if (_shuttingDown) throw new ConflictException("The app is shutting down.");
                if (_busy.TryAdd(busyKey, claim)) break;
                other = _busy[busyKey];
            }
            // A start still on its way to the database may yet lose there (to another process): name only a session that exists.
            if (await other.Recorded.Task.WaitAsync(ct))
                throw new ConflictException(
                    fanOut ? "A fan-out capture is already running on this connection."
                    : node is null ? "A capture is already running on this connection."
                    : $"A capture is already running on node {node}.",
                    other.SessionId);
        }

        try
        {
            var now = DateTime.UtcNow;
            var entity = new SessionEntity
            {
                Id = sessionId,
                ConnectionId = connectionId,
                ConnectionName = profile.Name,
                RunningKey = busyKey,
                TargetNode = node,
                OwnerInstance = _instance.Id,
                OwnerUrl = _instance.Url,
                HeartbeatAt = now,
                Status = CaptureStatus.Running.Word(),
                Source = request.Source.Word(),
                RequestedBy = string.IsNullOrWhiteSpace(request.RequestedBy) ? null : request.RequestedBy.Trim(),
                TriggerId = request.TriggerId,
                ScheduleId = request.ScheduleId,
                StartedAt = now,
                DurationMs = duration,
                ByteCap = byteCap,
                LineCap = lineCap,
                Redacted = _options.Monitor.RedactValues || profile.RedactValues,
                NodeSegmentsJson = NodeSegment.ToJson(primaries?.Select(p => new NodeSegment(p.Id, p.Address, CaptureStatus.Running, 0, 0, null, null)).ToList()),
            };
            try
            {
                await _lifecycle.CreateAsync(entity, ct);
                claim.Recorded.TrySetResult(true);
            }
            catch (ConflictException ex) when (ex.RelatedId is { } other && _unrecorded.ContainsKey(other))
            {
                // The database still holds the connection for a capture that ended while storage refused to record it.
                throw new StorageUnavailableException(
                    $"the capture before ({other}) ended, but storage refused to record that, so this connection cannot start another yet ({ex.Message})");
            }

            var tail = new LiveTail(renumber: fanOut);
            var shared = fanOut ? new SharedCaps(byteCap, lineCap) : null;
            var watchdog = _options.Monitor.Watchdog;
            CaptureRun RunOf(ConnectionProfile target, string? nodeId) =>
                new(entity.Id, connectionId, target,
                    new CaptureWriter(entity.Id, nodeId, byteCap, lineCap, _chunks, tail, WriterSettings with { RedactValues = entity.Redacted }, shared: shared),
                    tail, TimeSpan.FromMilliseconds(duration),
                    watchdog.Enabled ? WatchdogLimits.From(watchdog, _healthGate.MemoryPctThreshold) : null,
                    TimeSpan.FromMilliseconds(watchdog.IntervalMs), _options.Monitor.ExcludeOwnTraffic, _log);
            var runs = primaries is null
                ? [new NodeRun(RunOf(profile, node), null)]
                : primaries.Select(p => new NodeRun(RunOf(ClusterNodeTarget.ForNode(profile, p), p.Id), p)).ToList();
            var running = new RunningCapture(runs, tail, CaptureSession.From(entity), busyKey);
            // Completion exists before the run is visible in _runs (StopAsync/DeleteAsync/ShutdownAsync await it),
            // and the run starts only after it is there (RunToEndAsync removes it when done).
            var start = new Task<Task>(() => RunToEndAsync(running));
            running.Completion = start.Unwrap();
            _runs[entity.Id] = running;
            start.Start(TaskScheduler.Default);
            SessionChanged?.Invoke(running.Snapshot());
            return running.Snapshot();
        }
        catch
        {
            lock (_startGate) _busy.Remove(busyKey);
            claim.Recorded.TrySetResult(false);
            throw;
        }
    }

    /// <summary>
    /// Records an automated capture that did not run (the health gate was closed, the connection busy): a session
    /// with status <c>skipped</c> and the reason, so the attempt is on the record and its subscribers hear of it.
    /// </summary>
    public async Task<CaptureSession> RecordSkippedAsync(StartCaptureRequest request, string reason, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(request.ConnectionId)) throw new InvalidInputException("connectionId", "connectionId is required.");
        var profile = await _connections.GetAsync(request.ConnectionId, ct);
        var now = DateTime.UtcNow;
        var session = await _lifecycle.CreateAsync(new SessionEntity
        {
            Id = Guid.CreateVersion7().ToString("N"),
            ConnectionId = request.ConnectionId,
            ConnectionName = profile?.Name,
            Status = CaptureStatus.Skipped.Word(),
            TerminationReason = reason,
            Source = request.Source.Word(),
            RequestedBy = request.RequestedBy,
            TriggerId = request.TriggerId,
            ScheduleId = request.ScheduleId,
            StartedAt = now,
            EndedAt = now,
            DurationMs = request.DurationMs ?? DefaultDurationMs,
            ByteCap = request.ByteCap ?? _options.Monitor.DefaultByteCap,
            LineCap = request.LineCap ?? _options.Monitor.DefaultLineCap,
        }, ct);
        SessionChanged?.Invoke(session);
        return session;
    }

    private async Task RunToEndAsync(RunningCapture running)
    {
        // A cap reached through one node's writer ends every node's capture (the caps are the session's).
        foreach (var r in running.Runs)
            _ = r.Run.Writer.StopRequested.ContinueWith(_ =>
                {
                    if (r.Run.Writer.CapReached is { } cap) running.RequestStop(cap);
                },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await Task.WhenAll(running.Runs.Select(async r => r.End(await r.Run.RunAsync())));
        var end = running.Runs is [{ Node: null } only] ? only.Ended! : FanOutEnd.Combine(running.Runs.Select(r => (r.Node!, r.Ended!)).ToList());
        var final = running.Snapshot() with
        {
            Status = end.Status,
            TerminationReason = end.Reason,
            EndedAt = DateTime.UtcNow,
            // What a reader finds in storage, not what arrived: a failed store kept some lines back.
            LineCount = running.Runs.Sum(r => r.Run.Writer.StoredLines),
            ByteCount = running.Runs.Sum(r => r.Run.Writer.StoredBytes),
            Watchdog = null,
        };
        var recorded = await TryRecordEndAsync(final);
        // Until the end is on record, this is the session's state: readers must not see it running.
        if (!recorded) _unrecorded[final.Id] = final;
        // Unregister first: a viewer that sees its feed end then reads the final session from storage.
        _runs.TryRemove(final.Id, out _);
        lock (_startGate) _busy.Remove(running.Key);
        running.Tail.Complete();
        _log.LogInformation("Capture {SessionId} ended {Status} ({Reason}), {Lines} lines",
            final.Id, final.Status.Word(), final.TerminationReason, final.LineCount);
        SessionChanged?.Invoke(final);
        if (!recorded) _ = RecordEndLaterAsync(final);
    }

    /// <summary>Writes how a session ended (with its event); false (logged) when storage refuses.</summary>
    private async Task<bool> TryRecordEndAsync(CaptureSession final)
    {
        try
        {
            await _lifecycle.EndAsync(final);
            return true;
        }
        catch (Exception ex)
        {
            _log.LogError("Could not record the end of capture {SessionId} ({Status}, {Reason}): {Message}; retrying",
                final.Id, final.Status.Word(), final.TerminationReason, ex.GetBaseException().Message);
            return false;
        }
    }

    /// <summary>
    /// Retries recording an end that storage refused (a disk full or read-only for a while), with a growing
    /// pause, until it is on record or the app stops; meanwhile readers get it from <see cref="_unrecorded"/>.
    /// </summary>
    private async Task RecordEndLaterAsync(CaptureSession final)
    {
        var pause = TimeSpan.FromSeconds(1);
        while (!_stopping.IsCancellationRequested)
        {
            try { await Task.Delay(pause, _stopping.Token); }
            catch (OperationCanceledException) { break; }
            if (await TryRecordEndAsync(final))
            {
                _unrecorded.TryRemove(final.Id, out _);
                _log.LogInformation("Recorded the end of capture {SessionId} ({Status}) after storage came back", final.Id, final.Status.Word());
                return;
            }
            pause = TimeSpan.FromSeconds(Math.Min(30, pause.TotalSeconds * 2));
        }
        // One last try at shutdown; if storage is still gone, the next start finds the session running (process_restart).
        if (await TryRecordEndAsync(final)) _unrecorded.TryRemove(final.Id, out _);
    }

    /// <summary>The session with live counters while it runs; null when unknown.</summary>
    public async Task<CaptureSession?> GetAsync(string id, CancellationToken ct = default)
    {
        if (_runs.TryGetValue(id, out var running)) return running.Snapshot();
        if (_unrecorded.TryGetValue(id, out var unrecorded)) return unrecorded;
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var entity = await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        // It may have finished between the two looks.
        return entity is null ? null : CaptureSession.From(entity);
    }

    public async Task<IReadOnlyList<CaptureSession>> ListAsync(SessionQuery query, CancellationToken ct = default)
    {
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var q = db.Sessions.AsNoTracking();
        if (!string.IsNullOrEmpty(query.ConnectionId)) q = q.Where(s => s.ConnectionId == query.ConnectionId);
        if (query.Status is { } status)
        {
            var word = status.Word();
            q = q.Where(s => s.Status == word);
        }
        if (query.Source is { } source)
        {
            var word = source.Word();
            q = q.Where(s => s.Source == word);
        }
        if (!string.IsNullOrEmpty(query.RequestedBy)) q = q.Where(s => s.RequestedBy == query.RequestedBy);
        if (!string.IsNullOrEmpty(query.ScheduleId)) q = q.Where(s => s.ScheduleId == query.ScheduleId);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim();
            q = q.Where(s => (s.Label != null && s.Label.Contains(term)) || (s.Note != null && s.Note.Contains(term))
                             || (s.RequestedBy != null && s.RequestedBy.Contains(term)) || (s.ConnectionName != null && s.ConnectionName.Contains(term))
                             || s.Id.StartsWith(term));
        }
        q = query.Sort switch
        {
            SessionSort.Oldest => q.OrderBy(s => s.StartedAt).ThenBy(s => s.Id),
            SessionSort.MostLines => q.OrderByDescending(s => s.LineCount).ThenByDescending(s => s.StartedAt),
            SessionSort.MostBytes => q.OrderByDescending(s => s.ByteCount).ThenByDescending(s => s.StartedAt),
            // SQLite cannot subtract dates in a query: longest by the requested cap, then by start.
            SessionSort.Longest => q.OrderByDescending(s => s.DurationMs).ThenByDescending(s => s.StartedAt),
            _ => q.OrderByDescending(s => s.StartedAt).ThenByDescending(s => s.Id),
        };
        var rows = await q.Skip(query.Offset).Take(query.Limit).ToListAsync(ct);
        return rows.Select(Current).ToList();
    }

    /// <summary>The session as readers should see it: live counters while it runs, an unrecorded end, else storage.</summary>
    private CaptureSession Current(SessionEntity row) =>
        _runs.TryGetValue(row.Id, out var running) ? running.Snapshot()
        : _unrecorded.TryGetValue(row.Id, out var unrecorded) ? unrecorded : CaptureSession.From(row);

    /// <summary>Sets a session's label, note or keep flag; null when there is no such session.</summary>
    /// <exception cref="InvalidInputException">a label over 100 or a note over 4000 characters</exception>
    public async Task<CaptureSession?> EditAsync(string id, SessionEdit edit, CancellationToken ct = default)
    {
        if (edit.Label is { Length: > 100 }) throw new InvalidInputException("label", "The label is longer than 100 characters.");
        if (edit.Note is { Length: > 4000 }) throw new InvalidInputException("note", "The note is longer than 4000 characters.");
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var row = await db.Sessions.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (row is null) return null;
        if (edit.Label is not null) row.Label = edit.Label.Trim() is { Length: > 0 } label ? label : null;
        if (edit.Note is not null) row.Note = edit.Note.Trim() is { Length: > 0 } note ? note : null;
        if (edit.Keep is { } keep) row.Keep = keep;
        await db.SaveChangesAsync(ct);
        if (_runs.TryGetValue(id, out var running)) running.Edit(row);
        var session = Current(row);
        SessionChanged?.Invoke(session);
        return session;
    }

    /// <summary>
    /// Stops a running capture and waits for it to be finalized. A finished session comes back unchanged. A capture
    /// another app process runs (sharing the database) is asked to stop through the database, and awaited.
    /// </summary>
    /// <exception cref="ConflictException">the other process did not stop it within <see cref="RemoteStopWait"/></exception>
    public async Task<CaptureSession?> StopAsync(string id, CancellationToken ct = default)
    {
        await StopWhereverItRunsAsync(id, ct);
        return await GetAsync(id, ct);
    }

    /// <summary>Stops the capture if it runs, here or in another process, and waits until it has ended.</summary>
    private async Task StopWhereverItRunsAsync(string id, CancellationToken ct)
    {
        if (_runs.TryGetValue(id, out var running))
        {
            running.RequestStop(CaptureEnd.ManualStop);
            await running.Completion!.WaitAsync(ct);
        }
        else await StopElsewhereAsync(id, ct);
    }

    /// <summary>How long a stop of a capture in another process waits for that process to end it.</summary>
    public static readonly TimeSpan RemoteStopWait = TimeSpan.FromSeconds(20);

    private async Task StopElsewhereAsync(string id, CancellationToken ct)
    {
        var running = CaptureStatus.Running.Word();
        await using (var db = await _contexts.CreateDbContextAsync(ct))
        {
            var now = DateTime.UtcNow;
            var asked = await db.Sessions.Where(s => s.Id == id && s.Status == running && s.OwnerInstance != _instance.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.StopRequestedAt, now), ct);
            if (asked == 0) return;
        }
        var deadline = DateTime.UtcNow + RemoteStopWait;
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            await using var db = await _contexts.CreateDbContextAsync(ct);
            var row = await db.Sessions.AsNoTracking().Where(s => s.Id == id).Select(s => new { s.Status, s.OwnerInstance }).FirstOrDefaultAsync(ct);
            if (row is null || row.Status != running) return;
            if (DateTime.UtcNow > deadline)
                throw new ConflictException(
                    $"The capture runs in another app process ({row.OwnerInstance}), which has not stopped it within {RemoteStopWait.TotalSeconds:0} s. " +
                    "It stops it as soon as it sees the request; if that process is gone, the capture is ended (interrupted) once its heartbeat times out.",
                    id);
        }
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        await StopWhereverItRunsAsync(id, ct);
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var entity = await db.Sessions.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (entity is null) return false;
        await _chunks.DeleteSessionAsync(id, ct);
        await db.Analyses.Where(a => a.SessionId == id).ExecuteDeleteAsync(ct);
        db.Sessions.Remove(entity);
        await db.SaveChangesAsync(ct);
        _unrecorded.TryRemove(id, out _);
        SessionChanged?.Invoke(CaptureSession.From(entity));
        return true;
    }

    /// <summary>Tells subscribers about a session that changed outside a live capture (e.g. an import).</summary>
    internal void Notify(CaptureSession session) => SessionChanged?.Invoke(session);

    /// <summary>The live feed of a running capture; null once it has ended.</summary>
    public LiveTail? GetLiveTail(string id) => _runs.TryGetValue(id, out var r) ? r.Tail : null;

    /// <summary>Whether any app process sharing the database runs a capture of the connection (any of its nodes).</summary>
    public async Task<bool> IsRunningOnAsync(string connectionId, CancellationToken ct = default)
    {
        if (_runs.Values.Any(r => r.ConnectionId == connectionId)) return true;
        var running = CaptureStatus.Running.Word();
        await using var db = await _contexts.CreateDbContextAsync(ct);
        return await db.Sessions.AnyAsync(s => s.ConnectionId == connectionId && s.Status == running, ct);
    }

    /// <summary>The captures this process runs, with their live counters.</summary>
    public IReadOnlyList<CaptureSession> RunningHere() => _runs.Values.Select(r => r.Snapshot()).ToList();

    /// <summary>Asks a capture this process runs to stop (another process was asked to stop it); false when it does not run here.</summary>
    internal bool RequestStopHere(string id)
    {
        if (!_runs.TryGetValue(id, out var running)) return false;
        running.RequestStop(CaptureEnd.ManualStop);
        return true;
    }

    /// <summary>Whether this process runs the capture that holds the connection (<paramref name="node"/> null) or that node of it.</summary>
    public bool IsRunningOn(string connectionId, string? node) => _runs.Values.Any(r => r.Key == SessionLifecycle.RunningKey(connectionId, node));

    /// <summary>Ends every running capture <c>interrupted/app_shutdown</c>, flushing what they hold.</summary>
    public async Task ShutdownAsync(CancellationToken ct)
    {
        lock (_startGate) _shuttingDown = true;
        var runs = _runs.Values.ToList();
        foreach (var r in runs) r.RequestStop(CaptureEnd.AppShutdown);
        await Task.WhenAll(runs.Select(r => r.Completion!)).WaitAsync(ct);
        await _stopping.CancelAsync();
    }

    /// <summary>Whether this process runs the capture of session <paramref name="id"/>.</summary>
    public bool IsRunningHere(string id) => _runs.ContainsKey(id);

    /// <summary>The running key of a fan-out capture: it holds the connection's fan-out, not any one node.</summary>
    private const string FanOutKey = "*";

    /// <summary>One MONITOR connection of a capture: of the connection (or the node it names), or of one primary of a fan-out.</summary>
    private sealed class NodeRun(CaptureRun run, ClusterNode? node)
    {
        public CaptureRun Run { get; } = run;
        /// <summary>The primary this run reads in a fan-out capture; null otherwise.</summary>
        public ClusterNode? Node { get; } = node;
        // How and when it ended, set once by its run and read by snapshots on other threads: one reference, never torn.
        private sealed record Ending(CaptureEnd End, DateTime At);
        private volatile Ending? _ended;

        public CaptureEnd? Ended => _ended?.End;

        public void End(CaptureEnd end) => _ended = new Ending(end, DateTime.UtcNow);

        public NodeSegment Segment() => _ended is { } e
            ? new(Node!.Id, Node.Address, e.End.Status, Run.Writer.StoredBytes, Run.Writer.StoredLines, e.At, e.End.Reason)
            : new(Node!.Id, Node.Address, CaptureStatus.Running, Run.Writer.ByteCount, Run.Writer.LineCount, null, null);
    }

    private sealed class RunningCapture(IReadOnlyList<NodeRun> runs, LiveTail tail, CaptureSession started, string key)
    {
        private CaptureSession _started = started;

        /// <summary>What this capture holds: <see cref="SessionLifecycle.RunningKey"/> of its connection and node.</summary>
        public string Key { get; } = key;

        /// <summary>One run, or one per primary of a fan-out capture; they share the live tail.</summary>
        public IReadOnlyList<NodeRun> Runs { get; } = runs;
        public LiveTail Tail { get; } = tail;
        public string? ConnectionId => _started.ConnectionId;
        public Task? Completion { get; set; }

        public void RequestStop(CaptureEnd end)
        {
            foreach (var r in Runs) r.Run.RequestStop(end);
        }

        /// <summary>A label, note or keep flag set while the capture runs.</summary>
        public void Edit(SessionEntity row) =>
            _started = _started with { Label = row.Label, Note = row.Note, Keep = row.Keep };

        public CaptureSession Snapshot() => _started with
        {
            LineCount = Runs.Sum(r => r.Run.Writer.LineCount),
            ByteCount = Runs.Sum(r => r.Run.Writer.ByteCount),
            MalformedCount = Runs.Sum(r => r.Run.Writer.MalformedCount),
            OwnLinesDropped = Runs.Sum(r => r.Run.Writer.OwnLinesDropped),
            TruncatedLines = Runs.Sum(r => r.Run.Writer.TruncatedCount),
            // The signals nearest their limits: the node whose output buffer for us is fullest.
            Watchdog = Runs.Select(r => r.Run.Watchdog).Where(w => w is not null).MaxBy(w => w!.OutputBufferBytes),
            NodeSegments = Runs is [{ Node: null }] ? _started.NodeSegments : Runs.Select(r => r.Segment()).ToList(),
        };
    }
}
