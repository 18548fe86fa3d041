using System.Text.Json;
using System.Text.Json.Nodes;
using BetterDb.Core.Connections;
using BetterDb.Core.Events;

namespace BetterDb.Core.Webhooks;

/// <summary>
/// The body API.md documents: <c>{id, type, occurredAt, connection:{id, name, host, port}, data:{...}}</c>. The session in
/// <c>data</c> is the one the outbox recorded (the API's session object, which holds no password); the connection
/// is looked up when the event is fanned out, and named from the session when the connection was deleted since.
/// </summary>
public static class WebhookBody
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string ForEvent(OutboxEvent e, string type, ConnectionProfile? connection)
    {
        var data = JsonNode.Parse(e.Payload);
        var connectionNode = e.ConnectionId is null ? null
            : Connection(e.ConnectionId, connection?.Name ?? data?["connectionName"]?.GetValue<string>(), connection?.Host, connection?.Port);
        return Serialize($"evt_{e.Id}", type, e.OccurredAt, connectionNode, data);
    }

    public static string Ping(string deliveryId, Webhook webhook, ConnectionProfile? connection) =>
        Serialize($"ping_{deliveryId}", WebhookEventType.Ping, DateTime.UtcNow,
            webhook.ConnectionId is null ? null : Connection(webhook.ConnectionId, connection?.Name, connection?.Host, connection?.Port),
            new JsonObject { ["webhookId"] = webhook.Id, ["message"] = "A test delivery from BetterDb." });

    private static JsonObject Connection(string id, string? name, string? host, int? port) => new()
    {
        ["id"] = id,
        ["name"] = name,
        ["host"] = host,
        ["port"] = port,
    };

    private static string Serialize(string id, string type, DateTime occurredAt, JsonNode? connection, JsonNode? data) =>
        new JsonObject
        {
            ["id"] = id,
            ["type"] = type,
            ["occurredAt"] = DateTime.SpecifyKind(occurredAt, DateTimeKind.Utc),
            ["connection"] = connection,
            ["data"] = data,
        }.ToJsonString(Json);
}
