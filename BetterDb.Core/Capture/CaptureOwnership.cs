using BetterDb.Core.Configuration;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Capture;

/// <summary>This app process, as it signs the sessions it runs: <c>machine/pid/nonce</c>.</summary>
public sealed record AppInstance(string Id)
{
    /// <summary>Where this process serves its UI (<c>BetterDb:PublicUrl</c>, else the address it listens on), once known.</summary>
    public string? Url { get; set; }

    public static AppInstance ForThisProcess() =>
        new($"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}");

    /// <summary>Whether <paramref name="owner"/> is certainly gone: a process of this machine that no longer runs.</summary>
    public bool IsCertainlyDead(string? owner)
    {
        if (owner is null || owner == Id) return false;
        var parts = owner.Split('/');
        if (parts is not { Length: 3 } || parts[0] != Environment.MachineName || !int.TryParse(parts[1], out var pid)) return false;
        // An earlier process that had our pid (a container restarted: pid 1 again).
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
    }
}

/// <summary>
/// Capture ownership kept in the database, so several app processes can share one: every few seconds this
/// process renews the heartbeat (and the stored counters) of the sessions it runs, and any process ends a running
/// session whose owner is gone (<c>interrupted/process_restart</c>, with what its chunks hold) once its heartbeat is
/// older than <see cref="StorageOptions.HeartbeatTimeout"/>. On SQLite (one machine) an owner that was a process of
/// this machine which no longer runs (a crash and restart) is taken for gone at once; on PostgreSQL, where other
/// machines (or containers whose pids mean nothing here) share the database, only the heartbeat counts. A live
/// owner's captures are never touched. Stop requests from other processes (<see cref="SessionEntity.StopRequestedAt"/>)
/// are looked for twice a second while this process runs a capture.
/// </summary>
public sealed class CaptureOwnership(IDbContextFactory<BetterDbContext> contexts, AppInstance instance, SessionLifecycle lifecycle,
    CaptureSessionService sessions, IOptions<StorageOptions> storage, ILogger<CaptureOwnership> log) : BackgroundService
{
    public static readonly TimeSpan StopRequestPoll = TimeSpan.FromMilliseconds(500);

    private readonly StorageOptions _storage = storage.Value;

    protected override Task ExecuteAsync(CancellationToken ct) =>
        Task.WhenAll(
            EveryAsync(_storage.HeartbeatInterval, "Capture heartbeat", async () =>
            {
                await BeatAsync(ct);
                await ReclaimAsync(ct);
            }, ct),
            EveryAsync(StopRequestPoll, "Looking for stop requests", () => HonourStopRequestsAsync(ct), ct));

    private async Task EveryAsync(TimeSpan interval, string what, Func<Task> work, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await work();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning("{What} failed: {Message}", what, ex.GetBaseException().Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Renews this process's running sessions: their heartbeat, and their counters for readers in other processes.</summary>
    private async Task BeatAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        await db.Sessions.Where(s => s.OwnerInstance == instance.Id && s.Status == CaptureStatus.Running.Word())
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.HeartbeatAt, now), ct);
        foreach (var run in sessions.RunningHere())
            await db.Sessions.Where(s => s.Id == run.Id && s.Status == CaptureStatus.Running.Word())
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.LineCount, run.LineCount).SetProperty(s => s.ByteCount, run.ByteCount), ct);
    }

    /// <summary>Stops the captures this process runs that another process was asked to stop.</summary>
    private async Task HonourStopRequestsAsync(CancellationToken ct)
    {
        if (sessions.RunningHere().Count == 0) return;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var asked = await db.Sessions.AsNoTracking()
            .Where(s => s.OwnerInstance == instance.Id && s.Status == CaptureStatus.Running.Word() && s.StopRequestedAt != null)
            .Select(s => s.Id).ToListAsync(ct);
        foreach (var id in asked)
            if (sessions.RequestStopHere(id))
                log.LogInformation("Capture {SessionId} stopped at the request of another app process", id);
    }

    /// <summary>Ends the running sessions whose owner is gone; returns how many.</summary>
    public async Task<int> ReclaimAsync(CancellationToken ct = default)
    {
        List<SessionEntity> candidates;
        var stale = DateTime.UtcNow - _storage.HeartbeatTimeout;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            candidates = await db.Sessions.AsNoTracking()
                .Where(s => s.Status == CaptureStatus.Running.Word() && s.OwnerInstance != instance.Id)
                .ToListAsync(ct);
            candidates = candidates.Where(s => s.HeartbeatAt is null || s.HeartbeatAt < stale
                                               || (!_storage.IsPostgres && instance.IsCertainlyDead(s.OwnerInstance))).ToList();
        }
        var reclaimed = 0;
        foreach (var s in candidates)
        {
            if (sessions.IsRunningHere(s.Id)) continue;
            // What the crash left is what the chunks say: their lines, bytes and malformed lines.
            await ChunkFacts.FillMissingAsync(contexts, s.Id, ct);
            await using var db = await contexts.CreateDbContextAsync(ct);
            var chunks = db.Chunks.Where(c => c.SessionId == s.Id);
            // Plain sums: a GroupBy(constant)+FirstOrDefault made EF warn on every restart after a crash.
            var final = CaptureSession.From(s) with
            {
                Status = CaptureEnd.ProcessRestart.Status,
                TerminationReason = CaptureEnd.ProcessRestart.Reason,
                EndedAt = DateTime.UtcNow,
                LineCount = await chunks.SumAsync(c => (long)c.LineCount, ct),
                ByteCount = await chunks.SumAsync(c => (long)c.ByteCount, ct),
                MalformedCount = await chunks.SumAsync(c => (long)(c.MalformedLines ?? 0), ct),
            };
            // A dead process of this machine may be ended before its heartbeat is stale; otherwise only a stale one, and
            // only by one process (another may have ended it, or the owner beat again, since the look above).
            var staleBefore = s.HeartbeatAt is { } beat && beat >= stale ? (DateTime?)null : stale;
            if (await lifecycle.EndAbandonedAsync(final, staleBefore, ct) is null) continue;
            log.LogWarning("Session {SessionId} was still running for {Owner}, which is gone: ended {Status} ({Reason})",
                s.Id, s.OwnerInstance ?? "an earlier version", final.Status.Word(), final.TerminationReason);
            reclaimed++;
        }
        return reclaimed;
    }
}
