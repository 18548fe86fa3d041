using System.Text;
using System.Text.Json;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.History;

/// <summary>A slowlog or commandlog item of the history API: an entry, or a gap (<see cref="Kind"/> <c>gap</c>: entries no poll saw).</summary>
public sealed record LogItem
{
    /// <summary><c>entry</c> or <c>gap</c>.</summary>
    public required string Kind { get; init; }
    /// <summary><c>slowlog</c>, or the COMMANDLOG type: <c>slow</c>, <c>large-request</c>, <c>large-reply</c>.</summary>
    public required string Log { get; init; }
    public long Ts { get; init; }
    public string? RunId { get; init; }
    public long? EntryId { get; init; }
    /// <summary>µs for <c>slowlog</c> and <c>slow</c>; bytes for the large-request and large-reply logs.</summary>
    public long? DurationUs { get; init; }
    public long? Bytes { get; init; }
    public string? Command { get; init; }
    public int? Arity { get; init; }
    public IReadOnlyList<string>? Args { get; init; }
    /// <summary>The command as a person reads it (arguments quoted where needed).</summary>
    public string? Text { get; init; }
    public string? ClientAddr { get; init; }
    public string? ClientName { get; init; }
    /// <summary>Gap: how many entries no poll saw, between <see cref="AfterId"/> and <see cref="BeforeId"/>, and why.</summary>
    public long? Missed { get; init; }
    public long? AfterId { get; init; }
    public long? BeforeId { get; init; }
    public string? Message { get; init; }

    public bool IsOwn => ClientName is { } n && (n == "betterdb" || n.StartsWith("betterdb-", StringComparison.Ordinal));

    internal static LogItem From(CommandLogEntryEntity e)
    {
        var args = JsonSerializer.Deserialize<List<string>>(e.Args, HistoryStore.Json) ?? [];
        var isTime = e.Log is "slowlog" or CommandLogTypes.Slow;
        return new LogItem
        {
            Kind = "entry", Log = e.Log, Ts = e.Ts, RunId = e.RunId, EntryId = e.EntryId,
            DurationUs = isTime ? e.Value : null, Bytes = isTime ? null : e.Value,
            Command = e.Command, Arity = e.Arity, Args = args, Text = LogReply.Display(args), ClientAddr = e.ClientAddr, ClientName = e.ClientName,
        };
    }

    internal static LogItem From(CommandLogGapEntity g) => new()
    {
        Kind = "gap", Log = g.Log, Ts = g.BeforeTs, RunId = g.RunId, Missed = g.Missed, AfterId = g.AfterId, BeforeId = g.BeforeId,
        Message = $"{g.Missed} {(g.Missed == 1 ? "entry" : "entries")} missed ({g.Reason})",
    };
}

/// <summary>A CLIENT LIST snapshot of the history API.</summary>
public sealed record ClientSnapshot(long Ts, int ClientCount, IReadOnlyList<ClientInfo> Clients);

/// <summary>An ACL LOG entry of the history API.</summary>
public sealed record AclLogRecord(long CreatedTs, long UpdatedTs, long Count, string Reason, string Context, string Object, string Username,
    string? ClientAddr, string? ClientName, string? ClientInfo, long? EntryId);

/// <summary>Reads the stored instance history (newest first, paged, as the API serves lists).</summary>
public sealed class HistoryReader(IDbContextFactory<BetterDbContext> contexts)
{
    public async Task<IReadOnlyList<InfoSample>> InfoAsync(string connectionId, long? afterTs, long? beforeTs, int limit, long offset, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var q = db.InfoSamples.AsNoTracking().Where(s => s.ConnectionId == connectionId);
        // Ts is the slot's start; a sample's time is at most a slot (60 s) later.
        if (afterTs is { } a) q = q.Where(s => s.Ts + s.OffsetMs >= a);
        if (beforeTs is { } b) q = q.Where(s => s.Ts < b);
        var rows = await q.OrderByDescending(s => s.Ts).Skip((int)Math.Min(offset, int.MaxValue)).Take(limit).ToListAsync(ct);
        return rows.Select(InfoSample.FromEntity).Where(s => beforeTs is null || s.Ts < beforeTs).ToList();
    }

