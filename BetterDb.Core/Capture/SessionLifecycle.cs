using BetterDb.Core.Configuration;
using BetterDb.Core.Events;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Capture;

/// <summary>
/// The one place sessions are created and ended, captures and imports alike: each state change is written
/// in the same transaction as its outbox event (<see cref="SessionEventType"/>), so subscribers (analysis,
/// webhooks, queued triggers) hear of every start and end at least once, across restarts.
/// </summary>
public sealed class SessionLifecycle(IDbContextFactory<BetterDbContext> contexts, OutboxDispatcher dispatcher)
{
    /// <summary>
    /// Records a new session and its <c>session.started</c> event. A running session carries its
    /// <see cref="SessionEntity.RunningKey"/>: a second one for the same connection (or node), from this app
    /// process or another sharing the database, is refused by the database.
    /// </summary>
    /// <exception cref="ConflictException">another session with that running key runs; its id is in <see cref="ConflictException.RelatedId"/></exception>
    public async Task<CaptureSession> CreateAsync(SessionEntity entity, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var session = CaptureSession.From(entity);
        db.Sessions.Add(entity);
        // A session born finished (a skipped trigger or schedule tick) has only its end to tell.
        db.Outbox.Add(Outbox.Event(entity.Status == CaptureStatus.Running.Word() ? SessionEventType.Started : SessionEventType.Ended,
            entity.Id, entity.ConnectionId, session));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (entity.RunningKey is { } key && StorageErrors.IsUniqueViolation(ex))
        {
            await using var look = await contexts.CreateDbContextAsync(CancellationToken.None);
            var running = await look.Sessions.AsNoTracking().Where(s => s.RunningKey == key).Select(s => s.Id).FirstOrDefaultAsync(CancellationToken.None);
            throw new ConflictException("A capture is already running on this connection.", running);
        }
        dispatcher.Signal();
        return session;
    }

    /// <summary>Writes how a session ended (its counts, status and reason) with its <c>session.ended</c> event, and frees its running key.</summary>
    /// <returns>the session as recorded; null when there is no such session any more</returns>
    public async Task<CaptureSession?> EndAsync(CaptureSession final, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Sessions.FirstOrDefaultAsync(s => s.Id == final.Id, ct);
        if (row is null) return null;
        row.Status = final.Status.Word();
        row.TerminationReason = final.TerminationReason;
        row.StartedAt = final.StartedAt;
        row.EndedAt = final.EndedAt ?? DateTime.UtcNow;
        row.LineCount = final.LineCount;
        row.ByteCount = final.ByteCount;
        row.MalformedCount = final.MalformedCount;
        row.OwnLinesDropped = final.OwnLinesDropped;
        row.TruncatedLines = final.TruncatedLines;
        row.LastLineUnterminated = final.LastLineUnterminated;
        row.NodeSegmentsJson = NodeSegment.ToJson(final.NodeSegments) ?? row.NodeSegmentsJson;
        row.RunningKey = null;
        var recorded = CaptureSession.From(row);
        db.Outbox.Add(Outbox.Event(SessionEventType.Ended, row.Id, row.ConnectionId, recorded));
        await db.SaveChangesAsync(ct);
        dispatcher.Signal();
        return recorded;
    }

    /// <summary>The running key of a capture of <paramref name="connectionId"/> (on <paramref name="node"/>).</summary>
    public static string RunningKey(string connectionId, string? node) => $"{connectionId}|{node}";
}
