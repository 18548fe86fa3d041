using System.ComponentModel;
using BetterDb.Core.Configuration;
using BetterDb.Core.Storage;
using Hangfire;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Webhooks;

/// <summary>
/// One attempt of one delivery, as a Hangfire job on its own queue (<see cref="Queue"/>), so a hanging receiver holds
/// webhook workers only, never captures, analysis or schedules. A failed attempt schedules the next one after the
/// configured pause; 2xx ends it, 410 Gone disables the endpoint, the last failed attempt marks it failed.
/// A job run twice (a restart mid-attempt) sends the same body under the same delivery id: at least once.
/// </summary>
public sealed class WebhookDeliveryJob(
    IDbContextFactory<BetterDbContext> contexts,
    WebhookSender sender,
    IDataProtectionProvider protection,
    IOptions<WebhookOptions> options,
    IServiceProvider services,
    ILogger<WebhookDeliveryJob> log)
{
    public const string Queue = "webhooks";
    internal const string SecretPurpose = "BetterDb.Webhooks.Secret";

    private readonly IDataProtector _secrets = protection.CreateProtector(SecretPurpose);

    /// <summary>Queues an attempt after <paramref name="delay"/>; the Hangfire job id (null without Hangfire, where it runs in the background).</summary>
    public string? Schedule(string deliveryId, string eventType, string url, TimeSpan delay)
    {
        if (services.GetService<IBackgroundJobClient>() is { } jobs)
            return delay <= TimeSpan.Zero
                ? jobs.Enqueue<WebhookDeliveryJob>(j => j.DeliverAsync(deliveryId, eventType, url))
                : jobs.Schedule<WebhookDeliveryJob>(j => j.DeliverAsync(deliveryId, eventType, url), delay);
        _ = Task.Run(async () =>
        {
            await Task.Delay(delay);
            await DeliverAsync(deliveryId, eventType, url);
        });
        return null;
    }

    [DisplayName("Webhook {1} to {2}")]
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 0)] // retries are ours: they keep one delivery id and the configured pauses
    public async Task DeliverAsync(string deliveryId, string eventType, string url)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == deliveryId);
        if (delivery is null || delivery.Status != DeliveryStatus.Pending.Word()) return;
        var hook = await db.Webhooks.FirstOrDefaultAsync(w => w.Id == delivery.WebhookId);
        if (hook is null || !hook.Enabled)
        {
            delivery.Status = DeliveryStatus.Failed.Word();
            delivery.LastError = hook is null ? "the endpoint was deleted" : "the endpoint is disabled";
            delivery.NextAttemptAt = null;
            await db.SaveChangesAsync();
            return;
        }

        if (!await ClaimAsync(db, delivery)) return;
        var attempt = await sender.SendAsync(hook.Url, Secret(hook), delivery.EventType, delivery.Id, delivery.Body, CancellationToken.None);
        Record(delivery, attempt);
        if (attempt.Succeeded)
        {
            delivery.Status = DeliveryStatus.Succeeded.Word();
        }
        else if (attempt.StatusCode == 410)
        {
            delivery.Status = DeliveryStatus.Gone.Word();
            hook.Enabled = false;
            hook.DisabledReason = $"the receiver answered 410 Gone at {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC";
            hook.UpdatedAt = DateTime.UtcNow;
            log.LogWarning("Webhook {Id} ({Url}) answered 410 Gone: disabled", hook.Id, hook.Url);
        }
        else if (delivery.Attempts < options.Value.MaxAttempts)
        {
            var pause = options.Value.RetryDelays[delivery.Attempts - 1];
            delivery.NextAttemptAt = DateTime.UtcNow + pause;
            await db.SaveChangesAsync();
            delivery.JobId = Schedule(delivery.Id, delivery.EventType, hook.Url, pause);
        }
        else
        {
            delivery.Status = DeliveryStatus.Failed.Word();
            log.LogWarning("Webhook delivery {Delivery} ({Event}) to {Url} failed after {Attempts} attempts: {Error}",
                delivery.Id, delivery.EventType, hook.Url, delivery.Attempts, attempt.Error);
        }
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// Takes this attempt for this run. Hangfire's SQLite storage can hand one job to two workers at once, and the receiver
    /// would then get the same delivery twice at the same moment: the attempt is claimed in the database first, as a lease on
    /// <c>NextAttemptAt</c> as long as an attempt can take, so a second run finds it taken (or not yet due) and leaves it.
    /// A run that died mid-attempt (a restart) leaves a lease that runs out, and the job's rerun sends again: at least once.
    /// </summary>
    private async Task<bool> ClaimAsync(BetterDbContext db, WebhookDeliveryEntity delivery)
    {
        var now = DateTime.UtcNow;
        var due = now + ClaimSlack;
        var lease = now + options.Value.Timeout + ClaimSlack;
        var (id, attempts) = (delivery.Id, delivery.Attempts);
        var claimed = await db.WebhookDeliveries
            .Where(d => d.Id == id && d.Status == DeliveryStatus.Pending.Word() && d.Attempts == attempts && (d.NextAttemptAt == null || d.NextAttemptAt <= due))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.NextAttemptAt, lease));
        if (claimed == 0)
        {
            log.LogInformation("Webhook delivery {Delivery}: attempt {Attempt} is another run's (or not due yet); this run leaves it", id, attempts + 1);
            return false;
        }
        // The row holds the lease now; what the attempt records next is compared with that.
        db.Entry(delivery).Property(d => d.NextAttemptAt).OriginalValue = lease;
        delivery.NextAttemptAt = lease;
        return true;
    }

    /// <summary>How early a scheduled attempt may run (clocks of the scheduler and of this check), and the lease's margin.</summary>
    private static readonly TimeSpan ClaimSlack = TimeSpan.FromSeconds(1);

    internal string? Secret(WebhookEntity hook) => hook.ProtectedSecret is null ? null : _secrets.Unprotect(hook.ProtectedSecret);

    internal static void Record(WebhookDeliveryEntity delivery, WebhookAttempt attempt)
    {
        delivery.Attempts++;
        delivery.LastAttemptAt = DateTime.UtcNow;
        delivery.LastStatusCode = attempt.StatusCode;
        delivery.LastLatencyMs = attempt.LatencyMs;
        delivery.LastError = attempt.Error;
        delivery.ResponseExcerpt = attempt.ResponseExcerpt;
        delivery.NextAttemptAt = null;
    }
}