    /// <summary>Stored samples in [<paramref name="fromTs"/>, <paramref name="toTs"/>), oldest first, for charts and baselines.</summary>
    public async Task<IReadOnlyList<InfoSample>> InfoRangeAsync(string connectionId, long fromTs, long toTs, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.InfoSamples.AsNoTracking().Where(s => s.ConnectionId == connectionId && s.Ts >= fromTs - 60_000 && s.Ts < toTs)
            .OrderBy(s => s.Ts).ToListAsync(ct);
        return rows.Select(InfoSample.FromEntity).Where(s => s.Ts >= fromTs && s.Ts < toTs).ToList();
    }

    /// <summary>Entries and gaps of the given logs, newest first.</summary>
    public async Task<IReadOnlyList<LogItem>> LogAsync(string connectionId, IReadOnlyCollection<string> logs, long? afterTs, long? beforeTs, int limit, long offset,
        CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var take = (int)Math.Min(offset + limit, int.MaxValue);
        var entries = db.CommandLogEntries.AsNoTracking().Where(e => e.ConnectionId == connectionId && logs.Contains(e.Log));
        var gaps = db.CommandLogGaps.AsNoTracking().Where(g => g.ConnectionId == connectionId && logs.Contains(g.Log));
        if (afterTs is { } a)
        {
            entries = entries.Where(e => e.Ts >= a);
            gaps = gaps.Where(g => g.BeforeTs >= a);
        }
        if (beforeTs is { } b)
        {
            entries = entries.Where(e => e.Ts < b);
            gaps = gaps.Where(g => g.BeforeTs < b);
        }
        var e1 = await entries.OrderByDescending(e => e.Ts).ThenByDescending(e => e.EntryId).Take(take).ToListAsync(ct);
        var g1 = await gaps.OrderByDescending(g => g.BeforeTs).ThenByDescending(g => g.BeforeId).Take(take).ToListAsync(ct);
        // A gap sits just before (older than) the entry that follows it.
        return e1.Select(e => (Item: LogItem.From(e), Order: (e.Ts, e.EntryId, 1)))
            .Concat(g1.Select(g => (Item: LogItem.From(g), Order: (g.BeforeTs, g.BeforeId, 0))))
            .OrderByDescending(x => x.Order.Item1).ThenByDescending(x => x.Order.Item2).ThenByDescending(x => x.Order.Item3)
            .Skip((int)Math.Min(offset, int.MaxValue)).Take(limit).Select(x => x.Item).ToList();
    }

    /// <summary>Every entry of the given logs in [<paramref name="fromTs"/>, <paramref name="toTs"/>), for cross-references.</summary>
    public async Task<IReadOnlyList<LogItem>> LogRangeAsync(string connectionId, IReadOnlyCollection<string> logs, long fromTs, long toTs, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.CommandLogEntries.AsNoTracking()
            .Where(e => e.ConnectionId == connectionId && logs.Contains(e.Log) && e.Ts >= fromTs && e.Ts < toTs)
            .OrderBy(e => e.Ts).ToListAsync(ct);
        return rows.Select(LogItem.From).ToList();
    }

    /// <summary>Gaps of the given logs found in [<paramref name="fromTs"/>, <paramref name="toTs"/>).</summary>
    public async Task<IReadOnlyList<LogItem>> GapsAsync(string connectionId, IReadOnlyCollection<string> logs, long fromTs, long toTs, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.CommandLogGaps.AsNoTracking()
            .Where(g => g.ConnectionId == connectionId && logs.Contains(g.Log) && g.BeforeTs >= fromTs && g.AfterTs < toTs)
            .ToListAsync(ct);
        return rows.Select(LogItem.From).ToList();
    }

