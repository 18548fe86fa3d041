using System.Text.Json.Serialization;
using BetterDb.Core.Configuration;
using BetterDb.Core.Storage;

namespace BetterDb.Core.Anomalies;

/// <summary>
/// A trigger's status (API.md's trigger <c>status</c>): the same word (<see cref="WireName{TEnum}"/>) in JSON, in the
/// list's filter and in the triggers table's <c>Status</c> column, spelled out on each member (see <see cref="Capture.CaptureStatus"/>).
/// </summary>
[JsonConverter(typeof(WireEnumConverter<TriggerStatus>))]
public enum TriggerStatus
{
    [JsonStringEnumMemberName("active")] Active,
    [JsonStringEnumMemberName("fired")] Fired,
    [JsonStringEnumMemberName("skipped")] Skipped,
    [JsonStringEnumMemberName("expired")] Expired,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>A trigger as the API shows it.</summary>
public sealed record Trigger
{
    public required string Id { get; init; }
    public required string ConnectionId { get; init; }
    public required string Metric { get; init; }
    public required string AnomalyType { get; init; }
    public long DurationMs { get; init; }
    public long? ByteCap { get; init; }
    public long? LineCap { get; init; }
    public string? CreatedBy { get; init; }
    public required TriggerStatus Status { get; init; }
    /// <summary>Detected, and waiting for the connection's running capture to end before it fires.</summary>
    public bool Queued { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }
    public string? AnomalyId { get; init; }
    public DateTime? DetectedAt { get; init; }
    public DateTime? FiredAt { get; init; }
    public string? SessionId { get; init; }
    public string? SkipReason { get; init; }
    /// <summary>What it will do, in words: "Capture on ops_per_sec spike, connection prod-1" (also the Hangfire job's name).</summary>
    public string? Description { get; init; }

    /// <summary>The one place a stored trigger becomes the API's: its status word is read here (an unknown one throws).</summary>
    internal static Trigger From(TriggerEntity e, string? connectionName = null) => new()
    {
        Id = e.Id,
        ConnectionId = e.ConnectionId,
        Metric = e.Metric,
        AnomalyType = e.AnomalyType,
        DurationMs = e.DurationMs,
        ByteCap = e.ByteCap,
        LineCap = e.LineCap,
        CreatedBy = e.CreatedBy,
        Status = WireName<TriggerStatus>.Stored(e.Status),
        Queued = e.Queued && e.Status == TriggerStatus.Active.Word(),
        CreatedAt = e.CreatedAt,
        ExpiresAt = e.ExpiresAt,
        AnomalyId = e.AnomalyId,
        DetectedAt = e.DetectedAt,
        FiredAt = e.FiredAt,
        SessionId = e.SessionId,
        SkipReason = e.SkipReason,
        Description = Describe(e.Metric, e.AnomalyType, connectionName ?? e.ConnectionId),
    };

    public static string Describe(string metric, string anomalyType, string connection) => $"Capture on {metric} {anomalyType}, connection {connection}";
}

public sealed record TriggerInput
{
    public string? ConnectionId { get; init; }
    public string? Metric { get; init; }
    public string? AnomalyType { get; init; }
    public long? DurationMs { get; init; }
    public long? ExpiresInMs { get; init; }
    public long? ByteCap { get; init; }
    public long? LineCap { get; init; }
    public string? CreatedBy { get; init; }
}

/// <summary>An anomaly as the API shows it.</summary>
public sealed record Anomaly
{
    public required string Id { get; init; }
    public required string ConnectionId { get; init; }
    public required string Metric { get; init; }
    public required string AnomalyType { get; init; }
    public required string Severity { get; init; }
    public double? Value { get; init; }
    public double? Mean { get; init; }
    public double? StdDev { get; init; }
    public double? ZScore { get; init; }
    public DateTime DetectedAt { get; init; }
    public string? PatternId { get; init; }
    public string? Diagnosis { get; init; }
    public string? Detail { get; init; }

    internal static Anomaly From(AnomalyEntity e) => new()
    {
        Id = e.Id,
        ConnectionId = e.ConnectionId,
        Metric = e.Metric,
        AnomalyType = e.AnomalyType,
        Severity = e.Severity,
        Value = e.Value,
        Mean = e.Mean,
        StdDev = e.StdDev,
        ZScore = e.ZScore,
        DetectedAt = e.DetectedAt,
        PatternId = e.PatternId,
        Diagnosis = e.Diagnosis,
        Detail = e.Detail,
    };
}

/// <summary>Which anomalies a list shows, newest first.</summary>
public sealed record AnomalyQuery(string? ConnectionId = null, string? Metric = null, string? Severity = null, int Limit = 50, int Offset = 0);
