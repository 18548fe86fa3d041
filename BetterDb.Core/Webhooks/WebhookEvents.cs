using System.Text.Json.Serialization;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Events;

namespace BetterDb.Core.Webhooks;

/// <summary>The event types a webhook can ask for, as API.md names them.</summary>
public static class WebhookEventType
{
    public const string SessionStarted = "monitor.session.started";
    public const string SessionCompleted = "monitor.session.completed";
    public const string SessionTruncated = "monitor.session.truncated";
    public const string SessionFailed = "monitor.session.failed";
    public const string SessionInterrupted = "monitor.session.interrupted";
    public const string SessionSkipped = "monitor.session.skipped";
    public const string TriggerCreated = "monitor.trigger.created";
    public const string TriggerFired = "monitor.trigger.fired";
    /// <summary>A test delivery: sent only by the Test action, to one endpoint.</summary>
    public const string Ping = "ping";

    public static readonly string[] All =
        [SessionStarted, SessionCompleted, SessionTruncated, SessionFailed, SessionInterrupted, SessionSkipped, TriggerCreated, TriggerFired];

    /// <summary>The webhook event an outbox event becomes, or null when webhooks do not tell it.</summary>
    public static string? For(OutboxEvent e)
    {
        if (e.Type == SessionEventType.Started) return SessionStarted;
        if (e.Type == Anomalies.TriggerEventType.Created) return TriggerCreated;
        if (e.Type == Anomalies.TriggerEventType.Fired) return TriggerFired;
        if (e.Type != SessionEventType.Ended) return null;
        return e.PayloadAs<CaptureSession>()?.Status switch
        {
            CaptureStatus.Completed => SessionCompleted,
            CaptureStatus.Truncated => SessionTruncated,
            CaptureStatus.Failed => SessionFailed,
            CaptureStatus.Interrupted => SessionInterrupted,
            CaptureStatus.Skipped => SessionSkipped,
            _ => null,
        };
    }
}

/// <summary>
/// The states of a delivery (the delivery log's <c>status</c>): the same word (<see cref="WireName{TEnum}"/>) in JSON
/// and in the deliveries table's <c>Status</c> column, spelled out on each member (see <see cref="Capture.CaptureStatus"/>).
/// </summary>
[JsonConverter(typeof(WireEnumConverter<DeliveryStatus>))]
public enum DeliveryStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("succeeded")] Succeeded,
    /// <summary>Every attempt failed (or the endpoint was deleted or disabled before it got through).</summary>
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>The receiver answered 410 Gone: the endpoint was disabled and the delivery given up.</summary>
    [JsonStringEnumMemberName("gone")] Gone,
}
