namespace BetterDb.Core.Storage;

public sealed class ConnectionEntity
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required string Host { get; set; }
    public int Port { get; set; }
    public string? Username { get; set; }
    /// <summary>Data-protection ciphertext; the clear password is never stored.</summary>
    public string? ProtectedPassword { get; set; }
    public bool Tls { get; set; }
    /// <summary>PEM of the CA to trust; public material, stored in clear.</summary>
    public string? CaCertificate { get; set; }
    public bool TlsInsecure { get; set; }
    /// <summary>PEM of the client certificate; public material, stored in clear.</summary>
    public string? ClientCertificate { get; set; }
    /// <summary>Data-protection ciphertext of the client certificate's private key; the clear key is never stored.</summary>
    public string? ProtectedClientKey { get; set; }
    public int Db { get; set; }
    /// <summary>Captures of this connection store <c>(redacted)</c> for the values of write commands (as <c>BetterDb:Monitor:RedactValues</c> does for all).</summary>
    public bool RedactValues { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed class SessionEntity
{
    public required string Id { get; set; }
    public string? ConnectionId { get; set; }
    /// <summary>A <see cref="Capture.CaptureStatus"/>'s word (<c>CaptureStatus.Running.Word()</c>); <see cref="Capture.CaptureSession"/> reads it back.</summary>
    public required string Status { get; set; }
    /// <summary>A <see cref="Capture.CaptureSource"/>'s word.</summary>
    public required string Source { get; set; }
    public string? RequestedBy { get; set; }
    public string? TriggerId { get; set; }
    public string? ScheduleId { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public long DurationMs { get; set; }
    public long ByteCap { get; set; }
    public long LineCap { get; set; }
    public long ByteCount { get; set; }
    public long LineCount { get; set; }
    public long MalformedCount { get; set; }
    public string? TerminationReason { get; set; }
    public string? TargetNode { get; set; }
    /// <summary>A fan-out capture's per-node segments (JSON of <see cref="Capture.NodeSegment"/>s); null for a capture of one server or node.</summary>
    public string? NodeSegmentsJson { get; set; }
    /// <summary>Lines of the app's own connections left out of the capture.</summary>
    public long OwnLinesDropped { get; set; }
    /// <summary>Lines longer than the line limit, kept cut with their length.</summary>
    public long TruncatedLines { get; set; }
    /// <summary>The connection's name when the session was made, so sessions of a deleted connection can still be found by it.</summary>
    public string? ConnectionName { get; set; }
    /// <summary>A user's short label and longer note for the session.</summary>
    public string? Label { get; set; }
    public string? Note { get; set; }
    /// <summary>Kept when retention prunes old sessions.</summary>
    public bool Keep { get; set; }
    /// <summary>Values of write commands were replaced by <c>(redacted)</c> before storing.</summary>
    public bool Redacted { get; set; }
    /// <summary>
    /// While running: <c>connectionId|node</c>, unique, so the database itself allows one running capture per
    /// connection (or node) whichever app process starts it; null once the session has ended.
    /// </summary>
    public string? RunningKey { get; set; }
    /// <summary>The app process that runs (or ran) the capture, and its last sign of life while it runs.</summary>
    public string? OwnerInstance { get; set; }
    public DateTime? HeartbeatAt { get; set; }
    /// <summary>Where the owner serves its UI (its <c>BetterDb:PublicUrl</c>), so another process can link to the live view.</summary>
    public string? OwnerUrl { get; set; }
    /// <summary>Set by another app process asked to stop (or delete) the capture; the owner sees it and stops.</summary>
    public DateTime? StopRequestedAt { get; set; }
    /// <summary>When an imported file was uploaded (its StartedAt/EndedAt are its first and last timestamps).</summary>
    public DateTime? ImportedAt { get; set; }
    /// <summary>An imported file's last line had no terminator: a txt export gives it back without one.</summary>
    public bool LastLineUnterminated { get; set; }
}

/// <summary>A block of consecutive raw MONITOR lines ("line\n" each), compressed.</summary>
public sealed class ChunkEntity
{
    public long Id { get; set; }
    public required string SessionId { get; set; }
    public int ChunkIndex { get; set; }
    /// <summary>The cluster node the chunk's lines came from; "" for a capture of one server. Each node numbers its own chunks and lines.</summary>
    public string NodeId { get; set; } = "";
    /// <summary>Session-wide number of the chunk's first line, so paging skips whole chunks.</summary>
    public long FirstLine { get; set; }
    public int LineCount { get; set; }
    /// <summary>Uncompressed size in bytes.</summary>
    public int ByteCount { get; set; }
    /// <summary>MONITOR timestamps (epoch microseconds) of the first and last well-formed lines; 0 when none.</summary>
    public long FirstTsMicros { get; set; }
    public long LastTsMicros { get; set; }
    /// <summary>The earliest and latest timestamp in the chunk (lines need not be in order); null until computed for chunks stored before these columns.</summary>
    public long? MinTsMicros { get; set; }
    public long? MaxTsMicros { get; set; }
    /// <summary>Lines kept raw because they did not parse; null until computed for chunks stored before this column.</summary>
    public int? MalformedLines { get; set; }
    public byte Codec { get; set; }
    public required byte[] Data { get; set; }
}

/// <summary>The stored unfiltered analysis of a finished session (JSON of AnalysisReport).</summary>
public sealed class AnalysisEntity
{
    public required string SessionId { get; set; }
    public DateTime ComputedAt { get; set; }
    public required string Json { get; set; }
}

/// <summary>
/// A session lifecycle event, written in the same transaction as the state change it reports and handed
/// to its subscribers (analysis, webhooks, queued triggers) by the dispatcher, at least once.
/// </summary>
public sealed class OutboxEventEntity
{
    public long Id { get; set; }
    /// <summary><c>session.started</c>, <c>session.ended</c>, later <c>trigger.*</c>.</summary>
    public required string Type { get; set; }
    public string? SessionId { get; set; }
    public string? ConnectionId { get; set; }
    public DateTime OccurredAt { get; set; }
    /// <summary>The subject as it was when the event happened (JSON of the session).</summary>
    public required string Payload { get; set; }
    public DateTime? DispatchedAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    /// <summary>The app process handing the event to its handlers, until when: one process at a time handles an event.</summary>
    public string? ClaimedBy { get; set; }
    public DateTime? ClaimedUntil { get; set; }
}
