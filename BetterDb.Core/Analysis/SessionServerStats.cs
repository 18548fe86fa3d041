using System.Text.Json;
using BetterDb.Core.History;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Analysis;

/// <summary>One boundary snapshot as the API shows it: when it was read, how long after the boundary, or why it is missing.</summary>
public sealed record SnapshotInfo(DateTime TakenAt, double OffsetMs, string? RunId, string? Error);

/// <summary>A server counter over the capture: its values at both boundaries and the difference (null when it cannot be known).</summary>
public sealed record CounterDelta(string Name, string Label, long? Start, long? End, long? Delta, double? PerSec);

/// <summary>
/// A command's own time on the server during the capture (the <c>INFO commandstats</c> delta) beside what MONITOR saw of it
/// and the time inferred from MONITOR gaps.
/// </summary>
public sealed record CommandServerTime(string Command, long Calls, long Usec, double UsecPerCall, long RejectedCalls, long FailedCalls,
    long? MonitorCalls, long? InferredTotalUs, long? InferredMedianUs, bool IssuedByApp);

/// <summary>The server's own counters over a capture (the API's <c>server-stats</c>), from its boundary snapshots.</summary>
public sealed record SessionServerStats
{
    public required string SessionId { get; init; }
    public SnapshotInfo? Start { get; init; }
    public SnapshotInfo? End { get; init; }
    /// <summary>Both snapshots exist and come from one server run (a restart resets every counter).</summary>
    public bool Comparable { get; init; }
    /// <summary>Seconds between the two readings (the server's clock when it gave one).</summary>
    public double? Seconds { get; init; }
    public IReadOnlyList<CounterDelta> Counters { get; init; } = [];
    /// <summary>By server time, heaviest first.</summary>
    public IReadOnlyList<CommandServerTime> Commands { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];

    public CounterDelta? Counter(string name) => Counters.FirstOrDefault(c => c.Name == name);
}

