using BetterDb.Core.Capture;
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
            SessionStatus.Completed => SessionCompleted,
            SessionStatus.Truncated => SessionTruncated,
            SessionStatus.Failed => SessionFailed,
            SessionStatus.Interrupted => SessionInterrupted,
            SessionStatus.Skipped => SessionSkipped,
            _ => null,
        };
    }
}

/// <summary>The states of a delivery.</summary>
public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    /// <summary>Every attempt failed (or the endpoint was deleted or disabled before it got through).</summary>
    public const string Failed = "failed";
    /// <summary>The receiver answered 410 Gone: the endpoint was disabled and the delivery given up.</summary>
    public const string Gone = "gone";
}
