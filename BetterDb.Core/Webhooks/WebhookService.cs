using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Storage;
using Hangfire;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Core.Webhooks;

/// <summary>Webhook endpoints (create, replace, delete, list), their delivery log, a test ping and redelivery.</summary>
public sealed class WebhookService(
    IDbContextFactory<BetterDbContext> contexts,
    ConnectionService connections,
    WebhookSender sender,
    WebhookDeliveryJob job,
    IDataProtectionProvider protection,
    IServiceProvider services)
{
    public const int MaxUrlLength = 2048;
    public const int MaxSecretLength = 1024;

    private readonly IDataProtector _secrets = protection.CreateProtector(WebhookDeliveryJob.SecretPurpose);

    /// <summary>Every problem of <paramref name="input"/>, each naming its field (empty when it is fine).</summary>
    public async Task<IReadOnlyList<(string Field, string Message)>> CheckAsync(WebhookInput input, CancellationToken ct = default)
    {
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(input.Url))
            errors.Add(("url", "The URL is required: the absolute http:// or https:// address to post events to."));
        else if (input.Url.Length > MaxUrlLength)
            errors.Add(("url", $"The URL is longer than {MaxUrlLength} characters."));
        else if (!Uri.TryCreate(input.Url.Trim(), UriKind.Absolute, out var uri) || !uri.IsAbsoluteUri)
            errors.Add(("url", $"'{input.Url}' is not an absolute address; write the URL whole, e.g. https://hooks.example.com/betterdb."));
        else if (uri.Scheme is not ("http" or "https"))
            errors.Add(("url", $"The URL must be http:// or https://, not {uri.Scheme}://."));
        else if (!string.IsNullOrEmpty(uri.UserInfo))
            errors.Add(("url", "The URL must not carry a user name or password; set a secret to sign deliveries instead."));
        if (input.Secret is { Length: > MaxSecretLength })
            errors.Add(("secret", $"The secret is longer than {MaxSecretLength} characters."));
        if (input.Events is { } events)
        {
            if (events.Count == 0)
                errors.Add(("events", "Choose at least one event (over HTTP: leave events out for every event)."));
            var unknown = events.Where(e => !WebhookEventType.All.Contains(e)).ToList();
            if (unknown.Count > 0)
                errors.Add(("events", $"Unknown event {string.Join(", ", unknown.Select(u => $"'{u}'"))}; the events are {string.Join(", ", WebhookEventType.All)}."));
        }
        if (input.ConnectionId is { Length: > 0 } connectionId && await connections.GetAsync(connectionId, ct) is null)
            errors.Add(("connectionId", $"There is no connection '{connectionId}'."));
        return errors;
    }

    /// <exception cref="InvalidInputException">a bad value (the first of <see cref="CheckAsync"/>)</exception>
    public async Task<Webhook> CreateAsync(WebhookInput input, CancellationToken ct = default)
    {
        await ThrowIfInvalidAsync(input, ct);
        var now = DateTime.UtcNow;
        var row = new WebhookEntity { Id = Guid.CreateVersion7().ToString("N"), Url = "", Events = "", CreatedAt = now };
        Assign(row, input, now);
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Webhooks.Add(row);
        await db.SaveChangesAsync(ct);
        return Webhook.From(row);
    }

    /// <returns>null when there is no such endpoint</returns>
    public async Task<Webhook?> UpdateAsync(string id, WebhookInput input, CancellationToken ct = default)
    {
        await ThrowIfInvalidAsync(input, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Webhooks.FirstOrDefaultAsync(w => w.Id == id, ct);
        if (row is null) return null;
        Assign(row, input, DateTime.UtcNow);
        await db.SaveChangesAsync(ct);
        return Webhook.From(row);
    }

    /// <summary>Removes the endpoint, its delivery log and its pending attempts.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Webhooks.FirstOrDefaultAsync(w => w.Id == id, ct);
        if (row is null) return false;
        var pendingJobs = await db.WebhookDeliveries.Where(d => d.WebhookId == id && d.Status == DeliveryStatus.Pending.Word() && d.JobId != null)
            .Select(d => d.JobId!).ToListAsync(ct);
        db.Webhooks.Remove(row);
        await db.WebhookDeliveries.Where(d => d.WebhookId == id).ExecuteDeleteAsync(ct);
        await db.SaveChangesAsync(ct);
        if (services.GetService<IBackgroundJobClient>() is { } jobs)
            foreach (var jobId in pendingJobs.Where(j => j.Length > 0)) jobs.Delete(jobId);
        return true;
    }

    public async Task<Webhook?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Webhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct) is { } row ? Webhook.From(row) : null;
    }

    public async Task<IReadOnlyList<Webhook>> ListAsync(string? connectionId = null, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Webhooks.AsNoTracking()
            .Where(w => connectionId == null || w.ConnectionId == connectionId)
            .OrderBy(w => w.CreatedAt).ToListAsync(ct);
        return rows.Select(Webhook.From).ToList();
    }

    /// <summary>The endpoint's deliveries, newest first; null when there is no such endpoint.</summary>
    public async Task<IReadOnlyList<WebhookDelivery>?> DeliveriesAsync(string id, int limit = 50, long offset = 0, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Webhooks.AnyAsync(w => w.Id == id, ct)) return null;
        var rows = await db.WebhookDeliveries.AsNoTracking().Where(d => d.WebhookId == id)
            .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id)
            .Skip((int)Math.Min(offset, int.MaxValue)).Take(limit).ToListAsync(ct);
        var eventIds = rows.Where(r => r.OutboxEventId != null).Select(r => r.OutboxEventId!.Value).ToList();
        var sessions = await db.Outbox.AsNoTracking().Where(o => eventIds.Contains(o.Id))
            .Select(o => new { o.Id, o.SessionId }).ToDictionaryAsync(o => o.Id, o => o.SessionId, ct);
        return rows.Select(r => WebhookDelivery.From(r, r.OutboxEventId is { } e ? sessions.GetValueOrDefault(e) : null)).ToList();
    }

    /// <summary>
    /// Sends a signed <c>ping</c> now (whether or not the endpoint is enabled: that is what a test is for) and
    /// records it in the log; null when there is no such endpoint.
    /// </summary>
    public async Task<WebhookDelivery?> TestAsync(string id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Webhooks.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct);
        if (row is null) return null;
        var hook = Webhook.From(row);
        var connection = hook.ConnectionId is null ? null : await connections.GetAsync(hook.ConnectionId, ct);
        var deliveryId = Guid.CreateVersion7().ToString("N");
        var body = WebhookBody.Ping(deliveryId, hook, connection);
        var attempt = await sender.SendAsync(row.Url, job.Secret(row), WebhookEventType.Ping, deliveryId, body, ct);
        var delivery = new WebhookDeliveryEntity
        {
            Id = deliveryId,
            WebhookId = id,
            EventType = WebhookEventType.Ping,
            Body = body,
            Status = attempt.Succeeded ? DeliveryStatus.Succeeded.Word() : DeliveryStatus.Failed.Word(),
            CreatedAt = DateTime.UtcNow,
        };
        WebhookDeliveryJob.Record(delivery, attempt);
        db.WebhookDeliveries.Add(delivery);
        await db.SaveChangesAsync(ct);
        return WebhookDelivery.From(delivery, null);
    }

    /// <summary>
    /// Sends a delivery that did not get through again, now, with its original body and delivery id and a fresh
    /// series of retries. Null when there is no such delivery.
    /// </summary>
    /// <exception cref="ConflictException">it is still pending or already succeeded, or its endpoint is disabled</exception>
    public async Task<WebhookDelivery?> RedeliverAsync(string deliveryId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == deliveryId, ct);
        if (delivery is null) return null;
        if (delivery.Status == DeliveryStatus.Pending.Word() || delivery.Status == DeliveryStatus.Succeeded.Word())
            throw new ConflictException($"Delivery '{deliveryId}' is {delivery.Status}; only a failed one can be sent again.");
        if (delivery.EventType == WebhookEventType.Ping)
            throw new ConflictException("A test ping is not redelivered; use Test to send a new one.");
        var hook = await db.Webhooks.FirstAsync(w => w.Id == delivery.WebhookId, ct);
        if (!hook.Enabled) throw new ConflictException("The endpoint is disabled; enable it first.");
        delivery.Status = DeliveryStatus.Pending.Word();
        delivery.Attempts = 0;
        delivery.NextAttemptAt = DateTime.UtcNow;
        await db.SaveChangesAsync(ct);
        delivery.JobId = job.Schedule(delivery.Id, delivery.EventType, hook.Url, TimeSpan.Zero) ?? "";
        await db.SaveChangesAsync(ct);
        return WebhookDelivery.From(delivery, null);
    }

    private async Task ThrowIfInvalidAsync(WebhookInput input, CancellationToken ct)
    {
        if ((await CheckAsync(input, ct)) is [var first, ..]) throw new InvalidInputException(first.Field, first.Message);
    }

    private void Assign(WebhookEntity row, WebhookInput input, DateTime now)
    {
        row.Url = input.Url!.Trim();
        row.Events = string.Join(' ', (input.Events is { Count: > 0 } events ? events : WebhookEventType.All).Distinct());
        row.ConnectionId = string.IsNullOrEmpty(input.ConnectionId) ? null : input.ConnectionId;
        var enabled = input.Enabled ?? true;
        if (enabled && !row.Enabled) row.DisabledReason = null;
        row.Enabled = enabled;
        if (input.Secret is { } secret) row.ProtectedSecret = secret.Length == 0 ? null : _secrets.Protect(secret);
        row.UpdatedAt = now;
    }
}
