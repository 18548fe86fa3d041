using System.Text.Json;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.History;
using BetterDb.Core.Lines;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Analysis;

/// <summary>
/// Loads what <see cref="SessionDiff"/> compares: each session's stored analysis and command shapes (computing and storing them
/// once when missing, e.g. a session that ended before they existed), and the client names of the instance history's
/// CLIENT LIST snapshots taken during each capture. An unfiltered diff reads no line, so it costs the same for 5 M lines as
/// for 100; a filtered one (the analysis' filters) recomputes both sides from their lines, as a filtered analysis does.
/// </summary>
public sealed class SessionDiffService(
    IDbContextFactory<BetterDbContext> contexts,
    SessionAnalysis analysis,
    SessionLines lines,
    HistoryReader? history = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>CLIENT LIST snapshots read per side for client names (they are taken about once a minute).</summary>
    private const int NameSnapshots = 60;

    /// <returns>null when either session is unknown (<paramref name="missing"/> says which)</returns>
    /// <exception cref="InvalidInputException">a self-diff or a missing <c>vs</c>, naming <c>vs</c></exception>
    /// <exception cref="ConflictException">either capture is still running</exception>
    public async Task<(SessionDiffReport? Report, string? Missing)> DiffAsync(string sessionId, string? vs, LineFilter? filter = null, char delimiter = ':',
        CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(vs))
            throw new InvalidInputException("vs", "vs is required: the id of the session to compare this one with (GET .../diff?vs=<otherId>).");
        if (vs == sessionId)
            throw new InvalidInputException("vs", "vs is this session itself: a diff compares two different sessions.");
        filter ??= LineFilter.None;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Sessions.AsNoTracking().Where(s => s.Id == sessionId || s.Id == vs).ToListAsync(ct);
        var capture = rows.FirstOrDefault(s => s.Id == sessionId);
        var baseline = rows.FirstOrDefault(s => s.Id == vs);
        if (capture is null) return (null, sessionId);
        if (baseline is null) return (null, vs);
        foreach (var s in new[] { capture, baseline })
            if (s.Status == CaptureStatus.Running.Word())
                throw new ConflictException($"Session '{s.Id}' is still running: a diff compares finished captures (stop it or wait for it to end).", s.Id);

        var stored = filter.IsWholeSession && delimiter == ':';
        var a = await InputAsync(CaptureSession.From(capture), filter, delimiter, stored, ct);
        var b = await InputAsync(CaptureSession.From(baseline), filter, delimiter, stored, ct);
        var report = SessionDiff.Compare(a.Input, b.Input) with { FromStoredAggregates = a.FromStore && b.FromStore, Warnings = filter.Warnings };
        return (report, null);
    }

    private async Task<(DiffInput Input, bool FromStore)> InputAsync(CaptureSession session, LineFilter filter, char delimiter, bool stored, CancellationToken ct)
    {
        AnalysisReport report;
        SessionShapeCounts shapes;
        var fromStore = true;
        if (stored)
        {
            var (r, hadReport) = await StoredAnalysisAsync(session.Id, ct);
            var (s, hadShapes) = await StoredShapesAsync(session.Id, ct);
            (report, shapes, fromStore) = (r, s, hadReport && hadShapes);
        }
        else
        {
            var table = await analysis.KeySpecsForAsync(session.Id, ct);
            report = await analysis.ComputeAsync(session.Id, filter, delimiter, ct);
            shapes = await CountShapesAsync(session.Id, filter.WithKeySpecs(table), ct);
            fromStore = false;
        }
        var (names, snapshots) = await ClientNamesAsync(session, ct);
        return (new DiffInput(session, report, shapes)
        {
            ClientNames = names, NameSnapshots = snapshots, AfterTs = filter.AfterTs, BeforeTs = filter.BeforeTs,
        }, fromStore);
    }

    /// <summary>The stored analysis; computed and stored first when there is none yet (the analysis job may be doing the same: either copy is the same).</summary>
    private async Task<(AnalysisReport Report, bool Stored)> StoredAnalysisAsync(string sessionId, CancellationToken ct)
    {
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var json = await db.Analyses.AsNoTracking().Where(a => a.SessionId == sessionId).Select(a => a.Json).FirstOrDefaultAsync(ct);
            if (json is not null) return (JsonSerializer.Deserialize<AnalysisReport>(json, Json)!, true);
        }
        try
        {
            return (await analysis.ComputeAndStoreAsync(sessionId, ct), false);
        }
        catch (DbUpdateException ex) when (StorageErrors.IsUniqueViolation(ex))
        {
            return (await analysis.GetAsync(sessionId, ct: ct), false); // stored meanwhile by the job
        }
    }

    /// <summary>
    /// A finished session's command shapes, in the row the cross-reference also keeps (<c>session_shapes</c>): counted from the
    /// lines once, then read from there.
    /// </summary>
    private async Task<(SessionShapeCounts Shapes, bool Stored)> StoredShapesAsync(string sessionId, CancellationToken ct)
    {
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var json = await db.SessionShapes.AsNoTracking().Where(s => s.SessionId == sessionId).Select(s => s.Json).FirstOrDefaultAsync(ct);
            if (json is not null) return (JsonSerializer.Deserialize<SessionShapeCounts>(json, Json)!, true);
        }
        var result = await CountShapesAsync(sessionId, LineFilter.None, ct);
        await using var save = await contexts.CreateDbContextAsync(ct);
        if (await save.Sessions.AnyAsync(s => s.Id == sessionId, ct) && !await save.SessionShapes.AnyAsync(s => s.SessionId == sessionId, ct))
        {
            save.SessionShapes.Add(new SessionShapesEntity { SessionId = sessionId, ComputedAt = DateTime.UtcNow, Json = JsonSerializer.Serialize(result, Json) });
            try { await save.SaveChangesAsync(ct); }
            catch (DbUpdateException ex) when (StorageErrors.IsUniqueViolation(ex)) { }
        }
        return (result, false);
    }

    /// <summary>Counts the shapes of a session's lines (the filter's lines only), one pass; also how the bench stores them up front.</summary>
    public async Task<SessionShapeCounts> CountShapesAsync(string sessionId, LineFilter filter, CancellationToken ct = default)
    {
        var counter = new ShapeCounter();
        await lines.ScanAsync(sessionId, filter, counter, ct);
        return counter.Result();
    }

    /// <summary>Counts and stores a finished session's command shapes unless they are stored already.</summary>
    public async Task StoreShapesAsync(string sessionId, CancellationToken ct = default) => await StoredShapesAsync(sessionId, ct);

    /// <summary>Computes and stores what a diff reads (analysis and shapes) ahead of time, e.g. before a benchmark.</summary>
    public async Task PrepareAsync(string sessionId, CancellationToken ct = default)
    {
        await StoredAnalysisAsync(sessionId, ct);
        await StoredShapesAsync(sessionId, ct);
    }

    /// <summary>
    /// Address to client name from the CLIENT LIST snapshots of the capture's connection taken while it ran, and the last one
    /// before it started (within a minute: snapshots are taken about once a minute, so a short capture may hold none).
    /// </summary>
    private async Task<(IReadOnlyDictionary<string, string>? Names, int Snapshots)> ClientNamesAsync(CaptureSession session, CancellationToken ct)
    {
        if (history is null || session.ConnectionId is not { } connectionId) return (null, 0);
        var from = new DateTimeOffset(DateTime.SpecifyKind(session.StartedAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        var to = new DateTimeOffset(DateTime.SpecifyKind(session.EndedAt ?? session.StartedAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds() + 1;
        var during = await history.ClientSnapshotsAsync(connectionId, from, to, NameSnapshots, 0, ct);
        var before = await history.ClientSnapshotsAsync(connectionId, from - 60_000, from, 1, 0, ct);
        var snapshots = during.Concat(before).ToList();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var snapshot in snapshots)
            foreach (var c in snapshot.Clients)
                if (!c.IsOwn && c.Addr is { } addr && !string.IsNullOrEmpty(c.Name)) names.TryAdd(addr, c.Name);
        return (names, snapshots.Count);
    }
}