/// <summary>Computes <see cref="SessionServerStats"/> from the stored snapshots and the session's analysis.</summary>
public sealed class SessionServerStatsService(IDbContextFactory<BetterDbContext> contexts, SessionAnalysis? analysis = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The counters compared, with a label; <c>errorstat_*</c> are counts of error replies of that kind.</summary>
    public static readonly (string Name, string Label)[] CounterNames =
    [
        ("total_commands_processed", "commands processed"),
        ("acl_access_denied_auth", "failed AUTH (ACL)"),
        ("errorstat_WRONGPASS", "WRONGPASS errors"),
        ("acl_access_denied_cmd", "commands denied (ACL)"),
        ("acl_access_denied_key", "keys denied (ACL)"),
        ("acl_access_denied_channel", "channels denied (ACL)"),
        ("errorstat_NOPERM", "NOPERM errors"),
        ("rejected_connections", "rejected connections"),
        ("total_connections_received", "connections received"),
        ("evicted_keys", "evicted keys"),
        ("expired_keys", "expired keys"),
        ("keyspace_hits", "keyspace hits"),
        ("keyspace_misses", "keyspace misses"),
        ("total_net_input_bytes", "network bytes in"),
        ("total_net_output_bytes", "network bytes out"),
        ("total_error_replies", "error replies"),
    ];

    /// <summary>Commands the app itself sends to the servers it watches (collectors, watchdog, pre-flight, snapshots); captures leave them out.</summary>
    public static readonly HashSet<string> AppCommands = new(StringComparer.OrdinalIgnoreCase)
    {
        "info", "ping", "auth", "hello", "monitor", "slowlog|get", "slowlog|len", "commandlog|get", "commandlog|len", "client|list", "client|setname",
        "client|id", "client|info", "acl|log", "acl|whoami", "acl|getuser", "config|get", "command|info", "command|docs", "cluster|nodes", "cluster|info",
    };

    public async Task<SessionServerStats?> GetAsync(string sessionId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Sessions.AnyAsync(s => s.Id == sessionId, ct)) return null;
        var rows = await db.SessionSnapshots.AsNoTracking().Where(s => s.SessionId == sessionId).ToListAsync(ct);
        var start = rows.FirstOrDefault(r => r.Boundary == SnapshotBoundary.Start);
        var end = rows.FirstOrDefault(r => r.Boundary == SnapshotBoundary.End);
        AnalysisReport? report = null;
        if (analysis is not null && start?.Info is not null && end?.Info is not null)
        {
            try { report = await analysis.GetAsync(sessionId, ct: ct); }
            catch (Exception ex) when (ex is not OperationCanceledException) { /* the server's figures stand on their own */ }
        }
        return Compute(sessionId, start, end, report);
    }

    public static SessionServerStats Compute(string sessionId, SessionSnapshotEntity? start, SessionSnapshotEntity? end, AnalysisReport? report)
    {
        var notes = new List<string>();
        var startInfo = Info(start);
        var endInfo = Info(end);
        if (start is null) notes.Add("No snapshot was read at the start (the capture began before this version, or it is still being read).");
        else if (start.Error is { } se) notes.Add($"No start snapshot: {se}.");
        if (end is null) notes.Add("No snapshot at the end yet (the capture is running, or it is being read).");
        else if (end.Error is { } ee) notes.Add($"No end snapshot: {ee}.");
        var comparable = startInfo is not null && endInfo is not null && start!.RunId == end!.RunId;
        if (startInfo is not null && endInfo is not null && !comparable)
            notes.Add("The server restarted during the capture (its run_id changed): its counters started again, so no difference can be given.");

        double? seconds = null;
        if (comparable)
        {
            seconds = start!.ServerTimeUs is { } a && end!.ServerTimeUs is { } b ? (b - a) / 1e6 : (end!.TakenAt - start.TakenAt).TotalSeconds;
            notes.Add($"The start snapshot was read {start.OffsetMs:0.#} ms after the session was recorded (MONITOR opens meanwhile), " +
                      $"the end one {end.OffsetMs:0.#} ms after it ended: the differences cover the capture plus those moments.");
        }

        var counters = CounterNames.Select(c =>
        {
            var s = Value(startInfo, c.Name);
            var e = Value(endInfo, c.Name);
            long? delta = comparable && s is not null && e is not null ? e - s : null;
            // errorstats lists an error only once it happened: absent at the start but present at the end means it started at 0.
            if (comparable && c.Name.StartsWith("errorstat_", StringComparison.Ordinal) && s is null && e is not null) delta = e;
            if (comparable && c.Name.StartsWith("errorstat_", StringComparison.Ordinal) && s is null && e is null && startInfo!.ContainsKey("total_error_replies")) delta = 0;
            return new CounterDelta(c.Name, c.Label, s, e, delta, delta is { } d && seconds is > 0 ? Math.Round(d / seconds.Value, 3) : null);
        }).Where(c => c.Start is not null || c.End is not null || c.Delta is not null).ToList();

        var commands = new List<CommandServerTime>();
        if (comparable)
        {
            var before = Stats(start!);
            var after = Stats(end!);
            var monitor = report?.Commands.ToDictionary(c => c.Cmd, c => c.Count, StringComparer.OrdinalIgnoreCase);
            var inferred = (report?.InferredTime.Busy?.PerCommand ?? report?.InferredTime.PerCommand)?.ToDictionary(c => c.Cmd, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, e) in after)
            {
                var b = before.GetValueOrDefault(name) ?? new CommandStat(0, 0, 0, 0);
                var calls = e.Calls - b.Calls;
                var usec = e.Usec - b.Usec;
                var rejected = e.RejectedCalls - b.RejectedCalls;
                var failed = e.FailedCalls - b.FailedCalls;
                if (calls < 0 || usec < 0) continue; // CONFIG RESETSTAT during the capture
                if (calls == 0 && rejected == 0 && failed == 0) continue;
                var top = name.Contains('|') ? null : name;
                CommandTiming? timing = null;
                if (top is not null) inferred?.TryGetValue(top, out timing);
                commands.Add(new CommandServerTime(name.ToUpperInvariant(), calls, usec, calls > 0 ? Math.Round((double)usec / calls, 2) : 0, rejected, failed,
                    top is not null && monitor is not null ? monitor.GetValueOrDefault(top) : null, timing?.TotalUs, timing?.MedianUs, AppCommands.Contains(name)));
            }
            commands = commands.OrderByDescending(c => c.Usec).ThenBy(c => c.Command, StringComparer.Ordinal).ToList();
            if (commands.Any(c => c.IssuedByApp))
                notes.Add("Commands marked as the app's own include BetterDb's polling (history collectors, watchdog, snapshots), which captures leave out.");
            if (report is null) notes.Add("The capture's analysis is not ready yet: the MONITOR counts and inferred times are missing.");
        }
        return new SessionServerStats
        {
            SessionId = sessionId,
            Start = start is null ? null : new SnapshotInfo(start.TakenAt, start.OffsetMs, start.RunId, start.Error),
            End = end is null ? null : new SnapshotInfo(end.TakenAt, end.OffsetMs, end.RunId, end.Error),
            Comparable = comparable,
            Seconds = seconds is null ? null : Math.Round(seconds.Value, 3),
            Counters = counters,
            Commands = commands,
            Notes = notes,
        };
    }

    private static Dictionary<string, string>? Info(SessionSnapshotEntity? s) =>
        s?.Info is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(s.Info, Json);

    private static Dictionary<string, CommandStat> Stats(SessionSnapshotEntity s) =>
        s.CommandStats is null ? [] : JsonSerializer.Deserialize<Dictionary<string, CommandStat>>(s.CommandStats, Json) ?? [];

    private static long? Value(Dictionary<string, string>? info, string name)
    {
        if (info is null) return null;
        if (name.StartsWith("errorstat_", StringComparison.Ordinal))
            return info.TryGetValue(name, out var v) ? Preflight.HealthSignalReader.Field(v, "count") : null;
        return InfoSample.Long(info, name);
    }
}
