namespace BetterDb.Core.Storage;

/// <summary>An anomaly the detector confirmed on a connection's INFO samples (or a state event such as a role change).</summary>
public sealed class AnomalyEntity
{
    public required string Id { get; set; }
    public required string ConnectionId { get; set; }
    public required string Metric { get; set; }
    /// <summary><c>spike</c>, <c>drop</c> or (additive) <c>state</c>.</summary>
    public required string AnomalyType { get; set; }
    /// <summary><c>warning</c> or <c>critical</c>.</summary>
    public required string Severity { get; set; }
    public double? Value { get; set; }
    /// <summary>The baseline (median of the rolling window) and its robust spread (1.4826 x MAD).</summary>
    public double? Mean { get; set; }
    public double? StdDev { get; set; }
    public double? ZScore { get; set; }
    public DateTime DetectedAt { get; set; }
    /// <summary>Events close together on one connection share a pattern: the id of its first event, and a one-line diagnosis.</summary>
    public string? PatternId { get; set; }
    public string? Diagnosis { get; set; }
    /// <summary>What a state event says (e.g. "role master -> slave").</summary>
    public string? Detail { get; set; }
}

/// <summary>
/// "Capture the next time this happens": a capture of <see cref="DurationMs"/> on <see cref="ConnectionId"/> when the
/// detector confirms a <see cref="AnomalyType"/> of <see cref="Metric"/>. <see cref="ActiveKey"/> is set while it is
/// active and unique, so the database allows one active trigger per (connection, metric, type).
/// </summary>
public sealed class TriggerEntity
{
    public required string Id { get; set; }
    public required string ConnectionId { get; set; }
    public required string Metric { get; set; }
    public required string AnomalyType { get; set; }
    public long DurationMs { get; set; }
    public long? ByteCap { get; set; }
    public long? LineCap { get; set; }
    public string? CreatedBy { get; set; }
    /// <summary>A <see cref="Anomalies.TriggerStatus"/>'s word; <see cref="Anomalies.Trigger"/> reads it back.</summary>
    public required string Status { get; set; }
    public string? ActiveKey { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    /// <summary>The anomaly that set it off, when it was detected, and the Hangfire job that fires it.</summary>
    public string? AnomalyId { get; set; }
    public DateTime? DetectedAt { get; set; }
    public string? FireJobId { get; set; }
    /// <summary>Waiting for the connection's running capture to end.</summary>
    public bool Queued { get; set; }
    public DateTime? FiredAt { get; set; }
    public string? SessionId { get; set; }
    public string? SkipReason { get; set; }
    public DateTime? EndedAt { get; set; }
}
