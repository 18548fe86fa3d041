using BetterDb.Core.Configuration;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Capture;

/// <summary>This app process, as it signs the sessions it runs: <c>machine/pid/nonce</c>.</summary>
public sealed record AppInstance(string Id)
{
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
/// process renews the heartbeat of the sessions it runs, and any process ends a running session whose owner
/// is gone (<c>interrupted/process_restart</c>, with what its chunks hold): at once when the owner was a process
/// of this machine that no longer runs (a crash and restart), else once its heartbeat is older than
/// <see cref="HeartbeatTimeout"/>. A live owner's captures are never touched.
/// </summary>
public sealed class CaptureOwnership(IDbContextFactory<BetterDbContext> contexts, AppInstance instance, SessionLifecycle lifecycle,
    CaptureSessionService sessions, ILogger<CaptureOwnership> log) : BackgroundService
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await BeatAsync(ct);
                    await ReclaimAsync(ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning("Capture heartbeat failed: {Message}", ex.GetBaseException().Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task BeatAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        await db.Sessions.Where(s => s.OwnerInstance == instance.Id && s.Status == CaptureStatus.Running.Word())
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.HeartbeatAt, now), ct);
    }

    /// <summary>Ends the running sessions whose owner is gone; returns how many.</summary>
    public async Task<int> ReclaimAsync(CancellationToken ct = default)
    {
        List<SessionEntity> candidates;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var stale = DateTime.UtcNow - HeartbeatTimeout;
            candidates = await db.Sessions.AsNoTracking()
                .Where(s => s.Status == CaptureStatus.Running.Word() && s.OwnerInstance != instance.Id)
                .ToListAsync(ct);
            candidates = candidates.Where(s => s.HeartbeatAt is null || s.HeartbeatAt < stale || instance.IsCertainlyDead(s.OwnerInstance)).ToList();
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
            await lifecycle.EndAsync(final, ct);
            log.LogWarning("Session {SessionId} was still running for {Owner}, which is gone: ended {Status} ({Reason})",
                s.Id, s.OwnerInstance ?? "an earlier version", final.Status.Word(), final.TerminationReason);
            reclaimed++;
        }
        return reclaimed;
    }
}
