using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Api;

/// <summary>
/// Issue 11, item 6: every API handler is named and declares its answers (typed results), so the OpenAPI document
/// gives each operation an operationId and its success answer with a schema (the problem answers carry no
/// status code in the type, so they are not listed).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiResponseTests(RedisAppFixture fx)
{
    private async Task<JsonElement> OperationAsync(string path, string method)
    {
        using var doc = JsonDocument.Parse(await fx.Http.GetStringAsync("/openapi/v1.json"));
        return doc.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method).Clone();
    }

    [Theory]
    [InlineData("/api/monitor/sessions", "post", "StartSession", "201")]
    [InlineData("/api/monitor/sessions/{id}", "get", "GetSession", "200")]
    [InlineData("/api/monitor/sessions/{id}", "delete", "DeleteSession", "204")]
    [InlineData("/api/monitor/sessions/import", "post", "ImportSession", "201")]
    [InlineData("/api/monitor/sessions/{id}/lines", "get", "ReadSessionLines", "200")]
    [InlineData("/api/connections/{id}/history/info", "get", "InfoHistory", "200")]
    [InlineData("/api/webhooks/deliveries/{deliveryId}/redeliver", "post", "RedeliverWebhookDelivery", "202")]
    [InlineData("/api/monitor/sessions/{id}/replay", "post", "ReplaySession", "202")]
    [InlineData("/api/replays/{id}", "get", "GetReplay", "200")]
    public async Task An_operation_has_its_name_and_its_answers(string path, string method, string name, string success)
    {
        var op = await OperationAsync(path, method);
        Assert.Equal(name, op.GetProperty("operationId").GetString());
        var responses = op.GetProperty("responses");
        Assert.True(responses.TryGetProperty(success, out var ok), $"{method} {path}: no {success} in {responses}");
        if (success != "204") Assert.True(ok.TryGetProperty("content", out _), $"{method} {path}: {success} has no schema: {ok}");
    }
}
