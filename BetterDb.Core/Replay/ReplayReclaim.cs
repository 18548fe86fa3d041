using BetterDb.Core.Configuration;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Replay;

/// <summary>
/// Ends replays whose app process died: a running replay writes its progress (and heartbeat) every half second, so one
/// silent for the captures' heartbeat timeout (<see cref="StorageOptions.HeartbeatTimeout"/>, 30 s) has no process any more. It is marked failed, not resumed: its writes would land
/// twice on the target. The database decides, so several app processes sharing it agree; checked at start and then
/// every <see cref="Interval"/>.
/// </summary>
public sealed class ReplayReclaim(IDbContextFactory<BetterDbContext> contexts, ReplayService replays, IOptions<StorageOptions> storage,
    ILogger<ReplayReclaim> log) : BackgroundService
{
    private readonly TimeSpan _staleAfter = storage.Value.HeartbeatTimeout;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    public const string Interrupted = "interrupted: the app process running the replay stopped; it is not resumed (its writes would land twice)";

    /// <summary>Marks every stale running replay failed; how many it found.</summary>
    public async Task<int> ReclaimAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        var before = now - _staleAfter;
        var running = ReplayStatus.Running.Word();
        var stale = await db.Replays.Where(r => r.Status == running && (r.HeartbeatAt == null || r.HeartbeatAt < before)).Select(r => r.Id).ToListAsync(ct);
        foreach (var id in stale)
        {
            // Still stale at the moment of the update: a process that just wrote its progress keeps its replay.
            var n = await db.Replays.Where(r => r.Id == id && r.Status == running && (r.HeartbeatAt == null || r.HeartbeatAt < before))
                .ExecuteUpdateAsync(r => r.SetProperty(x => x.Status, ReplayStatus.Failed.Word()).SetProperty(x => x.EndedAt, now)
                    .SetProperty(x => x.Error, Interrupted), ct);
            if (n == 0) continue;
            log.LogWarning("Replay {ReplayId} had no sign of life for {Seconds} s: marked failed (interrupted)", id, _staleAfter.TotalSeconds);
            replays.Notify(id);
        }
        return stale.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try { await ReclaimAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception ex) { log.LogWarning(ex, "Could not look for interrupted replays"); }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
