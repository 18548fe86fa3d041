using System.Collections.Concurrent;
using System.Text.Json;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Lines;
using BetterDb.Core.Storage;
using Hangfire;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Core.Replay;

/// <summary>
/// Replays of captures: asking for one (checked, stored <c>queued</c>, run by <see cref="ReplayJob"/> on Hangfire),
/// reading them, cancelling one. The UI calls it directly; the HTTP API is a thin layer over it.
/// </summary>
public sealed class ReplayService(IDbContextFactory<BetterDbContext> contexts, ConnectionService connections, CaptureSessionService sessions,
    IServiceProvider services, ReplayRuns runs)
{
    public const int MaxRequestedByLength = 200;

    /// <summary>Raised with a replay's id when it was created, progressed or ended (may come from a background thread).</summary>
    public event Action<string>? Changed;

    internal void Notify(string id) => Changed?.Invoke(id);

    /// <summary>
    /// Checks the request and queues the replay. A bad value throws <see cref="InvalidInputException"/> naming its field: the
    /// target missing, unknown, or the session's own server without <c>allowSourceConnection</c>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">no such session</exception>
    /// <exception cref="ConflictException">the capture is still running</exception>
    public async Task<ReplayRun> StartAsync(string sessionId, ReplayRequest request, CancellationToken ct = default)
    {
        var session = await sessions.GetAsync(sessionId, ct) ?? throw new KeyNotFoundException($"No session '{sessionId}'.");
        var settings = Check(request);
        if (string.IsNullOrWhiteSpace(request.TargetConnectionId))
            throw new InvalidInputException("targetConnectionId", "targetConnectionId is required: the connection to replay the capture against.");
        var target = await connections.GetAsync(request.TargetConnectionId, ct)
            ?? throw new InvalidInputException("targetConnectionId", $"No connection '{request.TargetConnectionId}'.");
        if (request.AllowSourceConnection != true && await SourceServerAsync(session, target, ct) is { } why)
            throw new InvalidInputException("targetConnectionId",
                $"{why}: a replay would send the capture's commands to the server they came from. Pick a staging connection, or set allowSourceConnection to do it anyway.");
        if (session.IsRunning)
            throw new ConflictException($"Session '{sessionId}' is still capturing: stop it before replaying it.", sessionId, "sessionId");

        var row = new ReplayEntity
        {
            Id = Guid.CreateVersion7().ToString("N")[..16],
            SessionId = session.Id,
            TargetConnectionId = target.Id,
            Status = ReplayStatus.Queued.Word(),
            Pace = settings.Pace.ToString(),
            Connections = settings.Connections.ToString(),
            DryRun = settings.DryRun,
            AllowSourceConnection = request.AllowSourceConnection == true,
            Denylist = JsonSerializer.Serialize(settings.Denylist.Entries),
            MaxBlockMs = settings.MaxBlockMs,
            Filter = FilterText(settings.Filter),
            RequestedBy = string.IsNullOrWhiteSpace(request.RequestedBy) ? null : request.RequestedBy.Trim(),
            CreatedAt = DateTime.UtcNow,
            LinesTotal = session.LineCount,
        };
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            db.Replays.Add(row);
            await db.SaveChangesAsync(ct);
        }
        var jobId = Enqueue(row.Id);
        if (jobId is not null)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            await db.Replays.Where(r => r.Id == row.Id).ExecuteUpdateAsync(r => r.SetProperty(x => x.JobId, jobId), ct);
            row.JobId = jobId;
        }
        Notify(row.Id);
        return ReplayRun.From(row);
    }

    /// <summary>Every bad value of the request but the target (which needs a look-up), thrown as the first one found.</summary>
    public static ReplaySettings Check(ReplayRequest request)
    {
        if (request.MaxBlockMs is < 1 or > ReplaySettings.MaxMaxBlockMs)
            throw new InvalidInputException("maxBlockMs", $"maxBlockMs must be from 1 to {ReplaySettings.MaxMaxBlockMs} (a minute).");
        if (request.RequestedBy is { Length: > MaxRequestedByLength })
            throw new InvalidInputException("requestedBy", $"requestedBy is longer than {MaxRequestedByLength} characters.");
        return new ReplaySettings
        {
            Pace = request.Pace ?? ReplayPace.Original,
            Connections = request.Connections ?? ReplayConcurrency.PerClient,
            DryRun = request.DryRun == true,
            Denylist = ReplayDenylist.Create(request.Denylist),
            MaxBlockMs = request.MaxBlockMs ?? ReplaySettings.DefaultMaxBlockMs,
            Filter = (request.Filter ?? new ReplayFilterInput()).ToFilter(),
        };
    }

    /// <summary>Why <paramref name="target"/> is the server the session was captured from (the same connection, or its host and port); null when it is not.</summary>
    private async Task<string?> SourceServerAsync(CaptureSession session, ConnectionProfile target, CancellationToken ct)
    {
        if (session.ConnectionId is not { } sourceId) return null; // an import of no connection
        if (sourceId == target.Id) return $"Connection '{target.Name}' is the session's own connection";
        if (await connections.GetAsync(sourceId, ct) is { } source && OwnClients.ServerKey(source).Equals(OwnClients.ServerKey(target), StringComparison.OrdinalIgnoreCase))
            return $"Connection '{target.Name}' points at {target.Endpoint}, the server of the session's connection '{source.Name}'";
        return null;
    }

    public async Task<ReplayRun?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Replays.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        return row is null ? null : ReplayRun.From(row);
    }

    /// <summary>Newest first; of one session when <paramref name="sessionId"/> is given.</summary>
    public async Task<IReadOnlyList<ReplayRun>> ListAsync(string? sessionId, int limit = 50, int offset = 0, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.Replays.AsNoTracking();
        if (sessionId is not null) query = query.Where(r => r.SessionId == sessionId);
        // Ids are time-ordered (v7), so they break ties of CreatedAt in creation order.
        var rows = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Skip(offset).Take(limit).ToListAsync(ct);
        return rows.Select(ReplayRun.From).ToList();
    }

    /// <summary>
    /// Cancels a replay: a queued one at once; a running one is told to stop (here at once, in another app process within its
    /// next progress write) and is returned once it has, or after a few seconds still running with <c>cancelRequested</c>.
    /// A finished replay is returned unchanged; null when there is no such replay.
    /// </summary>
    public async Task<ReplayRun?> CancelAsync(string id, CancellationToken ct = default)
    {
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var now = DateTime.UtcNow;
            var queued = await db.Replays.Where(r => r.Id == id && r.Status == ReplayStatus.Queued.Word())
                .ExecuteUpdateAsync(r => r.SetProperty(x => x.Status, ReplayStatus.Cancelled.Word()).SetProperty(x => x.CancelRequested, true)
                    .SetProperty(x => x.EndedAt, now), ct);
            if (queued == 0)
                await db.Replays.Where(r => r.Id == id && r.Status == ReplayStatus.Running.Word())
                    .ExecuteUpdateAsync(r => r.SetProperty(x => x.CancelRequested, true), ct);
            else if (await db.Replays.AsNoTracking().Where(r => r.Id == id).Select(r => r.JobId).FirstOrDefaultAsync(ct) is { Length: > 0 } jobId)
                services.GetService<IBackgroundJobClient>()?.Delete(jobId);
        }
        runs.Cancel(id);
        Notify(id);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var replay = await GetAsync(id, ct);
            if (replay is null || !replay.IsActive || DateTime.UtcNow > deadline) return replay;
            await Task.Delay(50, ct);
        }
    }

    /// <summary>The filter as stored: the export's query string.</summary>
    public static string FilterText(LineFilter filter) =>
        string.Join('&', filter.ToQuery().Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}"));

    internal static LineFilter ParseFilter(string text)
    {
        if (text.Length == 0) return LineFilter.None;
        var query = QueryHelpers.ParseQuery("?" + text);
        return LineFilter.Parse(name => query.TryGetValue(name, out var v) ? v.ToString() : null);
    }

    /// <summary>Queues the run on Hangfire's replay queue; without Hangfire (component tests) it runs in the background.</summary>
    private string? Enqueue(string id)
    {
        if (services.GetService<IBackgroundJobClient>() is { } jobs)
            return jobs.Enqueue<ReplayJob>(j => j.RunAsync(id, CancellationToken.None));
        _ = Task.Run(() => services.GetRequiredService<ReplayJob>().RunAsync(id, CancellationToken.None));
        return null;
    }
}

/// <summary>The replays running in this process, so a cancel stops one at once rather than at its next look at the database.</summary>
public sealed class ReplayRuns
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();

    internal IDisposable Register(string id, CancellationTokenSource cts)
    {
        _running[id] = cts;
        return new Unregister(() => _running.TryRemove(id, out _));
    }

    internal void Cancel(string id)
    {
        if (_running.TryGetValue(id, out var cts))
            try { cts.Cancel(); } catch (ObjectDisposedException) { }
    }

    private sealed class Unregister(Action done) : IDisposable
    {
        public void Dispose() => done();
    }
}
