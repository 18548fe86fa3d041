using System.Text;
using System.Text.Json;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.History;

/// <summary>
/// Writes the collectors' findings. Each slot, entry and snapshot is unique in the database: a row another app
/// process (or this one before a restart) already stored is skipped, never doubled.
/// </summary>
public sealed class HistoryStore(IDbContextFactory<BetterDbContext> contexts)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Stores a sample as its slot's; false when the slot already has one.</summary>
    public async Task<bool> AddInfoSampleAsync(string connectionId, InfoSample sample, long slotTs, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.InfoSamples.AnyAsync(s => s.ConnectionId == connectionId && s.Ts == slotTs, ct)) return false;
        db.InfoSamples.Add(sample.ToEntity(connectionId, slotTs));
        return await SaveUniqueAsync(db, ct);
    }

    /// <summary>The newest stored sample of a connection, to carry rates across a restart.</summary>
    public async Task<InfoSample?> LastInfoSampleAsync(string connectionId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.InfoSamples.AsNoTracking().Where(s => s.ConnectionId == connectionId).OrderByDescending(s => s.Ts).FirstOrDefaultAsync(ct);
        return row is null ? null : InfoSample.FromEntity(row);
    }

    /// <summary>How far <paramref name="log"/> was read on this connection: the run of the entry stored last and its highest id.</summary>
    public async Task<LogPosition?> LastLogPositionAsync(string connectionId, string log, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var last = await db.CommandLogEntries.AsNoTracking().Where(e => e.ConnectionId == connectionId && e.Log == log)
            .OrderByDescending(e => e.Id).Select(e => new { e.RunId }).FirstOrDefaultAsync(ct);
        if (last is null) return null;
        var top = await db.CommandLogEntries.AsNoTracking().Where(e => e.ConnectionId == connectionId && e.Log == log && e.RunId == last.RunId)
            .OrderByDescending(e => e.EntryId).Select(e => new { e.EntryId, e.Ts }).FirstAsync(ct);
        return new LogPosition(last.RunId, top.EntryId, top.Ts);
    }

    /// <summary>Stores a poll's new entries and its gap; entries (or a gap) already stored by another process are skipped.</summary>
    public async Task StoreLogBatchAsync(string connectionId, string log, string runId, LogBatch batch, long detectedTs, CancellationToken ct = default)
    {
        if (batch.New.Count == 0 && batch.Gap is null) return;
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var ids = batch.New.Select(e => e.Id).ToList();
            var min = ids.Count == 0 ? 0 : ids.Min();
            var max = ids.Count == 0 ? -1 : ids.Max();
            var existing = (await db.CommandLogEntries.Where(e => e.ConnectionId == connectionId && e.Log == log && e.RunId == runId
                                                                  && e.EntryId >= min && e.EntryId <= max)
                .Select(e => e.EntryId).ToListAsync(ct)).ToHashSet();
            foreach (var e in batch.New)
            {
                if (existing.Contains(e.Id)) continue;
                db.CommandLogEntries.Add(new CommandLogEntryEntity
                {
                    ConnectionId = connectionId,
                    Log = log,
                    RunId = runId,
                    EntryId = e.Id,
                    Ts = e.TimestampSeconds * 1000,
                    Value = e.Value,
                    Command = e.Command,
                    Arity = e.Arity,
                    Args = JsonSerializer.Serialize(e.Args, Json),
                    ClientAddr = e.ClientAddr,
                    ClientName = e.ClientName,
                });
            }
            if (batch.Gap is { } g && !await db.CommandLogGaps.AnyAsync(x => x.ConnectionId == connectionId && x.Log == log && x.RunId == runId
                                                                             && x.BeforeId == g.BeforeId, ct))
            {
                db.CommandLogGaps.Add(new CommandLogGapEntity
                {
                    ConnectionId = connectionId,
                    Log = log,
                    RunId = runId,
                    AfterId = g.AfterId,
                    BeforeId = g.BeforeId,
                    Missed = g.Missed,
                    DetectedTs = detectedTs,
                    AfterTs = g.AfterTs,
                    BeforeTs = g.BeforeTs,
                    Reason = g.Reason,
                });
            }
            // Another process stored some of these meanwhile: look again once.
            if (await SaveUniqueAsync(db, ct) || attempt > 0) return;
        }
    }

    /// <summary>The newest keyframe of a connection's client snapshots, decompressed, if it is recent enough to build on.</summary>
    public async Task<(long Id, long Ts, byte[] Raw)?> RecentKeyframeAsync(string connectionId, long sinceTs, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.ClientSnapshots.AsNoTracking()
            .Where(s => s.ConnectionId == connectionId && s.KeyframeId == null && s.Ts >= sinceTs)
            .OrderByDescending(s => s.Ts).FirstOrDefaultAsync(ct);
        return row is null ? null : (row.Id, row.Ts, ClientSnapshotCodec.Decompress(row, null));
    }

    /// <summary>Stores a snapshot; its id, or null when its slot already has one.</summary>
    public async Task<long?> AddClientSnapshotAsync(ClientSnapshotEntity snapshot, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.ClientSnapshots.AnyAsync(s => s.ConnectionId == snapshot.ConnectionId && s.Ts == snapshot.Ts, ct)) return null;
        db.ClientSnapshots.Add(snapshot);
        return await SaveUniqueAsync(db, ct) ? snapshot.Id : null;
    }

    /// <summary>The ACL LOG entries stored for a connection that a poll may still see (the newest few hundred).</summary>
    public async Task<IReadOnlyList<StoredAclEntry>> RecentAclEntriesAsync(string connectionId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AclLogEntries.AsNoTracking().Where(a => a.ConnectionId == connectionId)
            .OrderByDescending(a => a.UpdatedTs).Take(512)
            .Select(a => new StoredAclEntry(a.Id, a.EntryKey, a.EntryId, a.Count, a.Reason, a.Context, a.Object, a.Username, a.CreatedTs, a.UpdatedTs))
            .ToListAsync(ct);
    }

    public async Task ApplyAclAsync(string connectionId, IReadOnlyList<AclUpsert> upserts, long nowMs, CancellationToken ct = default)
    {
        if (upserts.Count == 0) return;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var updateIds = upserts.Where(u => u.RowId is not null).Select(u => u.RowId!.Value).ToList();
        var rows = await db.AclLogEntries.Where(a => updateIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        var newKeys = upserts.Where(u => u.RowId is null).Select(u => u.EntryKey).ToList();
        var taken = (await db.AclLogEntries.Where(a => a.ConnectionId == connectionId && newKeys.Contains(a.EntryKey)).Select(a => a.EntryKey)
            .ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        foreach (var u in upserts)
        {
            var i = u.Item;
            if (u.RowId is { } id)
            {
                if (!rows.TryGetValue(id, out var row)) continue;
                row.Count = i.Count;
                row.UpdatedTs = u.UpdatedTs;
                row.LastSeenTs = nowMs;
                row.ClientInfo = i.ClientInfo;
                row.ClientAddr = i.ClientAddr;
                row.ClientName = i.ClientName;
                continue;
            }
            if (!taken.Add(u.EntryKey)) continue;
            db.AclLogEntries.Add(new AclLogEntryEntity
            {
                ConnectionId = connectionId,
                EntryKey = u.EntryKey,
                EntryId = i.EntryId,
                Count = i.Count,
                Reason = i.Reason,
                Context = i.Context,
                Object = i.Object,
                Username = i.Username,
                ClientInfo = i.ClientInfo,
                ClientAddr = i.ClientAddr,
                ClientName = i.ClientName,
                CreatedTs = u.CreatedTs,
                UpdatedTs = u.UpdatedTs,
                FirstSeenTs = nowMs,
                LastSeenTs = nowMs,
            });
        }
        await SaveUniqueAsync(db, ct);
    }

    /// <summary>
    /// Deletes history older than <paramref name="cutoffTs"/> (epoch ms), and the boundary snapshots and shapes of
    /// sessions that no longer exist. A client keyframe goes once no snapshot kept builds on it.
    /// </summary>
    public async Task<int> PruneAsync(long cutoffTs, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var n = 0;
        n += await db.InfoSamples.Where(s => s.Ts < cutoffTs).ExecuteDeleteAsync(ct);
        n += await db.CommandLogEntries.Where(e => e.Ts < cutoffTs).ExecuteDeleteAsync(ct);
        n += await db.CommandLogGaps.Where(g => g.DetectedTs < cutoffTs).ExecuteDeleteAsync(ct);
        n += await db.ClientSnapshots.Where(s => s.Ts < cutoffTs && s.KeyframeId != null).ExecuteDeleteAsync(ct);
        n += await db.ClientSnapshots.Where(s => s.Ts < cutoffTs && s.KeyframeId == null && !db.ClientSnapshots.Any(d => d.KeyframeId == s.Id))
            .ExecuteDeleteAsync(ct);
        n += await db.AclLogEntries.Where(a => a.UpdatedTs < cutoffTs).ExecuteDeleteAsync(ct);
        n += await db.SessionSnapshots.Where(s => !db.Sessions.Any(x => x.Id == s.SessionId)).ExecuteDeleteAsync(ct);
        n += await db.SessionShapes.Where(s => !db.Sessions.Any(x => x.Id == s.SessionId)).ExecuteDeleteAsync(ct);
        return n;
    }

    /// <summary>Saves; false when a unique index refused a row (another process stored it first).</summary>
    private static async Task<bool> SaveUniqueAsync(BetterDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException ex) when (StorageErrors.IsUniqueViolation(ex))
        {
            return false;
        }
    }

    /// <summary>The text of a client list as stored: the kept fields of each line.</summary>
    public static byte[] ClientListText(string clientList) =>
        Encoding.UTF8.GetBytes(string.Join('\n', clientList.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ClientListParser.Trim)));
}
