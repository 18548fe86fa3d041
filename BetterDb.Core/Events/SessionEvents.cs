using System.Text.Json;
using BetterDb.Core.Storage;

namespace BetterDb.Core.Events;

/// <summary>The session lifecycle's event types, as the outbox records them.</summary>
public static class SessionEventType
{
    public const string Started = "session.started";
    public const string Ended = "session.ended";
}

/// <summary>One event handed to the handlers: what happened and the session as it was then.</summary>
public sealed record OutboxEvent(long Id, string Type, string? SessionId, string? ConnectionId, DateTime OccurredAt, string Payload)
{
    internal static OutboxEvent From(OutboxEventEntity e) => new(e.Id, e.Type, e.SessionId, e.ConnectionId, e.OccurredAt, e.Payload);

    public T? PayloadAs<T>() => JsonSerializer.Deserialize<T>(Payload, Outbox.Json);
}

/// <summary>
/// A subscriber to the outbox: called at least once per event, in event order, from the dispatcher. Must be
/// idempotent (an event is handed again after a failure or a crash) and quick (queue the real work, e.g. a
/// Hangfire job). Throwing leaves the event to be handed to every handler again later.
/// </summary>
public interface IOutboxHandler
{
    Task HandleAsync(OutboxEvent e, CancellationToken ct);
}

/// <summary>Builds outbox rows; they are added to the same context (the same transaction) as the state change.</summary>
public static class Outbox
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static OutboxEventEntity Event(string type, string? sessionId, string? connectionId, object payload) => new()
    {
        Type = type,
        SessionId = sessionId,
        ConnectionId = connectionId,
        OccurredAt = DateTime.UtcNow,
        Payload = JsonSerializer.Serialize(payload, Json),
    };
}
