using BetterDb.Core.Configuration;
using BetterDb.Core.Storage;

namespace BetterDb.Core.Webhooks;

/// <summary>An endpoint as the API shows it: never its secret, only whether one is set.</summary>
public sealed record Webhook
{
    public required string Id { get; init; }
    public required string Url { get; init; }
    public bool SecretSet { get; init; }
    public required IReadOnlyList<string> Events { get; init; }
    public string? ConnectionId { get; init; }
    public bool Enabled { get; init; }
    /// <summary>Why the app disabled it (e.g. the receiver answered 410 Gone).</summary>
    public string? DisabledReason { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }

    internal static Webhook From(WebhookEntity e) => new()
    {
        Id = e.Id,
        Url = e.Url,
        SecretSet = e.ProtectedSecret is not null,
        Events = e.Events.Split(' ', StringSplitOptions.RemoveEmptyEntries),
        ConnectionId = e.ConnectionId,
        Enabled = e.Enabled,
        DisabledReason = e.DisabledReason,
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.UpdatedAt,
    };
}

/// <summary>
/// A create or a replace. <see cref="Secret"/>: absent keeps the current one (on a replace), an empty string removes it.
/// <see cref="Events"/> absent means every event.
/// </summary>
public sealed record WebhookInput
{
    public string? Url { get; init; }
    public string? Secret { get; init; }
    public IReadOnlyList<string>? Events { get; init; }
    public string? ConnectionId { get; init; }
    public bool? Enabled { get; init; }
}

/// <summary>One event for one endpoint, as the delivery log shows it.</summary>
public sealed record WebhookDelivery
{
    public required string Id { get; init; }
    public required string WebhookId { get; init; }
    public required string Event { get; init; }
    public required DeliveryStatus Status { get; init; }
    public int Attempts { get; init; }
    public int? StatusCode { get; init; }
    public long? LatencyMs { get; init; }
    public string? Error { get; init; }
    public string? ResponseExcerpt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? LastAttemptAt { get; init; }
    /// <summary>When the next attempt is due; while an attempt is in flight, when its claim runs out (about the timeout from its start).</summary>
    public DateTime? NextAttemptAt { get; init; }
    /// <summary>The session the event is about, when it is about one.</summary>
    public string? SessionId { get; init; }

    /// <summary>The one place a stored delivery becomes the API's: its status word is read here (an unknown one throws).</summary>
    internal static WebhookDelivery From(WebhookDeliveryEntity e, string? sessionId) => new()
    {
        Id = e.Id,
        WebhookId = e.WebhookId,
        Event = e.EventType,
        Status = WireName<DeliveryStatus>.Stored(e.Status),
        Attempts = e.Attempts,
        StatusCode = e.LastStatusCode,
        LatencyMs = e.LastLatencyMs,
        Error = e.LastError,
        ResponseExcerpt = e.ResponseExcerpt,
        CreatedAt = e.CreatedAt,
        LastAttemptAt = e.LastAttemptAt,
        NextAttemptAt = e.NextAttemptAt,
        SessionId = sessionId,
    };
}
