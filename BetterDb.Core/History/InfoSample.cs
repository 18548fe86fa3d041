using System.Globalization;
using BetterDb.Core.Preflight;
using BetterDb.Core.Storage;

namespace BetterDb.Core.History;

/// <summary>
/// One INFO reading as the history keeps it (the API's <c>history/info</c> item). A figure the server does not report
/// is null: <c>acl_access_denied_*</c> needs Redis 7.2+ (older ones count failed AUTHs in <see cref="WrongPassErrors"/>).
/// Counters are the server's own cumulative values; rates between samples are left to the reader, except ops/sec.
/// </summary>
public sealed record InfoSample
{
    public long Ts { get; init; }
    public string? RunId { get; init; }
    public long? UptimeSeconds { get; init; }
    public double? OpsPerSec { get; init; }
    public long? TotalCommands { get; init; }
    public long? UsedMemory { get; init; }
    public long? PeakMemory { get; init; }
    /// <summary>0 when the server has no limit.</summary>
    public long? MaxMemory { get; init; }
    public long? ConnectedClients { get; init; }
    public long? BlockedClients { get; init; }
    public long? KeyspaceHits { get; init; }
    public long? KeyspaceMisses { get; init; }
    public long? EvictedKeys { get; init; }
    public long? ExpiredKeys { get; init; }
    public long? AclAccessDeniedAuth { get; init; }
    public long? AclAccessDeniedCmd { get; init; }
    public long? AclAccessDeniedKey { get; init; }
    public long? AclAccessDeniedChannel { get; init; }
    public long? WrongPassErrors { get; init; }
    public long? RejectedConnections { get; init; }
    public long? TotalNetInputBytes { get; init; }
    public long? TotalNetOutputBytes { get; init; }
    public string? Role { get; init; }
    public long? ReplOffset { get; init; }
    /// <summary>On a primary, its furthest replica's lag in bytes; null without replicas or on a replica.</summary>
    public long? ReplLagBytes { get; init; }
    /// <summary>Only servers that report it in INFO (stock Redis does not; the slowlog history has the ids).</summary>
    public long? SlowlogLastId { get; init; }
    /// <summary><c>mem_fragmentation_ratio</c>: RSS over used memory (in memory only; the anomaly detector reads it).</summary>
    public double? FragmentationRatio { get; init; }

    /// <summary>Reads the fields of an <c>INFO</c> reply (default sections) taken at <paramref name="ts"/>.</summary>
    /// <param name="previous">the sample before, for ops/sec from the command counter; null uses <c>instantaneous_ops_per_sec</c>.</param>
    public static InfoSample From(IReadOnlyDictionary<string, string> info, long ts, InfoSample? previous = null)
    {
        var total = Long(info, "total_commands_processed");
        var runId = info.GetValueOrDefault("run_id");
        double? ops = Double(info, "instantaneous_ops_per_sec");
        if (previous is { TotalCommands: { } before } && total is { } now && previous.RunId == runId && ts > previous.Ts && now >= before)
            ops = Math.Round((now - before) * 1000.0 / (ts - previous.Ts), 2);
        var (lag, source) = HealthSignalReader.ReplicationLag(info, null);
        return new InfoSample
        {
            Ts = ts,
            RunId = runId,
            UptimeSeconds = Long(info, "uptime_in_seconds"),
            OpsPerSec = ops,
            TotalCommands = total,
            UsedMemory = Long(info, "used_memory"),
            PeakMemory = Long(info, "used_memory_peak"),
            MaxMemory = Long(info, "maxmemory"),
            ConnectedClients = Long(info, "connected_clients"),
            BlockedClients = Long(info, "blocked_clients"),
            KeyspaceHits = Long(info, "keyspace_hits"),
            KeyspaceMisses = Long(info, "keyspace_misses"),
            EvictedKeys = Long(info, "evicted_keys"),
            ExpiredKeys = Long(info, "expired_keys"),
            AclAccessDeniedAuth = Long(info, "acl_access_denied_auth"),
            AclAccessDeniedCmd = Long(info, "acl_access_denied_cmd"),
            AclAccessDeniedKey = Long(info, "acl_access_denied_key"),
            AclAccessDeniedChannel = Long(info, "acl_access_denied_channel"),
            WrongPassErrors = ErrorCount(info, "WRONGPASS"),
            RejectedConnections = Long(info, "rejected_connections"),
            TotalNetInputBytes = Long(info, "total_net_input_bytes"),
            TotalNetOutputBytes = Long(info, "total_net_output_bytes"),
            Role = info.GetValueOrDefault("role"),
            ReplOffset = Long(info, "master_repl_offset"),
            ReplLagBytes = source == "replicas" ? lag : null,
            SlowlogLastId = Long(info, "slowlog_last_id"),
            FragmentationRatio = Double(info, "mem_fragmentation_ratio"),
        };
    }

