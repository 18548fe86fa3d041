namespace BetterDb.Core.Storage;

// The instance history of each connection (History/), kept for BetterDb:History:RetentionDays. Times are epoch
// milliseconds (as the API gives them). Rows of one slot, entry or snapshot are unique in the database, so two app
// processes sharing it, or a restart, never store one thing twice.

/// <summary>One stored INFO sample: the first one read in its slot (<see cref="Ts"/> is the slot's start).</summary>
public sealed class InfoSampleEntity
{
    public long Id { get; set; }
    public required string ConnectionId { get; set; }
    /// <summary>Start of the slot (<c>BetterDb:History:InfoPersistIntervalMs</c>) the sample was read in; unique per connection.</summary>
    public long Ts { get; set; }
    /// <summary>When in the slot it was read: the sample's time is <see cref="Ts"/> + this.</summary>
    public int OffsetMs { get; set; }
    public string? RunId { get; set; }
    public long? UptimeSeconds { get; set; }
    /// <summary>Commands per second since the previous stored sample (or <c>instantaneous_ops_per_sec</c> for the first).</summary>
    public double? OpsPerSec { get; set; }
    public long? TotalCommands { get; set; }
    public long? UsedMemory { get; set; }
    public long? PeakMemory { get; set; }
    public long? MaxMemory { get; set; }
    public long? ConnectedClients { get; set; }
    public long? BlockedClients { get; set; }
    public long? KeyspaceHits { get; set; }
    public long? KeyspaceMisses { get; set; }
    public long? EvictedKeys { get; set; }
    public long? ExpiredKeys { get; set; }
    public long? AclDeniedAuth { get; set; }
    public long? AclDeniedCmd { get; set; }
    public long? AclDeniedKey { get; set; }
    public long? AclDeniedChannel { get; set; }
    /// <summary><c>errorstat_WRONGPASS</c>: failed AUTHs, where <c>acl_access_denied_auth</c> is missing (Redis &lt; 7.2).</summary>
    public long? WrongPassErrors { get; set; }
    public long? RejectedConnections { get; set; }
    public long? NetInputBytes { get; set; }
    public long? NetOutputBytes { get; set; }
    public string? Role { get; set; }
    public long? ReplOffset { get; set; }
    public long? ReplLagBytes { get; set; }
    public long? SlowlogLastId { get; set; }
}

/// <summary>
/// One entry of SLOWLOG or of a COMMANDLOG (Valkey 8.1+): <see cref="Log"/> is <c>slowlog</c>, <c>slow</c>,
/// <c>large-request</c> or <c>large-reply</c>. Entry ids restart with the server, so an entry is known by its
/// server run (<see cref="RunId"/>) and id.
/// </summary>
public sealed class CommandLogEntryEntity
{
    public long Id { get; set; }
    public required string ConnectionId { get; set; }
    public required string Log { get; set; }
    public required string RunId { get; set; }
    public long EntryId { get; set; }
    /// <summary>When the server logged it (the server gives seconds).</summary>
    public long Ts { get; set; }
    /// <summary>Microseconds (<c>slowlog</c>, <c>slow</c>) or bytes (<c>large-request</c>, <c>large-reply</c>).</summary>
    public long Value { get; set; }
    /// <summary>The command's name, upper case (a subcommand is in <see cref="Args"/>).</summary>
    public required string Command { get; set; }
    /// <summary>How many arguments the command had, its name included (the server lists at most 32).</summary>
    public int Arity { get; set; }
    /// <summary>JSON array of the arguments as the server shows them (name first; long ones cut by the server).</summary>
    public required string Args { get; set; }
    public string? ClientAddr { get; set; }
    public string? ClientName { get; set; }
}

