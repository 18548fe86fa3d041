namespace BetterDb.Core.Storage;

/// <summary>An HTTP endpoint told of session (and trigger) events. Its secret is kept protected (Data Protection).</summary>
public sealed class WebhookEntity
{
    public required string Id { get; set; }
    public required string Url { get; set; }
    public string? ProtectedSecret { get; set; }
    /// <summary>The event types it wants, space-separated (e.g. <c>monitor.session.failed monitor.session.skipped</c>).</summary>
    public required string Events { get; set; }
    /// <summary>Only this connection's events; null for every connection.</summary>
    public string? ConnectionId { get; set; }
    public bool Enabled { get; set; }
    /// <summary>Why the app turned it off (the receiver answered 410 Gone); null when a user did or it is on.</summary>
    public string? DisabledReason { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// One event for one endpoint: the exact body sent (and signed) on every attempt, under one delivery id, so a
/// receiver can drop a repeat. Unique per (endpoint, outbox event): an event handed over twice is delivered once.
/// </summary>
public sealed class WebhookDeliveryEntity
{
    public required string Id { get; set; }
    public required string WebhookId { get; set; }
    /// <summary>The outbox event it tells; null for a test ping.</summary>
    public long? OutboxEventId { get; set; }
    public required string EventType { get; set; }
    public required string Body { get; set; }
    /// <summary>A <see cref="Webhooks.DeliveryStatus"/>'s word; <see cref="Webhooks.WebhookDelivery"/> reads it back.</summary>
    public required string Status { get; set; }
    public int Attempts { get; set; }
    public int? LastStatusCode { get; set; }
    public long? LastLatencyMs { get; set; }
    /// <summary>The error of the last attempt, or the start of its response (at most 1 KB).</summary>
    public string? LastError { get; set; }
    public string? ResponseExcerpt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastAttemptAt { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    /// <summary>The Hangfire job of the next (or running) attempt.</summary>
    public string? JobId { get; set; }
}