    /// <summary>When a log was first read on this connection (the start of its history), or null.</summary>
    public async Task<long?> FirstLogTsAsync(string connectionId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var first = await db.InfoSamples.AsNoTracking().Where(s => s.ConnectionId == connectionId).OrderBy(s => s.Ts)
            .Select(s => (long?)(s.Ts + s.OffsetMs)).FirstOrDefaultAsync(ct);
        return first;
    }

    public async Task<IReadOnlyList<ClientSnapshot>> ClientSnapshotsAsync(string connectionId, long? afterTs, long? beforeTs, int limit, long offset,
        CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var q = db.ClientSnapshots.AsNoTracking().Where(s => s.ConnectionId == connectionId);
        if (afterTs is { } a) q = q.Where(s => s.Ts + s.OffsetMs >= a);
        if (beforeTs is { } b) q = q.Where(s => s.Ts + s.OffsetMs < b);
        var rows = await q.OrderByDescending(s => s.Ts).Skip((int)Math.Min(offset, int.MaxValue)).Take(limit).ToListAsync(ct);
        var keyframes = new Dictionary<long, byte[]?>();
        var result = new List<ClientSnapshot>(rows.Count);
        foreach (var row in rows)
        {
            byte[]? keyframe = null;
            if (row.KeyframeId is { } kid && !keyframes.TryGetValue(kid, out keyframe))
            {
                var k = rows.FirstOrDefault(r => r.Id == kid) ?? await db.ClientSnapshots.AsNoTracking().FirstOrDefaultAsync(r => r.Id == kid, ct);
                keyframes[kid] = keyframe = k is null ? null : ClientSnapshotCodec.Decompress(k, null);
            }
            if (row.KeyframeId is not null && keyframe is null) continue; // its keyframe was pruned: nothing to show
            var text = Encoding.UTF8.GetString(ClientSnapshotCodec.Decompress(row, keyframe));
            result.Add(new ClientSnapshot(row.Ts + row.OffsetMs, row.ClientCount, ClientListParser.Parse(text)));
        }
        return result;
    }

    /// <summary>The distinct last commands CLIENT LIST showed (the app's own clients left out) in [<paramref name="fromTs"/>, <paramref name="toTs"/>), and how many snapshots that took.</summary>
    public async Task<(IReadOnlySet<string> Commands, int Snapshots)> ClientCommandsAsync(string connectionId, long fromTs, long toTs, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.ClientSnapshots.AsNoTracking().Where(s => s.ConnectionId == connectionId && s.Ts >= fromTs - 3_600_000 && s.Ts < toTs)
            .Select(s => new { s.Ts, s.OffsetMs, s.Commands }).ToListAsync(ct);
        var inside = rows.Where(r => r.Ts + r.OffsetMs >= fromTs && r.Ts + r.OffsetMs < toTs).ToList();
        var set = inside.SelectMany(r => r.Commands.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return (set, inside.Count);
    }

    public async Task<IReadOnlyList<AclLogRecord>> AclLogAsync(string connectionId, long? afterTs, long? beforeTs, int limit, long offset, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var q = db.AclLogEntries.AsNoTracking().Where(a => a.ConnectionId == connectionId);
        // An entry belongs to a window it overlaps: created before its end, updated after its start.
        if (afterTs is { } a) q = q.Where(x => x.UpdatedTs >= a);
        if (beforeTs is { } b) q = q.Where(x => x.CreatedTs < b);
        var rows = await q.OrderByDescending(x => x.UpdatedTs).ThenByDescending(x => x.Id).Skip((int)Math.Min(offset, int.MaxValue)).Take(limit).ToListAsync(ct);
        return rows.Select(r => new AclLogRecord(r.CreatedTs, r.UpdatedTs, r.Count, r.Reason, r.Context, r.Object, r.Username, r.ClientAddr, r.ClientName,
            r.ClientInfo, r.EntryId)).ToList();
    }
}