/// <summary>Entries a log held that no poll saw (the ring overflowed between polls, a reset, a restart): recorded, never silent.</summary>
public sealed class CommandLogGapEntity
{
    public long Id { get; set; }
    public required string ConnectionId { get; set; }
    public required string Log { get; set; }
    public required string RunId { get; set; }
    /// <summary>The last id seen before the gap; -1 when the gap opens a new server run.</summary>
    public long AfterId { get; set; }
    /// <summary>The first id seen after it.</summary>
    public long BeforeId { get; set; }
    public long Missed { get; set; }
    /// <summary>When the poll found it.</summary>
    public long DetectedTs { get; set; }
    /// <summary>Times of the entries on either side (0 when there is none before).</summary>
    public long AfterTs { get; set; }
    public long BeforeTs { get; set; }
    public required string Reason { get; set; }
}

/// <summary>
/// One CLIENT LIST snapshot, the fields kept (id, addr, name, lib-name, lib-ver, user, cmd, age, idle, flags, db), compressed.
/// A keyframe (<see cref="KeyframeId"/> null) is compressed on its own; the snapshots after it are compressed with it as
/// the dictionary, so a client list that barely changes costs a few hundred bytes per snapshot.
/// </summary>
public sealed class ClientSnapshotEntity
{
    public long Id { get; set; }
    public required string ConnectionId { get; set; }
    /// <summary>Start of the slot (<c>BetterDb:History:ClientListIntervalMs</c>) it was taken in; unique per connection.</summary>
    public long Ts { get; set; }
    public int OffsetMs { get; set; }
    public int ClientCount { get; set; }
    /// <summary>The distinct last commands (<c>cmd=</c>) of the clients that are not the app's own, space-separated.</summary>
    public required string Commands { get; set; }
    public long? KeyframeId { get; set; }
    public byte Codec { get; set; }
    public int RawBytes { get; set; }
    public required byte[] Data { get; set; }
}

/// <summary>
/// One ACL LOG entry. <see cref="EntryKey"/> is the server's <c>entry-id</c> with <c>timestamp-created</c> (Redis 7.2+);
/// older servers have no id, so an entry is followed by its reason, context, object and user (see AclLogTracker).
/// </summary>
public sealed class AclLogEntryEntity
{
    public long Id { get; set; }
    public required string ConnectionId { get; set; }
    public required string EntryKey { get; set; }
    public long? EntryId { get; set; }
    public long Count { get; set; }
    public required string Reason { get; set; }
    public required string Context { get; set; }
    public required string Object { get; set; }
    public required string Username { get; set; }
    public string? ClientInfo { get; set; }
    public string? ClientAddr { get; set; }
    public string? ClientName { get; set; }
    /// <summary>When the entry was created and last updated (estimated from <c>age-seconds</c> on servers that do not say).</summary>
    public long CreatedTs { get; set; }
    public long UpdatedTs { get; set; }
    public long FirstSeenTs { get; set; }
    public long LastSeenTs { get; set; }
}

/// <summary>INFO counters and <c>INFO commandstats</c> read when a capture started (<c>start</c>) or ended (<c>end</c>).</summary>
public sealed class SessionSnapshotEntity
{
    public required string SessionId { get; set; }
    public required string Boundary { get; set; }
    public string? ConnectionId { get; set; }
    public DateTime TakenAt { get; set; }
    /// <summary>How long after the session's recorded start (or end) the snapshot was read.</summary>
    public double OffsetMs { get; set; }
    /// <summary>The server's clock (<c>server_time_usec</c>) when it answered.</summary>
    public long? ServerTimeUs { get; set; }
    public string? RunId { get; set; }
    /// <summary>JSON object of the INFO fields (numbers as text, as INFO gives them).</summary>
    public string? Info { get; set; }
    /// <summary>JSON object: command -> {calls, usec, rejectedCalls, failedCalls}.</summary>
    public string? CommandStats { get; set; }
    /// <summary>Why there is no snapshot (unreachable, refused, handed too late).</summary>
    public string? Error { get; set; }
}

/// <summary>The command shapes of a finished session (JSON), computed once for cross-references.</summary>
public sealed class SessionShapesEntity
{
    public required string SessionId { get; set; }
    public DateTime ComputedAt { get; set; }
    public required string Json { get; set; }
}
