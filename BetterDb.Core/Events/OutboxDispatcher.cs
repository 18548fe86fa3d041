using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Events;

/// <summary>
/// Hands outbox events to every <see cref="IOutboxHandler"/>, oldest first, and marks them dispatched once all
/// handlers took them. Woken at once when an event is written (<see cref="Signal"/>) and otherwise every few
/// seconds, so events written before a crash, or by another app process, are dispatched after the restart.
/// An event whose handlers fail is retried with a growing pause; it holds back the events after it, so
/// subscribers see them in order. Several app processes sharing the database each run a dispatcher: an event is
/// claimed in the database (<see cref="OutboxEventEntity.ClaimedBy"/>, for <see cref="ClaimLease"/>) before its
/// handlers run, so one process hands it over; a process that finds an event claimed by another stops there until
/// its next poll (the order holds), and a claim whose process died lapses.
/// </summary>
public sealed class OutboxDispatcher(IDbContextFactory<BetterDbContext> contexts, IEnumerable<IOutboxHandler> handlers, Capture.AppInstance instance,
    ILogger<OutboxDispatcher> log) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly IOutboxHandler[] _handlers = handlers.ToArray();

    /// <summary>Something was written: dispatch now rather than at the next poll.</summary>
    public void Signal()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var pause = PollInterval;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                pause = await DispatchPendingAsync(ct) ? PollInterval : TimeSpan.FromSeconds(Math.Min(60, pause.TotalSeconds * 2));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Storage down: keep trying, the events are safe where they are.
                log.LogWarning("Outbox dispatch failed: {Message}", ex.GetBaseException().Message);
                pause = TimeSpan.FromSeconds(Math.Min(60, pause.TotalSeconds * 2));
            }
            try { await _wake.WaitAsync(pause, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Dispatches what is pending; false when an event's handlers failed (it is retried later).</summary>
    public async Task<bool> DispatchPendingAsync(CancellationToken ct)
    {
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var batch = await db.Outbox.Where(e => e.DispatchedAt == null).OrderBy(e => e.Id).Take(50).ToListAsync(ct);
            if (batch.Count == 0) return true;
            foreach (var row in batch)
            {
                var now = DateTime.UtcNow;
                var until = now + ClaimLease;
                var claimed = await db.Outbox
                    .Where(x => x.Id == row.Id && x.DispatchedAt == null && (x.ClaimedUntil == null || x.ClaimedUntil < now || x.ClaimedBy == instance.Id))
                    .ExecuteUpdateAsync(u => u.SetProperty(x => x.ClaimedBy, instance.Id).SetProperty(x => x.ClaimedUntil, until), ct);
                // Another process is handing this one over (or just did): the events after it wait for it.
                if (claimed == 0) return true;
                var e = OutboxEvent.From(row);
                try
                {
                    foreach (var handler in _handlers) await handler.HandleAsync(e, ct);
                    row.DispatchedAt = DateTime.UtcNow;
                    row.LastError = null;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    row.Attempts++;
                    row.LastError = ex.GetBaseException().Message;
                    log.LogWarning("Outbox event {Id} ({Type}, session {SessionId}) failed, attempt {Attempt}: {Message}",
                        row.Id, row.Type, row.SessionId, row.Attempts, row.LastError);
                    await db.SaveChangesAsync(ct);
                    // Let go, so whichever process polls next retries it.
                    await db.Outbox.Where(x => x.Id == row.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.ClaimedUntil, (DateTime?)null), ct);
                    return false;
                }
                // One row at a time: an event handed over is never handed again because a later one failed.
                await db.SaveChangesAsync(ct);
            }
        }
    }
}
