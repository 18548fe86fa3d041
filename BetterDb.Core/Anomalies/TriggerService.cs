using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Events;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Anomalies;

/// <summary>Outbox event types of triggers (told to webhooks as <c>monitor.trigger.*</c>).</summary>
public static class TriggerEventType
{
    public const string Created = "trigger.created";
    public const string Fired = "trigger.fired";
}

/// <summary>
/// Triggers ("capture the next time this happens") and the anomalies that set them off: create, list, cancel; store what
/// the detector confirms, group it into patterns, and hand matching active triggers to their Hangfire fire job.
/// </summary>
public sealed class TriggerService(
    IDbContextFactory<BetterDbContext> contexts,
    ConnectionService connections,
    OutboxDispatcher dispatcher,
    TriggerJobs jobs,
    ILogger<TriggerService> log)
{
    public static readonly TimeSpan DefaultExpiry = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxExpiry = TimeSpan.FromDays(30);
    public const long DefaultDurationMs = 60_000;

    /// <summary>Raised after a trigger or an anomaly changed (may come from a background thread).</summary>
    public event Action? Changed;

    internal void Notify() => Changed?.Invoke();

    public static string ActiveKey(string connectionId, string metric, string anomalyType) => $"{connectionId}|{metric}|{anomalyType}";

    /// <summary>Every bad value, each naming its field (the connection is looked up too).</summary>
    public async Task<IReadOnlyList<(string Field, string Message)>> CheckAsync(TriggerInput input, CancellationToken ct = default)
    {
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(input.ConnectionId)) errors.Add(("connectionId", "connectionId is required."));
        else if (await connections.GetAsync(input.ConnectionId, ct) is null) errors.Add(("connectionId", $"There is no connection '{input.ConnectionId}'."));
        if (string.IsNullOrWhiteSpace(input.Metric)) errors.Add(("metric", $"metric is required: one of {string.Join(", ", AnomalyMetric.All)}."));
        else if (!AnomalyMetric.All.Contains(input.Metric)) errors.Add(("metric", $"Unknown metric '{input.Metric}'; the metrics are {string.Join(", ", AnomalyMetric.All)}."));
        if (input.AnomalyType is null) errors.Add(("anomalyType", "anomalyType is required: \"spike\" or \"drop\"."));
        else if (!AnomalyType.Triggerable.Contains(input.AnomalyType)) errors.Add(("anomalyType", $"anomalyType must be \"spike\" or \"drop\", not '{input.AnomalyType}'."));
        var duration = input.DurationMs ?? DefaultDurationMs;
        if (duration is < CaptureSessionService.MinDurationMs or > CaptureSessionService.MaxDurationMs)
            errors.Add(("durationMs", $"durationMs must be between {CaptureSessionService.MinDurationMs} (1 s) and {CaptureSessionService.MaxDurationMs} (24 h); got {duration}."));
        if (input.ExpiresInMs is { } expires && (expires < 1000 || expires > (long)MaxExpiry.TotalMilliseconds))
            errors.Add(("expiresInMs", $"expiresInMs must be between 1000 (1 s) and {(long)MaxExpiry.TotalMilliseconds} (30 days); got {expires}."));
        if (input.ByteCap is <= 0) errors.Add(("byteCap", "byteCap must be a positive number of bytes."));
        if (input.LineCap is <= 0) errors.Add(("lineCap", "lineCap must be a positive number of lines."));
        if (input.CreatedBy is { Length: > 200 }) errors.Add(("createdBy", "createdBy is longer than 200 characters."));
        return errors;
    }

    /// <exception cref="InvalidInputException">a bad value</exception>
    /// <exception cref="ConflictException">an active trigger for the same connection, metric and type exists (its id is the related id)</exception>
    public async Task<Trigger> CreateAsync(TriggerInput input, CancellationToken ct = default)
    {
        if ((await CheckAsync(input, ct)) is [var first, ..]) throw new InvalidInputException(first.Field, first.Message);
        var now = DateTime.UtcNow;
        var row = new TriggerEntity
        {
            Id = Guid.CreateVersion7().ToString("N"),
            ConnectionId = input.ConnectionId!,
            Metric = input.Metric!,
            AnomalyType = input.AnomalyType!,
            DurationMs = input.DurationMs ?? DefaultDurationMs,
            ByteCap = input.ByteCap,
            LineCap = input.LineCap,
            CreatedBy = string.IsNullOrWhiteSpace(input.CreatedBy) ? null : input.CreatedBy.Trim(),
            Status = TriggerStatus.Active.Word(),
            ActiveKey = ActiveKey(input.ConnectionId!, input.Metric!, input.AnomalyType!),
            CreatedAt = now,
            ExpiresAt = now + (input.ExpiresInMs is { } ms ? TimeSpan.FromMilliseconds(ms) : DefaultExpiry),
        };
        var trigger = await ViewAsync(row, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Triggers.Add(row);
        db.Outbox.Add(Outbox.Event(TriggerEventType.Created, null, row.ConnectionId, trigger));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (StorageErrors.IsUniqueViolation(ex))
        {
            await using var look = await contexts.CreateDbContextAsync(CancellationToken.None);
            var active = await look.Triggers.AsNoTracking().Where(t => t.ActiveKey == row.ActiveKey).Select(t => t.Id).FirstOrDefaultAsync(CancellationToken.None);
            throw new ConflictException($"An active trigger for {row.Metric} {row.AnomalyType} on this connection exists already.", active, "activeTriggerId");
        }
        dispatcher.Signal();
        Notify();
        return trigger;
    }

    public async Task<Trigger?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Triggers.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct) is { } row ? await ViewAsync(row, ct) : null;
    }

    public async Task<IReadOnlyList<Trigger>> ListAsync(string? connectionId = null, string? status = null, int limit = 50, int offset = 0, CancellationToken ct = default)
    {
        if (status is not null && !WireName<TriggerStatus>.TryParse(status, out _))
            throw new InvalidInputException("status", $"Unknown status '{status}'; the statuses are {WireName<TriggerStatus>.OneOf}.");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Triggers.AsNoTracking()
            .Where(t => (connectionId == null || t.ConnectionId == connectionId) && (status == null || t.Status == status))
            .OrderByDescending(t => t.CreatedAt).Skip(offset).Take(limit).ToListAsync(ct);
        var names = (await connections.ListAsync(ct)).ToDictionary(c => c.Id, c => c.Name);
        return rows.Select(r => Trigger.From(r, names.GetValueOrDefault(r.ConnectionId))).ToList();
    }

    /// <summary>Cancels an active trigger; a trigger already done stays as it ended. Null when there is no such trigger.</summary>
    public async Task<Trigger?> CancelAsync(string id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        await db.Triggers.Where(t => t.Id == id && t.Status == TriggerStatus.Active.Word()).ExecuteUpdateAsync(t => t
            .SetProperty(x => x.Status, TriggerStatus.Cancelled.Word())
            .SetProperty(x => x.ActiveKey, (string?)null)
            .SetProperty(x => x.Queued, false)
            .SetProperty(x => x.EndedAt, now), ct);
        var row = await db.Triggers.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
        if (row is null) return null;
        if (row.FireJobId is { } job) jobs.Delete(job);
        Notify();
        return await ViewAsync(row, ct);
    }

    /// <summary>Active triggers past their expiry become <c>expired</c>.</summary>
    public async Task<int> ExpireAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        var n = await db.Triggers.Where(t => t.Status == TriggerStatus.Active.Word() && t.ExpiresAt <= now && t.DetectedAt == null).ExecuteUpdateAsync(t => t
            .SetProperty(x => x.Status, TriggerStatus.Expired.Word())
            .SetProperty(x => x.ActiveKey, (string?)null)
            .SetProperty(x => x.EndedAt, now), ct);
        if (n > 0) Notify();
        return n;
    }

    /// <summary>
    /// Stores what the detector confirmed on <paramref name="connectionId"/>, joins each to the pattern of the anomalies
    /// just before it (re-diagnosing the pattern), and sets off every active trigger that waits for it: the trigger
    /// records the anomaly in the same transaction and its fire job is queued, so a restart between the two still fires it once.
    /// </summary>
    public async Task<IReadOnlyList<Anomaly>> RecordAsync(string connectionId, IReadOnlyList<DetectedAnomaly> detected, CancellationToken ct = default)
    {
        if (detected.Count == 0) return [];
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = new List<AnomalyEntity>();
        foreach (var d in detected)
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(d.Ts).UtcDateTime;
            var since = at - AnomalyPatterns.Window;
            var pattern = await db.Anomalies.Where(a => a.ConnectionId == connectionId && a.DetectedAt >= since && a.PatternId != null)
                .OrderByDescending(a => a.DetectedAt).Select(a => a.PatternId).FirstOrDefaultAsync(ct);
            var row = new AnomalyEntity
            {
                Id = Guid.CreateVersion7().ToString("N"),
                ConnectionId = connectionId,
                Metric = d.Metric,
                AnomalyType = d.AnomalyType,
                Severity = d.Severity,
                Value = d.Value,
                Mean = d.Baseline,
                StdDev = d.Spread,
                ZScore = d.ZScore,
                DetectedAt = at,
                Detail = d.Detail,
            };
            row.PatternId = pattern ?? row.Id;
            db.Anomalies.Add(row);
            rows.Add(row);
            await db.SaveChangesAsync(ct);
            var members = await db.Anomalies.Where(a => a.PatternId == row.PatternId).ToListAsync(ct);
            var diagnosis = AnomalyPatterns.Diagnose(members.Select(m => (m.Metric, m.AnomalyType)).ToHashSet());
            foreach (var m in members) m.Diagnosis = diagnosis;

            var now = DateTime.UtcNow;
            var key = ActiveKey(connectionId, d.Metric, d.AnomalyType);
            var waiting = await db.Triggers.Where(t => t.ActiveKey == key && t.Status == TriggerStatus.Active.Word() && t.DetectedAt == null && t.ExpiresAt > now).ToListAsync(ct);
            foreach (var t in waiting)
            {
                t.AnomalyId = row.Id;
                t.DetectedAt = now;
            }
            await db.SaveChangesAsync(ct);
            foreach (var t in waiting)
            {
                t.FireJobId = jobs.EnqueueFire(t.Id, Trigger.Describe(t.Metric, t.AnomalyType, (await connections.GetAsync(connectionId, ct))?.Name ?? connectionId));
                log.LogInformation("Trigger {TriggerId} set off by {Metric} {Type} on {ConnectionId}", t.Id, d.Metric, d.AnomalyType, connectionId);
            }
            await db.SaveChangesAsync(ct);
        }
        Notify();
        return rows.Select(Anomaly.From).ToList();
    }

    public async Task<IReadOnlyList<Anomaly>> AnomaliesAsync(AnomalyQuery query, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Anomalies.AsNoTracking()
            .Where(a => (query.ConnectionId == null || a.ConnectionId == query.ConnectionId)
                        && (query.Metric == null || a.Metric == query.Metric)
                        && (query.Severity == null || a.Severity == query.Severity))
            .OrderByDescending(a => a.DetectedAt).Skip(query.Offset).Take(query.Limit).ToListAsync(ct);
        return rows.Select(Anomaly.From).ToList();
    }

    public async Task<Anomaly?> AnomalyAsync(string id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Anomalies.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) is { } row ? Anomaly.From(row) : null;
    }

    private async Task<Trigger> ViewAsync(TriggerEntity row, CancellationToken ct) =>
        Trigger.From(row, (await connections.GetAsync(row.ConnectionId, ct))?.Name);
}
