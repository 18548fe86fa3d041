using System.Collections.Concurrent;
using System.Text.Json;
using BetterDb.Core.Capture;
using BetterDb.Core.Connections;
using BetterDb.Core.Events;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.History;

/// <summary>The two boundaries of a capture a snapshot is read at.</summary>
public static class SnapshotBoundary
{
    public const string Start = "start";
    public const string End = "end";
}

/// <summary>
/// Reads INFO (default sections, errorstats included) and <c>INFO commandstats</c> when a capture starts and when it ends,
/// and stores them with the session, so counter deltas over the capture are the server's own numbers. Subscribed to the
/// session lifecycle's outbox: <c>session.started</c> is handed over within milliseconds of the session being recorded
/// (just before its MONITOR connection opens), <c>session.ended</c> just after the capture stopped reading. The read runs
/// off the dispatcher (an unreachable server must not hold back other subscribers), on a connection of its own
/// (<c>betterdb-snapshot</c>). An event handed over long after it happened (the app was down) gets no snapshot, but a
/// row saying why: a reading taken now would not be the boundary's.
/// </summary>
public sealed class SessionBoundarySnapshots(
    IDbContextFactory<BetterDbContext> contexts,
    ConnectionService connections,
    ILogger<SessionBoundarySnapshots> log,
    HistoryCollectors? collectors = null) : IOutboxHandler
{
    /// <summary>An event handed over later than this after it happened is too late for a boundary snapshot.</summary>
    public static readonly TimeSpan LateLimit = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(3);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // The start snapshot of each session still being read, so its end snapshot is never read first.
    private readonly ConcurrentDictionary<string, Task> _starts = new(StringComparer.Ordinal);

    public Task HandleAsync(OutboxEvent e, CancellationToken ct)
    {
        if (e.Type is not (SessionEventType.Started or SessionEventType.Ended) || e.SessionId is null) return Task.CompletedTask;
        CaptureSession? session;
        try { session = e.PayloadAs<CaptureSession>(); }
        catch (JsonException) { return Task.CompletedTask; }
        if (session is null || session.ConnectionId is null || session.Source == CaptureSource.Import) return Task.CompletedTask;
        if (e.Type == SessionEventType.Started)
        {
            if (session.Status != CaptureStatus.Running) return Task.CompletedTask;
            var start = Task.Run(() => TakeAsync(session, SnapshotBoundary.Start, e.OccurredAt, session.StartedAt));
            _starts[session.Id] = start;
            _ = start.ContinueWith(_ => _starts.TryRemove(new KeyValuePair<string, Task>(session.Id, start)), TaskScheduler.Default);
            return Task.CompletedTask;
        }
        if (session.Status == CaptureStatus.Skipped) return Task.CompletedTask;
        var before = _starts.TryGetValue(session.Id, out var s) ? s : Task.CompletedTask;
        _ = Task.Run(async () =>
        {
            try { await before.WaitAsync(ReadTimeout * 2); } catch { /* the end is read anyway */ }
            await TakeAsync(session, SnapshotBoundary.End, e.OccurredAt, session.EndedAt ?? e.OccurredAt);
            // The logs' entries of the capture's last seconds, so its cross-reference need not wait for the next poll.
            if (collectors is not null)
                await collectors.PollNowAsync(session.ConnectionId, TimeSpan.FromSeconds(5), CollectorNames.Slowlog, CollectorNames.Commandlog, CollectorNames.AclLog);
        });
        return Task.CompletedTask;
    }

    /// <summary>Reads and stores one boundary snapshot (once: a second hand-over of the event finds it stored).</summary>
    internal async Task TakeAsync(CaptureSession session, string boundary, DateTime occurredAt, DateTime boundaryAt)
    {
        try
        {
            await using (var db = await contexts.CreateDbContextAsync())
                if (await db.SessionSnapshots.AnyAsync(s => s.SessionId == session.Id && s.Boundary == boundary)) return;
            var row = new SessionSnapshotEntity { SessionId = session.Id, Boundary = boundary, ConnectionId = session.ConnectionId, TakenAt = DateTime.UtcNow };
            var late = DateTime.UtcNow - occurredAt;
            if (late > LateLimit)
                row.Error = $"the {boundary} was handed over {late.TotalSeconds:0} s after it happened (the app was not running?): a reading now would not be the {boundary}'s";
            else if (await connections.GetAsync(session.ConnectionId!) is not { } profile)
                row.Error = "the connection was deleted";
            else
                await ReadAsync(profile, row);
            row.OffsetMs = Math.Round((row.TakenAt - boundaryAt).TotalMilliseconds, 3);
            await using var save = await contexts.CreateDbContextAsync();
            save.SessionSnapshots.Add(row);
            try { await save.SaveChangesAsync(); }
            catch (DbUpdateException ex) when (StorageErrors.IsUniqueViolation(ex)) { /* handed twice at once: one is enough */ }
        }
        catch (Exception ex)
        {
            log.LogWarning("Session {SessionId}: the {Boundary} snapshot could not be stored: {Message}", session.Id, boundary, ex.GetBaseException().Message);
        }
    }

    private static async Task ReadAsync(ConnectionProfile profile, SessionSnapshotEntity row)
    {
        try
        {
            await using var client = await RedisCommandClient.OpenAsync(profile, "snapshot", ReadTimeout);
            // One reply for both (Redis 7+ takes several sections), so the counters and the commandstats are of one moment.
            var (fields, error) = await client.InfoAsync(default, "default commandstats");
            row.TakenAt = DateTime.UtcNow;
            if (fields is null || !fields.ContainsKey("run_id"))
            {
                var (plain, plainError) = await client.InfoAsync(default);
                row.TakenAt = DateTime.UtcNow;
                if (plain is null)
                {
                    row.Error = $"INFO: {plainError ?? error}";
                    return;
                }
                var (stats, _) = await client.InfoAsync(default, "commandstats");
                fields = new Dictionary<string, string>(plain);
                foreach (var (k, v) in stats ?? []) fields[k] = v;
            }
            row.RunId = fields.GetValueOrDefault("run_id");
            row.ServerTimeUs = InfoSample.Long(fields, "server_time_usec");
            row.CommandStats = JsonSerializer.Serialize(CommandStatsParser.Parse(fields), Json);
            row.Info = JsonSerializer.Serialize(fields.Where(f => !f.Key.StartsWith("cmdstat_", StringComparison.Ordinal))
                .ToDictionary(f => f.Key, f => f.Value), Json);
        }
        catch (TargetUnreachableException ex)
        {
            row.TakenAt = DateTime.UtcNow;
            row.Error = (ex.InnerException ?? ex).Message;
        }
    }
}
