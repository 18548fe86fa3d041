using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace BetterDb.Tests.Preflight;

/// <summary><c>POST /api/monitor/sessions/preflight</c> as API.md promises it.</summary>
[Collection(PreflightServersCollection.Name)]
public sealed class PreflightApiTests(PreflightServersFixture fx)
{
    private const string Url = "/api/monitor/sessions/preflight";

    private Task<HttpResponseMessage> PostAsync(string json) =>
        fx.Http.PostAsync(Url, new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task The_report_has_exactly_the_contract_shape()
    {
        using var response = await fx.Http.PostAsJsonAsync(Url, new { connectionId = "default", durationMs = 120_000 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;

        var provider = root.GetProperty("provider");
        Assert.Equal("self-hosted", provider.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Array, provider.GetProperty("restrictions").ValueKind);

        var acl = root.GetProperty("acl");
        Assert.Equal("default", acl.GetProperty("user").GetString());
        Assert.True(acl.GetProperty("hasMonitor").GetBoolean());
        Assert.Equal("+@all", acl.GetProperty("rules").GetString());
        Assert.Equal(JsonValueKind.Null, acl.GetProperty("setUserSnippet").ValueKind);

        var gate = root.GetProperty("healthGate");
        Assert.Equal(JsonValueKind.True, gate.GetProperty("allow").ValueKind);
        Assert.Equal(JsonValueKind.Null, gate.GetProperty("skipReason").ValueKind);
        var signals = gate.GetProperty("signals");
        Assert.InRange(signals.GetProperty("memoryPct").GetDouble(), 0, 1); // a fraction, not a percent
        Assert.Equal(0, signals.GetProperty("oomEventsRecent").GetInt64());
        Assert.Equal(0, signals.GetProperty("replicationLagBytes").GetInt64());
        Assert.False(signals.GetProperty("failoverInProgress").GetBoolean());
        var thresholds = gate.GetProperty("thresholds");
        Assert.Equal(0.85, thresholds.GetProperty("memoryPctThreshold").GetDouble());
        Assert.Equal(10_485_760, thresholds.GetProperty("replicationLagThresholdBytes").GetInt64());

        var estimate = root.GetProperty("estimate");
        Assert.True(estimate.GetProperty("opsPerSec").GetDouble() >= 0);
        Assert.Equal(120_000, estimate.GetProperty("durationMs").GetInt64());
        Assert.True(estimate.GetProperty("estimatedLines").GetInt64() >= 0);
        Assert.True(estimate.GetProperty("estimatedBytes").GetInt64() >= 0);
        Assert.True(estimate.GetProperty("avgLineBytes").GetDouble() > 0); // additive
        Assert.Contains(estimate.GetProperty("lineSizeSource").GetString(), new[] { "default", "last_capture" });

        Assert.Equal(JsonValueKind.Array, root.GetProperty("warnings").ValueKind);
        Assert.All(root.GetProperty("warnings").EnumerateArray(), w => Assert.Equal(JsonValueKind.String, w.ValueKind));
        Assert.True(root.GetProperty("monitorSupported").GetBoolean());
    }

    [Fact]
    public async Task A_user_without_monitor_gets_the_snippet_over_HTTP()
    {
        using var response = await fx.Http.PostAsJsonAsync(Url, new { connectionId = fx.CaptureUserId });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var acl = doc.RootElement.GetProperty("acl");
        Assert.False(acl.GetProperty("hasMonitor").GetBoolean());
        Assert.Equal("ACL SETUSER capture +monitor", acl.GetProperty("setUserSnippet").GetString());
        Assert.Contains(doc.RootElement.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("ACL SETUSER capture +monitor"));
    }

    [Theory]
    [InlineData("""{"connectionId":"default","durationMs":500}""", "durationMs")]
    [InlineData("""{"connectionId":"default","durationMs":86400001}""", "durationMs")]
    [InlineData("""{"connectionId":"default","durationMs":"soon"}""", "durationMs")]
    [InlineData("""{"durationMs":60000}""", "connectionId")]
    [InlineData("""{"connectionId":"  "}""", "connectionId")]
    [InlineData("""{"connectionId":"default","byteCap":0}""", "byteCap")]
    [InlineData("""{"connectionId":"default","lineCap":-1}""", "lineCap")]
    [InlineData("""not json""", "body")]
    public async Task Bad_input_is_a_400_naming_the_field(string json, string field)
    {
        using var response = await PostAsync(json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(field, doc.RootElement.GetProperty("field").GetString());
        Assert.False(string.IsNullOrWhiteSpace(doc.RootElement.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task An_unknown_connection_is_a_404()
    {
        using var response = await fx.Http.PostAsJsonAsync(Url, new { connectionId = "no-such-connection" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-such-connection", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_unreachable_target_is_a_503_with_the_error_text()
    {
        using var response = await fx.Http.PostAsJsonAsync(Url, new { connectionId = fx.DeadId, durationMs = 5_000 });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var detail = doc.RootElement.GetProperty("detail").GetString()!;
        Assert.Contains($"127.0.0.1:{fx.DeadPort}", detail);
        Assert.Contains("refused", detail, StringComparison.OrdinalIgnoreCase);
    }
}
