using System.ComponentModel;
using BetterDb.Core.Automation;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Events;
using BetterDb.Core.Preflight;
using BetterDb.Core.Storage;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Anomalies;

/// <summary><c>BetterDb:Triggers</c>.</summary>
public sealed class TriggerOptions
{
    public const string Section = "BetterDb:Triggers";
    /// <summary>A pause between detection and the fire job (0: at once). Tests use it to stop the app in between.</summary>
    public int FireDelayMs { get; set; }
}

/// <summary>The Hangfire side of triggers: the fire job, queued or deleted. Without Hangfire (component tests) it runs in the background.</summary>
public sealed class TriggerJobs(IServiceProvider services, IOptions<TriggerOptions> options)
{
    public string? EnqueueFire(string triggerId, string description)
    {
        var delay = TimeSpan.FromMilliseconds(options.Value.FireDelayMs);
        if (services.GetService<IBackgroundJobClient>() is { } client)
            return delay > TimeSpan.Zero
                ? client.Schedule<TriggerFireJob>(j => j.FireAsync(triggerId, description), delay)
                : client.Enqueue<TriggerFireJob>(j => j.FireAsync(triggerId, description));
        _ = Task.Run(async () =>
        {
            await Task.Delay(delay);
            await services.GetRequiredService<TriggerFireJob>().FireAsync(triggerId, description);
        });
        return null;
    }

    public void Delete(string jobId)
    {
        if (jobId.Length > 0) services.GetService<IBackgroundJobClient>()?.Delete(jobId);
    }
}

/// <summary>
/// Fires a trigger whose anomaly was detected: at most once (the database moves it out of <c>active</c> exactly once,
/// and a job run again after a crash finds the session it already started). The health gate decides first (closed:
/// <c>skipped</c> with the gate's reason, and a skipped session on the record); a connection with a running capture
/// makes it wait (<c>queued</c>) until that capture ends; otherwise it starts the capture it was made for.
/// </summary>
public sealed class TriggerFireJob(
    IDbContextFactory<BetterDbContext> contexts,
    GatedCaptureStart starter,
    TriggerService triggers,
    OutboxDispatcher dispatcher,
    ILogger<TriggerFireJob> log)
{
    [DisplayName("{1}")]
    [AutomaticRetry(Attempts = 3)]
    public async Task FireAsync(string triggerId, string description)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var row = await db.Triggers.AsNoTracking().FirstOrDefaultAsync(t => t.Id == triggerId);
        if (row is null || row.Status != TriggerStatus.Active.Word() || row.DetectedAt is null)
        {
            log.LogInformation("Trigger {TriggerId} not fired: it is {Status}", triggerId, row?.Status ?? "gone");
            return;
        }
        // A run that started the capture and then died before writing so: the session says it fired.
        if (await db.Sessions.AsNoTracking().Where(s => s.TriggerId == triggerId).Select(s => new { s.Id, s.Status }).FirstOrDefaultAsync() is { } earlier)
        {
            await FinishAsync(row, earlier.Status == CaptureStatus.Skipped.Word() ? TriggerStatus.Skipped : TriggerStatus.Fired, earlier.Id, null);
            return;
        }

        var request = new StartCaptureRequest
        {
            ConnectionId = row.ConnectionId,
            DurationMs = row.DurationMs,
            ByteCap = row.ByteCap,
            LineCap = row.LineCap,
            RequestedBy = row.CreatedBy,
            Source = CaptureSource.Trigger,
            TriggerId = row.Id,
        };
        switch (await starter.StartAsync(request))
        {
            case GatedStart.Started started:
                await FinishAsync(row, TriggerStatus.Fired, started.Session.Id, null);
                log.LogInformation("Trigger {TriggerId} fired: capture {SessionId}", triggerId, started.Session.Id);
                break;
            case GatedStart.GateClosed closed:
                await FinishAsync(row, TriggerStatus.Skipped, closed.Skipped.Id, closed.Reason);
                log.LogInformation("Trigger {TriggerId} skipped: {Reason}", triggerId, closed.Reason);
                break;
            case GatedStart.Busy busy:
                // One capture per connection: wait for the running one to end (TriggerQueue hears of it and fires again).
                await db.Triggers.Where(t => t.Id == triggerId && t.Status == TriggerStatus.Active.Word())
                    .ExecuteUpdateAsync(t => t.SetProperty(x => x.Queued, true).SetProperty(x => x.FireJobId, (string?)null));
                triggers.Notify();
                log.LogInformation("Trigger {TriggerId} queued behind capture {Running}", triggerId, busy.RunningSessionId);
                break;
            case GatedStart.NoConnection:
                await FinishAsync(row, TriggerStatus.Skipped, null, ScheduleSkipReasons.ConnectionNotFound);
                break;
            case GatedStart.NotNow notNow:
                // Shutting down: the job is retried by Hangfire after the restart.
                throw new InvalidOperationException($"Trigger {triggerId} not fired now: {notNow.Why}");
        }
    }

    private async Task FinishAsync(TriggerEntity row, TriggerStatus status, string? sessionId, string? skipReason)
    {
        var word = status.Word();
        await using var db = await contexts.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var n = await db.Triggers.Where(t => t.Id == row.Id && t.Status == TriggerStatus.Active.Word()).ExecuteUpdateAsync(t => t
            .SetProperty(x => x.Status, word)
            .SetProperty(x => x.ActiveKey, (string?)null)
            .SetProperty(x => x.Queued, false)
            .SetProperty(x => x.SessionId, sessionId)
            .SetProperty(x => x.SkipReason, skipReason)
            .SetProperty(x => x.FiredAt, now)
            .SetProperty(x => x.EndedAt, now));
        if (n == 1)
        {
            var done = await db.Triggers.AsNoTracking().FirstAsync(t => t.Id == row.Id);
            db.Outbox.Add(Outbox.Event(TriggerEventType.Fired, sessionId, row.ConnectionId, Trigger.From(done)));
            await db.SaveChangesAsync();
            dispatcher.Signal();
        }
        triggers.Notify();
    }
}

/// <summary>When a capture ends, the triggers queued behind it on its connection are fired again.</summary>
public sealed class TriggerQueue(IDbContextFactory<BetterDbContext> contexts, TriggerJobs jobs) : IOutboxHandler
{
    public async Task HandleAsync(OutboxEvent e, CancellationToken ct)
    {
        if (e.Type != SessionEventType.Ended || e.ConnectionId is not { } connectionId) return;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var queued = await db.Triggers.Where(t => t.ConnectionId == connectionId && t.Status == TriggerStatus.Active.Word() && t.Queued && t.FireJobId == null)
            .ToListAsync(ct);
        foreach (var t in queued)
            t.FireJobId = jobs.EnqueueFire(t.Id, Trigger.Describe(t.Metric, t.AnomalyType, connectionId)) ?? "";
        if (queued.Count > 0) await db.SaveChangesAsync(ct);
    }
}
