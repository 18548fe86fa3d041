namespace BetterDb.Core.History;

/// <summary>How far a connection's log (SLOWLOG, a COMMANDLOG type) has been read: the server run and the last entry id stored.</summary>
public sealed record LogPosition(string RunId, long LastId, long LastTs);

/// <summary>Entries that left the log before a poll saw them.</summary>
public sealed record LogGap(string RunId, long AfterId, long BeforeId, long Missed, long AfterTs, long BeforeTs, string Reason)
{
    public string Message => $"{Missed} {(Missed == 1 ? "entry" : "entries")} missed ({Reason})";
}

/// <summary>What one poll adds: the entries not stored yet (oldest first), the gap before them if any, and the new position.</summary>
public sealed record LogBatch(IReadOnlyList<LogEntry> New, LogGap? Gap, LogPosition? Position);

/// <summary>
/// Deduplicates a log's entries across polls and restarts, and finds what was missed (pure). Entry ids grow by one per
/// entry within a server run and restart at 0 with the server (a new <c>run_id</c>), so the run and the last id say
/// exactly which entries are new, and a jump in ids is entries the ring dropped before they were read (or a
/// <c>SLOWLOG RESET</c>): never silently skipped, always a <see cref="LogGap"/>.
/// </summary>
public static class LogTracker
{
    /// <param name="known">the last position stored for this log; null when it was never read on this connection.</param>
    /// <param name="runId">the server run the entries come from.</param>
    /// <param name="entries">the poll's entries in any order.</param>
    /// <param name="command">the log's command, for the gap's reason (<c>SLOWLOG</c>, <c>COMMANDLOG</c>).</param>
    public static LogBatch Advance(LogPosition? known, string runId, IReadOnlyList<LogEntry> entries, string command)
    {
        var sorted = entries.OrderBy(e => e.Id).ToList();
        if (known is null)
        {
            // History starts here: what the log held before its first read is not "missed".
            return new LogBatch(sorted, null, sorted.Count == 0 ? new LogPosition(runId, -1, 0) : Last(runId, sorted));
        }
        var sameRun = known.RunId == runId;
        var lastId = sameRun ? known.LastId : -1;
        var fresh = sorted.Where(e => e.Id > lastId).ToList();
        if (fresh.Count == 0) return new LogBatch([], null, sameRun ? known : new LogPosition(runId, -1, 0));
        LogGap? gap = null;
        var first = fresh[0];
        if (first.Id > lastId + 1)
        {
            var reason = !sameRun
                ? "the server restarted; the first entries of its new run left the log before a poll"
                : lastId < 0
                    ? "entries of this server run left the log before its first poll"
                    : $"the log's ring overflowed between polls, or {command} RESET cleared it";
            gap = new LogGap(runId, lastId, first.Id, first.Id - lastId - 1, sameRun && lastId >= 0 ? known.LastTs : 0,
                first.TimestampSeconds * 1000, reason);
        }
        return new LogBatch(fresh, gap, Last(runId, fresh));
    }

    private static LogPosition Last(string runId, List<LogEntry> sorted) => new(runId, sorted[^1].Id, sorted[^1].TimestampSeconds * 1000);
}

/// <summary>An ACL LOG entry as stored, for matching the next poll's entries to it.</summary>
public sealed record StoredAclEntry(long RowId, string EntryKey, long? EntryId, long Count, string Reason, string Context, string Object, string Username,
    long CreatedTs, long UpdatedTs);

/// <summary>One polled entry to store: new (<see cref="RowId"/> null) or an update of a stored one.</summary>
public sealed record AclUpsert(long? RowId, string EntryKey, AclLogItem Item, long CreatedTs, long UpdatedTs);

/// <summary>
/// Deduplicates ACL LOG entries across polls (pure). The server groups repeats of one failure (same reason, context,
/// object and user within 60 s) into one entry whose count grows. Redis 7.2+ names each entry (<c>entry-id</c>,
/// <c>timestamp-created</c>), which identifies it exactly. Older servers do not: an entry is then followed by its
/// reason/context/object/user, matched to the stored entry of those that was updated last and whose count it does not
/// undercut (a smaller count is a new entry: the log was reset or the server restarted). Two distinct entries of one
/// kind that both grow between two polls may then be told apart wrongly; the counts still add up.
/// </summary>
public static class AclLogTracker
{
    /// <summary>Jitter allowed on an update time estimated from <c>age-seconds</c> (the reply's own latency).</summary>
    public const long ClockSlackMs = 1_000;

    /// <summary>A short fixed-length name of an entry's kind (its object may be a long key name).</summary>
    private static string Kind(AclLogItem item) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{item.Reason}\n{item.Context}\n{item.Object}\n{item.Username}")))[..24].ToLowerInvariant();

    public static IReadOnlyList<AclUpsert> Match(IReadOnlyList<AclLogItem> polled, IReadOnlyList<StoredAclEntry> stored, long nowMs)
    {
        var result = new List<AclUpsert>();
        var byKey = stored.ToDictionary(s => s.EntryKey, StringComparer.Ordinal);
        var taken = new HashSet<long>();
        // Oldest first: an older entry claims its stored row before a newer one of the same kind could.
        foreach (var item in polled.Reverse())
        {
            var updated = item.UpdatedMs ?? nowMs - (long)Math.Round(item.AgeSeconds * 1000);
            if (item.EntryId is { } id && item.CreatedMs is { } created)
            {
                var key = $"{id}@{created}";
                if (byKey.TryGetValue(key, out var row))
                {
                    if (row.Count != item.Count || row.UpdatedTs != updated) result.Add(new AclUpsert(row.RowId, key, item, created, updated));
                }
                else result.Add(new AclUpsert(null, key, item, created, updated));
                continue;
            }
            var match = stored
                .Where(s => s.EntryId is null && !taken.Contains(s.RowId) && s.Reason == item.Reason && s.Context == item.Context
                            && s.Object == item.Object && s.Username == item.Username && s.Count <= item.Count && s.UpdatedTs <= updated + ClockSlackMs)
                .OrderByDescending(s => s.UpdatedTs)
                .FirstOrDefault();
            if (match is not null)
            {
                taken.Add(match.RowId);
                var changed = match.Count != item.Count || Math.Abs(match.UpdatedTs - updated) > ClockSlackMs;
                if (changed) result.Add(new AclUpsert(match.RowId, match.EntryKey, item, match.CreatedTs, Math.Max(updated, match.UpdatedTs)));
                continue;
            }
            // Created at most when first seen updated; the exact time is not on record.
            var newKey = $"{Kind(item)}@{updated}";
            result.Add(new AclUpsert(null, newKey, item, updated, updated));
        }
        return result;
    }
}
