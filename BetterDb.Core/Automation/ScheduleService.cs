using System.Globalization;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Automation;

/// <summary>
/// Creates, validates, changes and deletes capture schedules, and keeps their Hangfire jobs in step with the table:
/// after every change, and at every start (<see cref="ReconcileAsync"/>), so a schedule survives restarts and a job
/// never outlives its schedule. What a tick does is <see cref="ScheduleTicker"/>'s.
/// </summary>
public sealed class ScheduleService(IDbContextFactory<BetterDbContext> contexts, ConnectionService connections, ScheduleJobs jobs,
    ILogger<ScheduleService> log)
{
    public const int NextFiresShown = 5;
    public const int MaxCreatedByLength = 200;

    /// <summary>Raised with a schedule's id after it was created, changed, deleted or ticked (may come from a background thread).</summary>
    public event Action<string>? Changed;

    internal void Notify(string scheduleId) => Changed?.Invoke(scheduleId);

    /// <summary>Every bad value of <paramref name="input"/>, each naming its field; empty when it is valid. Does not look up the connection.</summary>
    public IReadOnlyList<ScheduleFieldError> Check(ScheduleInput input)
    {
        var errors = new List<ScheduleFieldError>();
        if (string.IsNullOrWhiteSpace(input.ConnectionId)) errors.Add(new("connectionId", "connectionId is required."));
        var cadence = ScheduleCadence.TryParse(input.IntervalSeconds, input.CronExpression, input.TimeZone, out var cadenceErrors);
        errors.AddRange(cadenceErrors);
        var duration = input.DurationMs ?? CaptureSessionService.DefaultDurationMs;
        if (duration is < CaptureSessionService.MinDurationMs or > CaptureSessionService.MaxDurationMs)
            errors.Add(new("durationMs", $"durationMs must be between {CaptureSessionService.MinDurationMs} (1 s) and {CaptureSessionService.MaxDurationMs} (24 h); got {duration}."));
        else if (cadence?.IntervalSeconds is { } interval && duration >= interval * 1000L)
            errors.Add(new("durationMs", $"durationMs ({duration}) must be shorter than the interval ({interval} s), or every other tick finds the last capture still running."));
        if (input.ByteCap is <= 0) errors.Add(new("byteCap", "byteCap must be a positive number of bytes."));
        if (input.LineCap is <= 0) errors.Add(new("lineCap", "lineCap must be a positive number of lines."));
        if (input.CreatedBy is { Length: > MaxCreatedByLength }) errors.Add(new("createdBy", $"createdBy is longer than {MaxCreatedByLength} characters."));
        return errors;
    }

    /// <summary>The words and next fire times of a cadence as typed (an interval's grid starts now), or why it is not valid.</summary>
    public static CadencePreview Preview(int? intervalSeconds, string? cronExpression, string? timeZone, int count = NextFiresShown)
    {
        var cadence = ScheduleCadence.TryParse(intervalSeconds, cronExpression, timeZone, out var errors);
        if (cadence is null) return new CadencePreview(null, [], errors);
        var now = DateTime.UtcNow;
        return new CadencePreview(cadence.Describe(), cadence.Occurrences(now, now).Take(count).ToList(), []);
    }

    /// <exception cref="InvalidInputException">a bad value (the first; <see cref="Check"/> lists them all)</exception>
    /// <exception cref="KeyNotFoundException">no such connection</exception>
    public async Task<Schedule> CreateAsync(ScheduleInput input, CancellationToken ct = default)
    {
        ThrowIfInvalid(input);
        var profile = await RequireConnectionAsync(input.ConnectionId!, ct);
        var now = DateTime.UtcNow;
        var row = new ScheduleEntity
        {
            Id = Guid.CreateVersion7().ToString("N"),
            ConnectionId = input.ConnectionId!,
            TimeZone = "UTC",
            CreatedBy = Blank(input.CreatedBy),
            CreatedAt = now,
            Enabled = input.Enabled ?? true,
        };
        Assign(row, input, now, cadenceChanged: true);
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            db.Schedules.Add(row);
            await db.SaveChangesAsync(ct);
        }
        await ApplyJobsAsync(row, profile.Name, replacePending: true, ct, fresh: true);
        log.LogInformation("Schedule {ScheduleId} created: {Description}", row.Id, Describe(row, profile.Name));
        Notify(row.Id);
        return View(row, profile.Name, DateTime.UtcNow);
    }

    /// <summary>Replaces a schedule's connection, cadence, duration and caps (and <c>enabled</c> when given); null when there is no such schedule.</summary>
    /// <exception cref="InvalidInputException">a bad value</exception>
    /// <exception cref="KeyNotFoundException">no such connection</exception>
    public async Task<Schedule?> UpdateAsync(string id, ScheduleInput input, CancellationToken ct = default)
    {
        ThrowIfInvalid(input);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Schedules.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (row is null) return null;
        var profile = await RequireConnectionAsync(input.ConnectionId!, ct);
        var cadence = ScheduleCadence.Parse(input.IntervalSeconds, input.CronExpression, input.TimeZone);
        var cadenceChanged = row.IntervalSeconds != cadence.IntervalSeconds || row.CronExpression != cadence.CronExpression || row.TimeZone != cadence.TimeZoneId;
        var now = DateTime.UtcNow;
        row.ConnectionId = input.ConnectionId!;
        if (input.Enabled is { } enabled) row.Enabled = enabled;
        Assign(row, input, now, cadenceChanged);
        await db.SaveChangesAsync(ct);
        await ApplyJobsAsync(row, profile.Name, replacePending: true, ct, fresh: cadenceChanged);
        Notify(row.Id);
        return View(row, profile.Name, DateTime.UtcNow);
    }

    /// <summary>Enables or disables a schedule (a disabled one has no job at all); null when there is no such schedule.</summary>
    public async Task<Schedule?> SetEnabledAsync(string id, bool enabled, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Schedules.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (row is null) return null;
        var name = await ConnectionNameAsync(row.ConnectionId, ct);
        if (row.Enabled != enabled)
        {
            row.Enabled = enabled;
            row.UpdatedAt = DateTime.UtcNow;
            await db.SaveChangesAsync(ct);
            await ApplyJobsAsync(row, name, replacePending: true, ct);
            Notify(row.Id);
        }
        return View(row, name, DateTime.UtcNow);
    }

    /// <summary>Deletes a schedule and its jobs; the sessions it made stay (they keep its id).</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Schedules.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (row is null) return false;
        db.Schedules.Remove(row);
        await db.SaveChangesAsync(ct);
        jobs.RemoveRecurring(id);
        jobs.DeleteTick(row.PendingJobId);
        log.LogInformation("Schedule {ScheduleId} deleted", id);
        Notify(id);
        return true;
    }

    public async Task<Schedule?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        return row is null ? null : View(row, await ConnectionNameAsync(row.ConnectionId, ct), DateTime.UtcNow);
    }

    /// <summary>Schedules in the order they were made, of one connection or (null) of all.</summary>
    public async Task<IReadOnlyList<Schedule>> ListAsync(string? connectionId = null, int limit = 50, int offset = 0, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var q = db.Schedules.AsNoTracking();
        if (!string.IsNullOrEmpty(connectionId)) q = q.Where(s => s.ConnectionId == connectionId);
        var rows = await q.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).Skip(offset).Take(limit).ToListAsync(ct);
        var names = (await connections.ListAsync(ct)).ToDictionary(c => c.Id, c => c.Name);
        var now = DateTime.UtcNow;
        return rows.Select(r => View(r, names.GetValueOrDefault(r.ConnectionId), now)).ToList();
    }

    /// <summary>
    /// Makes Hangfire's jobs match the table (at start, and safe to repeat, in any number of app processes): each
    /// enabled schedule gets its recurring job (with today's description) or a pending delayed tick; jobs of deleted
    /// or disabled schedules go.
    /// </summary>
    public async Task ReconcileAsync(CancellationToken ct = default)
    {
        if (!jobs.Available) return;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Schedules.ToListAsync(ct);
        var names = (await connections.ListAsync(ct)).ToDictionary(c => c.Id, c => c.Name);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            try
            {
                if (row.Enabled && ScheduleJobKind.Of(CadenceOf(row), row) == ScheduleJobKind.Recurring) keep.Add(row.Id);
                ApplyJobs(row, names.GetValueOrDefault(row.ConnectionId), replacePending: false);
            }
            catch (Exception ex) when (ex is InvalidInputException or ArgumentException)
            {
                // A zone this machine no longer knows, say: the schedule stays, visibly not firing.
                log.LogWarning("Schedule {ScheduleId} cannot be registered: {Message}", row.Id, ex.Message);
            }
        }
        await db.SaveChangesAsync(ct);
        var candidates = jobs.RecurringScheduleIds().Where(id => !keep.Contains(id)).ToList();
        // Read again: a schedule created (or enabled) since the rows above were read has its job already and keeps it.
        List<string> current = candidates.Count == 0 ? [] : await db.Schedules.AsNoTracking()
            .Where(s => candidates.Contains(s.Id) && s.Enabled).Select(s => s.Id).ToListAsync(ct);
        foreach (var orphan in candidates.Except(current))
        {
            jobs.RemoveRecurring(orphan);
            log.LogInformation("Removed the recurring job of schedule {ScheduleId}: it no longer exists or is disabled", orphan);
        }
    }

    private async Task ApplyJobsAsync(ScheduleEntity row, string? connectionName, bool replacePending, CancellationToken ct, bool fresh = false)
    {
        var before = (row.PendingJobId, row.PendingDueAt);
        ApplyJobs(row, connectionName, replacePending, fresh);
        if ((row.PendingJobId, row.PendingDueAt) == before) return;
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Schedules.Where(s => s.Id == row.Id).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.PendingJobId, row.PendingJobId)
            .SetProperty(x => x.PendingDueAt, row.PendingDueAt), ct);
    }

    /// <summary>
    /// Registers what <paramref name="row"/> needs with Hangfire and records a delayed tick's job on the row (not saved).
    /// <paramref name="fresh"/> (a new cadence) replaces the recurring job rather than updating it, so Hangfire computes its
    /// first run from now, not from the old cadence's last run (which could make it fire at once).
    /// </summary>
    private void ApplyJobs(ScheduleEntity row, string? connectionName, bool replacePending, bool fresh = false)
    {
        if (!jobs.Available) return;
        var cadence = CadenceOf(row);
        var cron = cadence.HangfireCron(row.AnchorAt);
        if (!row.Enabled || cron is not null)
        {
            jobs.DeleteTick(row.PendingJobId);
            row.PendingJobId = null;
            row.PendingDueAt = null;
            if (!row.Enabled || fresh) jobs.RemoveRecurring(row.Id);
            if (row.Enabled) jobs.AddOrUpdateRecurring(row.Id, Describe(row, connectionName), cron!, cadence.HangfireZone);
            return;
        }
        jobs.RemoveRecurring(row.Id);
        if (!replacePending && jobs.IsPending(row.PendingJobId)) return;
        jobs.DeleteTick(row.PendingJobId);
        var due = cadence.Next(DateTime.UtcNow, row.AnchorAt)!.Value;
        row.PendingJobId = jobs.ScheduleTick(row.Id, Describe(row, connectionName), due);
        row.PendingDueAt = due;
    }

    /// <summary>Schedules the next tick of a delayed-job cadence after the one that just ran claimed its turn (see <see cref="ScheduleTicker"/>).</summary>
    internal async Task ScheduleNextTickAsync(ScheduleEntity row, CancellationToken ct)
    {
        var cadence = CadenceOf(row);
        var due = cadence.Next(DateTime.UtcNow, row.AnchorAt)!.Value;
        var jobId = jobs.ScheduleTick(row.Id, Describe(row, await ConnectionNameAsync(row.ConnectionId, ct)), due);
        await using var db = await contexts.CreateDbContextAsync(ct);
        // Only if nothing else (an edit, a disable) placed a tick meanwhile.
        var placed = await db.Schedules.Where(s => s.Id == row.Id && s.Enabled && s.PendingJobId == null).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.PendingJobId, jobId)
            .SetProperty(x => x.PendingDueAt, due), ct);
        if (placed == 0) jobs.DeleteTick(jobId);
    }

    private void ThrowIfInvalid(ScheduleInput input)
    {
        if (Check(input) is [var first, ..]) throw new InvalidInputException(first.Field, first.Message);
    }

    private static void Assign(ScheduleEntity row, ScheduleInput input, DateTime now, bool cadenceChanged)
    {
        var cadence = ScheduleCadence.Parse(input.IntervalSeconds, input.CronExpression, input.TimeZone);
        row.IntervalSeconds = cadence.IntervalSeconds;
        row.CronExpression = cadence.CronExpression;
        row.TimeZone = cadence.TimeZoneId;
        row.DurationMs = input.DurationMs ?? CaptureSessionService.DefaultDurationMs;
        row.ByteCap = input.ByteCap;
        row.LineCap = input.LineCap;
        row.UpdatedAt = now;
        // An interval counts from when it was set: a new cadence starts a new grid. One second back, so the grid point
        // at the anchor is already past for Hangfire too (it takes occurrences from a second before a job's creation)
        // and the first tick is one interval on.
        if (cadenceChanged) row.AnchorAt = ScheduleCadence.WholeSeconds(now).AddSeconds(-1);
    }

    internal static ScheduleCadence CadenceOf(ScheduleEntity row) =>
        ScheduleCadence.Parse(row.IntervalSeconds, row.CronExpression, row.TimeZone);

    private async Task<ConnectionProfile> RequireConnectionAsync(string connectionId, CancellationToken ct) =>
        await connections.GetAsync(connectionId, ct) ?? throw new KeyNotFoundException($"No connection '{connectionId}'.");

    private async Task<string?> ConnectionNameAsync(string connectionId, CancellationToken ct) =>
        (await connections.GetAsync(connectionId, ct))?.Name;

    /// <summary>"Capture 30 s every hour, connection prod-1": the Hangfire job's name.</summary>
    internal static string Describe(ScheduleEntity row, string? connectionName)
    {
        string cadence;
        try { cadence = CadenceOf(row).Describe(); }
        catch (InvalidInputException ex) { cadence = $"(not valid: {ex.Message})"; }
        return $"Capture {Duration(row.DurationMs)} {cadence}, connection {connectionName ?? row.ConnectionId}";
    }

    /// <summary>30000 -> "30 s", 300000 -> "5 min", 3600000 -> "1 h", 1500 -> "1.5 s".</summary>
    public static string Duration(long ms)
    {
        if (ms % 3_600_000 == 0) return $"{ms / 3_600_000} h";
        if (ms % 60_000 == 0) return $"{ms / 60_000} min";
        return (ms / 1000.0).ToString("0.###", CultureInfo.InvariantCulture) + " s";
    }

    internal static Schedule View(ScheduleEntity row, string? connectionName, DateTime now)
    {
        ScheduleCadence? cadence = null;
        string words;
        try
        {
            cadence = CadenceOf(row);
            words = cadence.Describe();
        }
        catch (InvalidInputException ex)
        {
            words = $"not valid here: {ex.Message}";
        }
        var next = row.Enabled && cadence is not null ? cadence.Occurrences(now, row.AnchorAt).Take(NextFiresShown).ToList() : [];
        return new Schedule
        {
            Id = row.Id,
            ConnectionId = row.ConnectionId,
            IntervalSeconds = row.IntervalSeconds,
            CronExpression = row.CronExpression,
            TimeZone = row.TimeZone,
            DurationMs = row.DurationMs,
            ByteCap = row.ByteCap,
            LineCap = row.LineCap,
            Enabled = row.Enabled,
            CreatedBy = row.CreatedBy,
            CreatedAt = row.CreatedAt,
            UpdatedAt = row.UpdatedAt,
            LastFiredAt = row.LastFiredAt,
            LastSessionId = row.LastSessionId,
            LastSkippedAt = row.LastSkippedAt,
            LastSkipReason = row.LastSkipReason,
            NextFireAt = next.Count > 0 ? next[0] : null,
            NextFires = next,
            Cadence = words,
            Description = Describe(row, connectionName),
            JobKind = cadence is not null ? ScheduleJobKind.Of(cadence, row) : ScheduleJobKind.Recurring,
        };
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
