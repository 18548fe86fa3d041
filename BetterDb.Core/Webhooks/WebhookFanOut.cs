using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Events;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Webhooks;

/// <summary>
/// The outbox subscriber: each session event becomes one delivery per enabled endpoint that wants it (and whose
/// connection scope, if any, is the event's), stored with its exact body before its first attempt is queued. Run
/// again for the same event (a crash, a retry), it finds the deliveries it made and queues only those never queued.
/// </summary>
public sealed class WebhookFanOut(IDbContextFactory<BetterDbContext> contexts, ConnectionService connections, WebhookDeliveryJob job)
    : IOutboxHandler
{
    public async Task HandleAsync(OutboxEvent e, CancellationToken ct)
    {
        if (WebhookEventType.For(e) is not { } type) return;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var hooks = await db.Webhooks.AsNoTracking()
            .Where(w => w.Enabled && (w.ConnectionId == null || w.ConnectionId == e.ConnectionId))
            .ToListAsync(ct);
        hooks = hooks.Where(w => w.Events.Split(' ').Contains(type)).ToList();
        if (hooks.Count == 0) return;

        var connection = e.ConnectionId is null ? null : await connections.GetAsync(e.ConnectionId, ct);
        var body = WebhookBody.ForEvent(e, type, connection);
        var hookIds = hooks.Select(h => h.Id).ToList();
        var existing = await db.WebhookDeliveries.Where(d => d.OutboxEventId == e.Id && hookIds.Contains(d.WebhookId)).ToListAsync(ct);
        var now = DateTime.UtcNow;
        foreach (var hook in hooks.Where(h => existing.All(d => d.WebhookId != h.Id)))
        {
            var delivery = new WebhookDeliveryEntity
            {
                Id = Guid.CreateVersion7().ToString("N"),
                WebhookId = hook.Id,
                OutboxEventId = e.Id,
                EventType = type,
                Body = body,
                Status = DeliveryStatus.Pending.Word(),
                CreatedAt = now,
                NextAttemptAt = now,
            };
            db.WebhookDeliveries.Add(delivery);
            existing.Add(delivery);
        }
        await db.SaveChangesAsync(ct);

        foreach (var delivery in existing.Where(d => d.Status == DeliveryStatus.Pending.Word() && d.JobId is null && d.Attempts == 0))
        {
            var url = hooks.First(h => h.Id == delivery.WebhookId).Url;
            delivery.JobId = job.Schedule(delivery.Id, delivery.EventType, url, TimeSpan.Zero) ?? "";
        }
        await db.SaveChangesAsync(ct);
    }
}
