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
    public Task<CaptureSession?> EndAsync(CaptureSession final, CancellationToken ct = default) => EndAsync(final, claim: false, null, ct);

    /// <summary>
    /// Ends a session whose owner is gone, if it still runs and (<paramref name="staleBefore"/> given) its heartbeat is
    /// still older than that: the condition and the end are one transaction, so of several processes that find the
    /// same dead owner one ends the session (and sends its one "ended" event); null for the others.
    /// </summary>
    public Task<CaptureSession?> EndAbandonedAsync(CaptureSession final, DateTime? staleBefore, CancellationToken ct = default) =>
        EndAsync(final, claim: true, staleBefore, ct);

    private async Task<CaptureSession?> EndAsync(CaptureSession final, bool claim, DateTime? staleBefore, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = claim ? await db.Database.BeginTransactionAsync(ct) : null;
        if (claim)
        {
            var running = CaptureStatus.Running.Word();
            var abandoned = db.Sessions.Where(s => s.Id == final.Id && s.Status == running);
            if (staleBefore is { } stale) abandoned = abandoned.Where(s => s.HeartbeatAt == null || s.HeartbeatAt < stale);
            // The claim: an UPDATE takes the row's write lock, so a second claimant waits, then finds it no longer running.
            var claimed = await abandoned.ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, final.Status.Word()), ct);
            if (claimed == 0) return null;
        }
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
        if (transaction is not null) await transaction.CommitAsync(ct);
        dispatcher.Signal();
        return recorded;
    }

    /// <summary>The running key of a capture of <paramref name="connectionId"/> (on <paramref name="node"/>).</summary>
    public static string RunningKey(string connectionId, string? node) => $"{connectionId}|{node}";
}