    /// <summary>A counter of <c>INFO errorstats</c> (<c>errorstat_WRONGPASS:count=3</c>); 0 when the section is there without it.</summary>
    public static long? ErrorCount(IReadOnlyDictionary<string, string> info, string prefix)
    {
        if (info.TryGetValue("errorstat_" + prefix, out var v)) return HealthSignalReader.Field(v, "count") ?? 0;
        // The section lists only errors that happened: any errorstat (or the error total) says it was read.
        return info.ContainsKey("total_error_replies") ? 0 : null;
    }

    public static long? Long(IReadOnlyDictionary<string, string> info, string key) =>
        info.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    public static double? Double(IReadOnlyDictionary<string, string> info, string key) =>
        info.TryGetValue(key, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null;

    internal InfoSampleEntity ToEntity(string connectionId, long slotTs) => new()
    {
        ConnectionId = connectionId,
        Ts = slotTs,
        OffsetMs = (int)(Ts - slotTs),
        RunId = RunId,
        UptimeSeconds = UptimeSeconds,
        OpsPerSec = OpsPerSec,
        TotalCommands = TotalCommands,
        UsedMemory = UsedMemory,
        PeakMemory = PeakMemory,
        MaxMemory = MaxMemory,
        ConnectedClients = ConnectedClients,
        BlockedClients = BlockedClients,
        KeyspaceHits = KeyspaceHits,
        KeyspaceMisses = KeyspaceMisses,
        EvictedKeys = EvictedKeys,
        ExpiredKeys = ExpiredKeys,
        AclDeniedAuth = AclAccessDeniedAuth,
        AclDeniedCmd = AclAccessDeniedCmd,
        AclDeniedKey = AclAccessDeniedKey,
        AclDeniedChannel = AclAccessDeniedChannel,
        WrongPassErrors = WrongPassErrors,
        RejectedConnections = RejectedConnections,
        NetInputBytes = TotalNetInputBytes,
        NetOutputBytes = TotalNetOutputBytes,
        Role = Role,
        ReplOffset = ReplOffset,
        ReplLagBytes = ReplLagBytes,
        SlowlogLastId = SlowlogLastId,
    };

    internal static InfoSample FromEntity(InfoSampleEntity e) => new()
    {
        Ts = e.Ts + e.OffsetMs,
        RunId = e.RunId,
        UptimeSeconds = e.UptimeSeconds,
        OpsPerSec = e.OpsPerSec,
        TotalCommands = e.TotalCommands,
        UsedMemory = e.UsedMemory,
        PeakMemory = e.PeakMemory,
        MaxMemory = e.MaxMemory,
        ConnectedClients = e.ConnectedClients,
        BlockedClients = e.BlockedClients,
        KeyspaceHits = e.KeyspaceHits,
        KeyspaceMisses = e.KeyspaceMisses,
        EvictedKeys = e.EvictedKeys,
        ExpiredKeys = e.ExpiredKeys,
        AclAccessDeniedAuth = e.AclDeniedAuth,
        AclAccessDeniedCmd = e.AclDeniedCmd,
        AclAccessDeniedKey = e.AclDeniedKey,
        AclAccessDeniedChannel = e.AclDeniedChannel,
        WrongPassErrors = e.WrongPassErrors,
        RejectedConnections = e.RejectedConnections,
        TotalNetInputBytes = e.NetInputBytes,
        TotalNetOutputBytes = e.NetOutputBytes,
        Role = e.Role,
        ReplOffset = e.ReplOffset,
        ReplLagBytes = e.ReplLagBytes,
        SlowlogLastId = e.SlowlogLastId,
    };
}
