using System.ComponentModel;
using System.Text.Json;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Storage;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Replay;

/// <summary>
/// Runs a queued replay as a Hangfire job on its own queue (<see cref="Queue"/>), so a replay that takes hours holds replay
/// workers only, never analysis or schedule ticks. It runs at most once: a job delivered again (a retry, a restart while
/// it ran) finds the row no longer queued, and a row left running by a process that died is marked failed rather than
/// sent twice (its writes would land twice on the target). Progress (lines read, sent, skipped, errors) is written every
/// <see cref="ProgressInterval"/>, which is also when a cancel asked for in another app process is seen.
/// </summary>
public sealed class ReplayJob(IDbContextFactory<BetterDbContext> contexts, ConnectionService connections, ReplayEngine engine, ReplayRuns runs,
    ReplayService replays, ILogger<ReplayJob> log)
{
    public const string Queue = "replays";
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    [DisplayName("Replay {0}")]
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(string replayId, CancellationToken shutdown)
    {
        var row = await ClaimAsync(replayId);
        if (row is null) return;

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        using var registration = runs.Register(replayId, cts);
        var counters = new ReplayCounters();
        using var progressStop = new CancellationTokenSource();
        var progress = WriteProgressAsync(replayId, counters, cts, progressStop.Token);
        ReplayReport? report = null;
        string? error = null;
        try
        {
            var settings = Settings(row);
            var target = await connections.GetAsync(row.TargetConnectionId, cts.Token);
            if (target is null && !settings.DryRun)
                throw new InvalidOperationException($"The target connection '{row.TargetConnectionId}' was deleted before the replay started.");
            report = await engine.RunAsync(row.SessionId, settings, target, counters, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is TargetUnreachableException or RedisServerException or InvalidOperationException or InvalidInputException)
        {
            error = ex.Message;
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Replay {ReplayId} failed", replayId);
            error = $"{ex.GetType().Name}: {ex.Message}";
        }
        finally
        {
            await progressStop.CancelAsync();
            await progress;
        }

        var status = error is not null ? ReplayStatus.Failed
            : shutdown.IsCancellationRequested ? ReplayStatus.Failed
            : cts.IsCancellationRequested || report?.Cancelled == true ? ReplayStatus.Cancelled
            : ReplayStatus.Completed;
        if (error is null && shutdown.IsCancellationRequested) error = "app_shutdown: the app stopped while the replay ran; it is not resumed (its writes would land twice)";
        await FinishAsync(replayId, status, counters, report, error);
        log.LogInformation("Replay {ReplayId} {Status}: {Sent} sent, {Skipped} skipped, {Errors} errors", replayId, status.Word(), counters.Sent,
            counters.Skipped, counters.Errors);
    }

    /// <summary>Moves the row from queued to running; null when it is not this run's to do.</summary>
    private async Task<ReplayEntity?> ClaimAsync(string id)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var claimed = await db.Replays.Where(r => r.Id == id && r.Status == ReplayStatus.Queued.Word())
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.Status, ReplayStatus.Running.Word()).SetProperty(x => x.StartedAt, now)
                .SetProperty(x => x.HeartbeatAt, now));
        if (claimed == 1)
        {
            replays.Notify(id);
            return await db.Replays.AsNoTracking().FirstAsync(r => r.Id == id);
        }
        // Still running: the process that ran it died (this is Hangfire delivering the job again).
        var interrupted = await db.Replays.Where(r => r.Id == id && r.Status == ReplayStatus.Running.Word())
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.Status, ReplayStatus.Failed.Word()).SetProperty(x => x.EndedAt, now)
                .SetProperty(x => x.Error, ReplayReclaim.Interrupted));
        if (interrupted == 1) replays.Notify(id);
        return null;
    }

    private static ReplaySettings Settings(ReplayEntity row) => new()
    {
        Pace = ReplayPace.TryParse(row.Pace, out var pace) ? pace : ReplayPace.Original,
        Connections = ReplayConcurrency.TryParse(row.Connections, out var c) ? c : ReplayConcurrency.PerClient,
        DryRun = row.DryRun,
        Denylist = ReplayDenylist.Create(JsonSerializer.Deserialize<List<string>>(row.Denylist)),
        MaxBlockMs = row.MaxBlockMs,
        Filter = ReplayService.ParseFilter(row.Filter),
    };

    private async Task WriteProgressAsync(string id, ReplayCounters counters, CancellationTokenSource run, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(ProgressInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await using var db = await contexts.CreateDbContextAsync(stop);
                var now = DateTime.UtcNow;
                await db.Replays.Where(r => r.Id == id).ExecuteUpdateAsync(r => r.SetProperty(x => x.HeartbeatAt, now)
                    .SetProperty(x => x.LinesRead, counters.LinesRead).SetProperty(x => x.Sent, counters.Sent)
                    .SetProperty(x => x.Skipped, counters.Skipped).SetProperty(x => x.Errors, counters.Errors), stop);
                if (await db.Replays.AsNoTracking().Where(r => r.Id == id).Select(r => r.CancelRequested).FirstOrDefaultAsync(stop))
                    await run.CancelAsync();
                replays.Notify(id);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Progress is a courtesy: the run goes on, and its end is written all the same.
            log.LogWarning(ex, "Could not write the progress of replay {ReplayId}", id);
        }
    }

    private async Task FinishAsync(string id, ReplayStatus status, ReplayCounters counters, ReplayReport? report, string? error)
    {
        var json = report is null ? null : JsonSerializer.Serialize(report, ReplayRun.ReportJson);
        var now = DateTime.UtcNow;
        await using var db = await contexts.CreateDbContextAsync();
        await db.Replays.Where(r => r.Id == id).ExecuteUpdateAsync(r => r
            .SetProperty(x => x.Status, status.Word()).SetProperty(x => x.EndedAt, now).SetProperty(x => x.Error, error)
            .SetProperty(x => x.LinesRead, counters.LinesRead).SetProperty(x => x.Sent, counters.Sent)
            .SetProperty(x => x.Skipped, counters.Skipped).SetProperty(x => x.Errors, counters.Errors)
            .SetProperty(x => x.ReportJson, json));
        replays.Notify(id);
    }
}
