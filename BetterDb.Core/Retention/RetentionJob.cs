using System.ComponentModel;
using System.Data.Common;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.History;
using BetterDb.Core.Storage;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Retention;

/// <summary>What one retention run deleted; <see cref="Summary"/> is the job's result on <c>/hangfire</c> and its log line.</summary>
public sealed record RetentionReport(
    IReadOnlyList<string> SessionsByAge, IReadOnlyList<string> SessionsBySize, long SessionBytes, int Chunks, int Analyses,
    int WebhookDeliveries, int HistoryRows, long StillOverBytes, string Compaction)
{
    public int Sessions => SessionsByAge.Count + SessionsBySize.Count;

    public string Summary =>
        $"Deleted {Sessions} session(s) ({SessionsByAge.Count} by age, {SessionsBySize.Count} by total size; {Chunks} chunk(s), " +
        $"{SessionBytes} stored bytes, {Analyses} analysis), {WebhookDeliveries} webhook delivery log(s), {HistoryRows} history row(s)." +
        (StillOverBytes > 0 ? $" Still {StillOverBytes} bytes over the size limit: what is left is kept or running." : "") +
        $" {Compaction}";
}

/// <summary>
/// The recurring retention job (<c>retention</c> on <c>/hangfire</c>): deletes sessions older than
/// <c>SessionMaxAgeDays</c> and, oldest first, those beyond <c>SessionMaxTotalBytes</c>, with their chunks and analysis;
/// finished webhook deliveries older than <c>WebhookDeliveryMaxAgeDays</c>; instance history older than
/// <c>BetterDb:History:RetentionDays</c> (the history store's own prune). Never a running session or one marked keep;
/// triggers and schedules are never deleted. Then compacts the SQLite file when the prune left much of it free.
/// </summary>
public sealed class RetentionJob(
    IDbContextFactory<BetterDbContext> contexts,
    CaptureSessionService sessions,
    IOptions<RetentionOptions> options,
    IServiceProvider services,
    ILogger<RetentionJob> log)
{
    public const string RecurringId = "retention";

    [DisplayName("Retention: delete old sessions, webhook delivery logs and history; compact the database")]
    [AutomaticRetry(Attempts = 0)] // the next run retries anyway
    [DisableConcurrentExecution(timeoutInSeconds: 600)] // several app processes: one prune at a time
    public async Task<string> RunAsync(CancellationToken ct)
    {
        var report = await PruneAsync(DateTime.UtcNow, ct);
        return report.Summary;
    }

    public async Task<RetentionReport> PruneAsync(DateTime now, CancellationToken ct = default)
    {
        var o = options.Value;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var all = await db.Sessions.AsNoTracking()
            .Select(s => new { s.Id, s.Status, s.RunningKey, s.Keep, s.Source, s.StartedAt, s.EndedAt, s.ImportedAt })
            .ToListAsync(ct);
        var stored = await db.Chunks.GroupBy(c => c.SessionId)
            .Select(g => new { SessionId = g.Key, Bytes = g.Sum(c => (long)c.Data.Length), Count = g.Count() })
            .ToDictionaryAsync(x => x.SessionId, ct);
        long Bytes(string id) => stored.TryGetValue(id, out var s) ? s.Bytes : 0;

        // Oldest first by when it ended (an import: when it was imported, whatever the times inside the file).
        var candidates = all
            .Where(s => !s.Keep && s.RunningKey is null && s.Status != CaptureStatus.Running.Word())
            .Select(s => (s.Id, At: s.ImportedAt ?? s.EndedAt ?? s.StartedAt))
            .OrderBy(s => s.At).ThenBy(s => s.Id, StringComparer.Ordinal)
            .ToList();
        var byAge = new List<string>();
        var bySize = new List<string>();
        long deletedBytes = 0;
        var chunks = 0;
        var analyses = 0;

        async Task<bool> DeleteAsync(string id)
        {
            // Looked at again just before: marked keep, or started (an id is never reused), since the list was read.
            await using var check = await contexts.CreateDbContextAsync(ct);
            if (!await check.Sessions.AnyAsync(s => s.Id == id && !s.Keep && s.RunningKey == null && s.Status != CaptureStatus.Running.Word(), ct)) return false;
            analyses += await check.Analyses.CountAsync(a => a.SessionId == id, ct);
            if (!await sessions.DeleteAsync(id, ct)) return false;
            deletedBytes += Bytes(id);
            chunks += stored.TryGetValue(id, out var s) ? s.Count : 0;
            return true;
        }

        var remaining = new List<(string Id, DateTime At)>();
        var cutoff = now.AddDays(-o.SessionMaxAgeDays);
        foreach (var s in candidates)
        {
            if (o.SessionMaxAgeDays > 0 && s.At < cutoff)
            {
                if (await DeleteAsync(s.Id)) byAge.Add(s.Id);
            }
            else remaining.Add(s);
        }

        var total = stored.Values.Sum(s => s.Bytes) - deletedBytes;
        if (o.SessionMaxTotalBytes > 0)
        {
            foreach (var s in remaining)
            {
                if (total <= o.SessionMaxTotalBytes) break;
                if (!await DeleteAsync(s.Id)) continue;
                bySize.Add(s.Id);
                total -= Bytes(s.Id);
            }
        }
        var stillOver = o.SessionMaxTotalBytes > 0 ? Math.Max(0, total - o.SessionMaxTotalBytes) : 0;

        var deliveries = 0;
        if (o.WebhookDeliveryMaxAgeDays > 0)
        {
            var deliveryCutoff = now.AddDays(-o.WebhookDeliveryMaxAgeDays);
            deliveries = await db.WebhookDeliveries.Where(d => d.CreatedAt < deliveryCutoff && d.Status != "pending").ExecuteDeleteAsync(ct);
        }

        // The history's own prune (also run by the collectors): old samples and the boundary snapshots of deleted sessions.
        var historyRows = 0;
        if (services.GetService<HistoryStore>() is { } history && services.GetService<IOptions<HistoryOptions>>() is { } historyOptions)
            historyRows = await history.PruneAsync(new DateTimeOffset(now).Add(-historyOptions.Value.RetentionPeriod).ToUnixTimeMilliseconds(), ct);

        var compaction = await CompactAsync(db, o.CompactAfterFreeBytes, ct);
        var report = new RetentionReport(byAge, bySize, deletedBytes, chunks, analyses, deliveries, historyRows, stillOver, compaction);
        log.LogInformation("Retention: {Summary}", report.Summary);
        return report;
    }

    /// <summary>
    /// Gives the free pages back to the file system once at least <paramref name="threshold"/> bytes are free. A database
    /// made before auto_vacuum was set (auto_vacuum NONE) is converted once with VACUUM; after that, and for every
    /// database made since, PRAGMA incremental_vacuum is enough (it does not rewrite the whole file).
    /// </summary>
    private static async Task<string> CompactAsync(BetterDbContext db, long threshold, CancellationToken ct)
    {
        if (!db.Database.IsSqlite()) return "Compaction: left to the database server (PostgreSQL autovacuum).";
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var pageSize = await ScalarAsync(connection, "PRAGMA page_size", ct);
            var before = await ScalarAsync(connection, "PRAGMA page_count", ct);
            var free = await ScalarAsync(connection, "PRAGMA freelist_count", ct);
            if (free == 0 || free * pageSize < threshold)
                return $"Compaction: not needed ({free * pageSize} free bytes, threshold {threshold}).";
            var mode = await ScalarAsync(connection, "PRAGMA auto_vacuum", ct);
            string how;
            switch (mode)
            {
                case 2:
                    await ExecuteAsync(connection, "PRAGMA incremental_vacuum", ct);
                    how = "incremental_vacuum";
                    break;
                case 1:
                    how = "auto_vacuum FULL";
                    break;
                default:
                    await ExecuteAsync(connection, "PRAGMA auto_vacuum=INCREMENTAL", ct);
                    await ExecuteAsync(connection, "VACUUM", ct);
                    how = "VACUUM (converted to auto_vacuum INCREMENTAL)";
                    break;
            }
            await ExecuteAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE)", ct);
            var after = await ScalarAsync(connection, "PRAGMA page_count", ct);
            return $"Compaction: {how}, {(before - after) * pageSize} bytes given back ({before} -> {after} pages).";
        }
        catch (DbException ex)
        {
            // Busy with a long capture's writes, for instance: the next run tries again.
            return $"Compaction: deferred ({ex.Message}).";
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct));
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 600;
        await using var reader = await cmd.ExecuteReaderAsync(ct); // incremental_vacuum and wal_checkpoint return rows
        while (await reader.ReadAsync(ct)) { }
    }
}

/// <summary>Adds (or, when turned off, removes) the recurring job at start. Without Hangfire (component tests) nothing happens.</summary>
internal sealed class RetentionSchedule(IServiceProvider services, IOptions<RetentionOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        if (services.GetService<IRecurringJobManager>() is not { } recurring) return Task.CompletedTask;
        var o = options.Value;
        if (o.Enabled)
            recurring.AddOrUpdate<RetentionJob>(RetentionJob.RecurringId, j => j.RunAsync(CancellationToken.None), o.Cron,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc, MisfireHandling = MisfireHandlingMode.Relaxed });
        else
            recurring.RemoveIfExists(RetentionJob.RecurringId);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

public static class RetentionServiceCollectionExtensions
{
    public static IServiceCollection AddBetterDbRetention(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        services.AddSingleton<RetentionJob>();
        services.AddHostedService<RetentionSchedule>();
        return services;
    }
}
