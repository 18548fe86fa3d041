using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Automation;

/// <summary>Why a tick started no capture, beyond the health gate's own reasons (<see cref="SkipReasons"/>).</summary>
public static class ScheduleSkipReasons
{
    /// <summary>The connection already had a running capture (one capture per connection).</summary>
    public const string SessionAlreadyActive = "session_already_active";
    /// <summary>The schedule's connection was deleted.</summary>
    public const string ConnectionNotFound = "connection_not_found";
    /// <summary>The tick ran long after its time (the app was stopped while it waited, say): a capture then is not what was asked for.</summary>
    public const string TickLate = "tick_late";
}

/// <summary>
/// One tick of a schedule, as its Hangfire job runs it: claim the tick in the database (so a job delivered twice, or a
/// stale one, does nothing), ask the health gate, start the capture; record what happened on the schedule, and a
/// <c>skipped</c> session when the gate is closed or the connection busy.
/// </summary>
public sealed class ScheduleTicker(IDbContextFactory<BetterDbContext> contexts, ScheduleService schedules, CaptureSessionService sessions,
    GatedCaptureStart starter, ILogger<ScheduleTicker> log)
{
    /// <summary>A tick that starts this much after its time is skipped (<see cref="ScheduleSkipReasons.TickLate"/>).</summary>
    public static readonly TimeSpan LateLimit = TimeSpan.FromMinutes(5);

    /// <param name="jobId">the Hangfire job running the tick</param>
    /// <param name="recurringJobId">the recurring job that made it; null for a delayed tick</param>
    /// <param name="createdAt">when the job was made: a recurring tick's time</param>
    public async Task TickAsync(string scheduleId, string jobId, string? recurringJobId, DateTime createdAt, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == scheduleId, ct);
        if (row is null || !row.Enabled)
        {
            log.LogInformation("Tick of schedule {ScheduleId} ignored: it {State}", scheduleId, row is null ? "no longer exists" : "is disabled");
            return;
        }

        var cadence = ScheduleService.CadenceOf(row);
        var delayed = ScheduleJobKind.Of(cadence, row) == ScheduleJobKind.Delayed;
        DateTime due;
        int claimed;
        if (delayed)
        {
            // Only the pending tick the row names may run; it hands over to the next one.
            due = row.PendingDueAt ?? createdAt;
            claimed = await db.Schedules.Where(s => s.Id == scheduleId && s.Enabled && s.PendingJobId == jobId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.PendingJobId, (string?)null).SetProperty(x => x.LastTickJobId, jobId), ct);
            if (claimed == 1) await schedules.ScheduleNextTickAsync(row, ct);
        }
        else
        {
            if (recurringJobId != ScheduleJobs.RecurringId(scheduleId))
            {
                log.LogInformation("Tick {JobId} of schedule {ScheduleId} ignored: the schedule now ticks by its recurring job", jobId, scheduleId);
                return;
            }
            due = createdAt;
            claimed = await db.Schedules.Where(s => s.Id == scheduleId && s.Enabled && (s.LastTickJobId == null || s.LastTickJobId != jobId))
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastTickJobId, jobId), ct);
        }
        if (claimed == 0)
        {
            log.LogInformation("Tick {JobId} of schedule {ScheduleId} ignored: it already ran, or another tick replaced it", jobId, scheduleId);
            return;
        }

        if (DateTime.UtcNow - due > LateLimit)
        {
            await RecordSkipAsync(scheduleId, ScheduleSkipReasons.TickLate, ct);
            return;
        }

        var request = new StartCaptureRequest
        {
            ConnectionId = row.ConnectionId,
            DurationMs = row.DurationMs,
            ByteCap = row.ByteCap,
            LineCap = row.LineCap,
            RequestedBy = row.CreatedBy,
            Source = CaptureSource.Schedule,
            ScheduleId = row.Id,
        };
        switch (await starter.StartAsync(request, ct))
        {
            case GatedStart.Started started:
                await RecordFireAsync(scheduleId, started.Session.Id, ct);
                log.LogInformation("Schedule {ScheduleId} started capture {SessionId}", scheduleId, started.Session.Id);
                break;
            case GatedStart.GateClosed closed:
                log.LogInformation("Schedule {ScheduleId} skipped a tick: {Reason} (session {SessionId})", scheduleId, closed.Reason, closed.Skipped.Id);
                await RecordSkipAsync(scheduleId, closed.Reason, ct);
                break;
            case GatedStart.Busy busy:
                var skipped = await sessions.RecordSkippedAsync(request, ScheduleSkipReasons.SessionAlreadyActive, ct);
                log.LogInformation("Schedule {ScheduleId} skipped a tick: capture {Running} is running (session {SessionId})", scheduleId, busy.RunningSessionId, skipped.Id);
                await RecordSkipAsync(scheduleId, ScheduleSkipReasons.SessionAlreadyActive, ct);
                break;
            case GatedStart.NoConnection:
                await RecordSkipAsync(scheduleId, ScheduleSkipReasons.ConnectionNotFound, ct);
                break;
            case GatedStart.NotNow notNow:
                // The app is shutting down: no capture now, and nothing to record against the schedule.
                log.LogInformation("Schedule {ScheduleId} tick not run: {Message}", scheduleId, notNow.Why);
                break;
        }
    }

    private async Task RecordFireAsync(string scheduleId, string sessionId, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Schedules.Where(s => s.Id == scheduleId).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.LastFiredAt, now)
            .SetProperty(x => x.LastSessionId, sessionId), ct);
        schedules.Notify(scheduleId);
    }

    private async Task RecordSkipAsync(string scheduleId, string reason, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Schedules.Where(s => s.Id == scheduleId).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.LastSkippedAt, now)
            .SetProperty(x => x.LastSkipReason, reason), ct);
        schedules.Notify(scheduleId);
    }
}
