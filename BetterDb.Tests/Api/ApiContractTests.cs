using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Api;

/// <summary>The HTTP contract of shared/API.md: status codes, problem details naming the field, spellings, headers, secrets.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiContractTests(RedisAppFixture fx)
{
    private HttpClient Http => fx.Http;

    /// <summary>
    /// Asserts an RFC 7807 answer with <paramref name="status"/>, a readable detail, and (for a 400) the field at
    /// fault, which the detail names too. <c>"malformed"</c>: broken JSON, where any field naming the spot will do.
    /// </summary>
    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var root = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        var detail = root.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail), "the problem has a human-readable detail");
        if (field is not null)
        {
            var named = root.GetProperty("field").GetString();
            if (field == "malformed")
            {
                // Broken JSON: the field is where parsing stopped, or the body as a whole.
                Assert.False(string.IsNullOrEmpty(named));
                Assert.Contains("JSON", detail);
            }
            else
            {
                Assert.Equal(field, named);
                if (field != "body") Assert.Contains(field == "db" ? "database" : field, detail, StringComparison.OrdinalIgnoreCase);
            }
        }
        return root;
    }

    private async Task<SessionDto> FinishedSessionAsync()
    {
        var session = await fx.Api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await fx.Client.GetDatabase().StringSetAsync("api:contract", "x");
        await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Any(l => l.Args.FirstOrDefault() == "api:contract"), "a stored line");
        return await fx.Api.StopAsync(session.Id);
    }

    [Theory]
    [InlineData("/api/monitor/sessions?limit=abc", "limit")]
    [InlineData("/api/monitor/sessions?limit=0", "limit")]
    [InlineData("/api/monitor/sessions?limit=1001", "limit")]
    [InlineData("/api/monitor/sessions?limit=", "limit")]
    [InlineData("/api/monitor/sessions?offset=-1", "offset")]
    [InlineData("/api/monitor/sessions?offset=abc", "offset")]
    [InlineData("/api/monitor/sessions?status=bogus", "status")]
    [InlineData("/api/monitor/sessions/any/lines?limit=abc", "limit")]
    [InlineData("/api/monitor/sessions/any/lines?offset=-1", "offset")]
    [InlineData("/api/monitor/sessions/any/lines?limit=1.5", "limit")]
    public async Task Bad_query_values_are_400_naming_the_field(string url, string field)
    {
        using var response = await Http.GetAsync(url);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Paging_values_in_range_are_accepted()
    {
        var session = await FinishedSessionAsync();
        using (var r = await Http.GetAsync("/api/monitor/sessions?limit=1000&offset=0"))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using var lines = await Http.GetAsync($"/api/monitor/sessions/{session.Id}/lines?limit=1&offset=0");
        Assert.Equal(HttpStatusCode.OK, lines.StatusCode);
        using var doc = JsonDocument.Parse(await lines.Content.ReadAsStringAsync());
        Assert.Equal(session.Id, doc.RootElement.GetProperty("sessionId").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("limit").GetInt32());
        Assert.Equal(0, doc.RootElement.GetProperty("offset").GetInt64());
        Assert.Equal(1, doc.RootElement.GetProperty("lines").GetArrayLength());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(-5)]
    [InlineData(24L * 3600 * 1000 + 1)]
    [InlineData(25L * 3600 * 1000)]
    public async Task Duration_out_of_range_is_400_naming_durationMs(long durationMs)
    {
        using var response = await fx.Api.PostJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs });
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "durationMs");
    }

    [Theory]
    [InlineData("{\"connectionId\": \"default\", \"durationMs\": ", "malformed")]
    [InlineData("not json at all", "malformed")]
    [InlineData("{\"connectionId\": \"default\", \"durationMs\": \"abc\"}", "durationMs")]
    [InlineData("{\"connectionId\": \"default\", \"lineCap\": 0}", "lineCap")]
    [InlineData("{\"connectionId\": \"default\", \"byteCap\": -1}", "byteCap")]
    [InlineData("{}", "connectionId")]
    [InlineData("{\"durationMs\": 5000}", "connectionId")]
    [InlineData("{\"connectionId\": \"  \"}", "connectionId")]
    public async Task Bad_capture_requests_are_400_naming_the_field(string json, string field)
    {
        using var response = await fx.Api.PostRawAsync("/api/monitor/sessions", json);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_400()
    {
        using var response = await Http.PostAsync("/api/monitor/sessions", new StringContent("connectionId=default", Encoding.UTF8, "text/plain"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "body");
    }

    [Theory]
    [InlineData("{\"name\": \"x\", \"host\": \"127.0.0.1\", \"port\": 70000}", "port")]
    [InlineData("{\"name\": \"x\", \"host\": \"127.0.0.1\", \"port\": 0}", "port")]
    [InlineData("{\"name\": \"x\", \"host\": \"127.0.0.1\"}", "port")]
    [InlineData("{\"name\": \"x\", \"host\": \"127.0.0.1\", \"port\": \"six\"}", "port")]
    [InlineData("{\"host\": \"127.0.0.1\", \"port\": 6379}", "name")]
    [InlineData("{\"name\": \"x\", \"port\": 6379}", "host")]
    [InlineData("{\"name\": \"x\", \"host\": \"bad host\", \"port\": 6379}", "host")]
    [InlineData("{\"name\": \"x\", \"host\": \"127.0.0.1\", \"port\": 6379, \"db\": -1}", "db")]
    [InlineData("{\"name\": \"x\", \"host\": \"127.0.0.1\", \"port\": 6379", "malformed")]
    public async Task Bad_connections_are_400_naming_the_field(string json, string field)
    {
        using var response = await fx.Api.PostRawAsync("/api/connections", json);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("GET", "/api/monitor/sessions/no-such-session")]
    [InlineData("POST", "/api/monitor/sessions/no-such-session/stop")]
    [InlineData("DELETE", "/api/monitor/sessions/no-such-session")]
    [InlineData("GET", "/api/monitor/sessions/no-such-session/lines")]
    [InlineData("GET", "/api/monitor/sessions/no-such-session/export?format=txt")]
    [InlineData("GET", "/api/connections/no-such-connection")]
    [InlineData("DELETE", "/api/connections/no-such-connection")]
    [InlineData("POST", "/api/connections/no-such-connection/test")]
    [InlineData("GET", "/api/connections/no-such-connection/nodes")]
    public async Task Unknown_ids_are_404(string method, string url)
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unknown_connection_for_a_capture_or_an_update_is_404()
    {
        using (var start = await fx.Api.PostJsonAsync("/api/monitor/sessions", new { connectionId = "no-such-connection" }))
            await AssertProblemAsync(start, HttpStatusCode.NotFound);
        using var put = await Http.PutAsJsonAsync("/api/connections/no-such-connection", new { name = "x", host = "h", port = 1 });
        await AssertProblemAsync(put, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Connections_never_return_a_password()
    {
        var secret = "s3cr3t-" + Guid.NewGuid().ToString("N");
        using var created = await fx.Api.PostJsonAsync("/api/connections",
            new { name = "secretive", host = "127.0.0.1", port = fx.Server.Port, username = "someone", password = secret });
        await BetterDbApi.ExpectAsync(created, HttpStatusCode.Created);
        var createdJson = await created.Content.ReadAsStringAsync();
        var id = JsonDocument.Parse(createdJson).RootElement.GetProperty("id").GetString()!;
        Assert.EndsWith($"/api/connections/{id}", created.Headers.Location?.ToString());

        var bodies = new List<string> { createdJson };
        bodies.Add(await Http.GetStringAsync("/api/connections"));
        bodies.Add(await Http.GetStringAsync($"/api/connections/{id}"));
        using (var put = await Http.PutAsJsonAsync($"/api/connections/{id}",
                   new { name = "secretive2", host = "127.0.0.1", port = fx.Server.Port, username = "someone" }))
        {
            await BetterDbApi.ExpectAsync(put, HttpStatusCode.OK);
            bodies.Add(await put.Content.ReadAsStringAsync());
        }
        using (var test = await Http.PostAsync($"/api/connections/{id}/test", null))
        {
            await BetterDbApi.ExpectAsync(test, HttpStatusCode.OK);
            var testJson = await test.Content.ReadAsStringAsync();
            Assert.False(JsonDocument.Parse(testJson).RootElement.GetProperty("ok").GetBoolean()); // no such user on the server
            bodies.Add(testJson);
        }
        var session = await fx.Api.StartCaptureAsync(id, durationMs: 5_000);
        await fx.Api.WaitForEndAsync(session.Id);
        bodies.Add(await Http.GetStringAsync($"/api/monitor/sessions/{session.Id}"));
        bodies.Add(await Http.GetStringAsync("/api/monitor/sessions?limit=1000"));

        foreach (var body in bodies)
        {
            Assert.DoesNotContain(secret, body);
            Assert.DoesNotContain("***", body);
            Assert.Empty(PropertyNames(JsonDocument.Parse(body).RootElement)
                .Where(n => n.Equals("password", StringComparison.OrdinalIgnoreCase) || n.Equals("protectedPassword", StringComparison.OrdinalIgnoreCase)));
        }

        // At rest it is encrypted: neither the database row nor the SQLite files hold the clear text.
        var contexts = fx.App.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var row = await db.Connections.SingleAsync(c => c.Id == id);
            Assert.NotNull(row.ProtectedPassword);
            Assert.DoesNotContain(secret, row.ProtectedPassword);
        }
        foreach (var file in Directory.GetFiles(fx.App.DataDirectory, "betterdb.db*"))
        {
            var bytes = await ReadSharedAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"{Path.GetFileName(file)} holds the clear password");
        }
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var output = new MemoryStream();
        await stream.CopyToAsync(output);
        return output.ToArray();
    }

    private static IEnumerable<string> PropertyNames(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => PropertyNames(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(PropertyNames),
        _ => [],
    };

    [Fact]
    public async Task Connection_objects_have_the_documented_shape()
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync("/api/connections"));
        var first = doc.RootElement.EnumerateArray().First(c => c.GetProperty("id").GetString() == "default");
        foreach (var name in new[] { "id", "name", "host", "port", "username", "tls", "db", "isDefault" })
            Assert.True(first.TryGetProperty(name, out _), $"connection has '{name}'");
        Assert.True(first.GetProperty("isDefault").GetBoolean());
        Assert.Equal(fx.Server.Port, first.GetProperty("port").GetInt32());
        Assert.Equal(JsonValueKind.False, first.GetProperty("tls").ValueKind);

        using var test = await Http.PostAsync("/api/connections/default/test", null);
        using var result = JsonDocument.Parse(await test.Content.ReadAsStringAsync());
        Assert.True(result.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("redis", result.RootElement.GetProperty("serverName").GetString());
        Assert.Equal("standalone", result.RootElement.GetProperty("mode").GetString());
        Assert.Matches(@"^\d+\.\d+", result.RootElement.GetProperty("serverVersion").GetString());
        Assert.True(result.RootElement.GetProperty("latencyMs").GetDouble() >= 0);

        using var nodes = JsonDocument.Parse(await Http.GetStringAsync("/api/connections/default/nodes"));
        Assert.False(nodes.RootElement.GetProperty("isCluster").GetBoolean());
        Assert.Equal(0, nodes.RootElement.GetProperty("nodes").GetArrayLength());
    }

    [Fact]
    public async Task Session_and_line_objects_are_spelled_as_documented()
    {
        using var created = await fx.Api.PostJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 1_000, requestedBy = "contract" });
        await BetterDbApi.ExpectAsync(created, HttpStatusCode.Created);
        var startedJson = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.Clone();
        var id = startedJson.GetProperty("id").GetString()!;
        Assert.EndsWith($"/api/monitor/sessions/{id}", created.Headers.Location?.ToString());
        Assert.Equal("running", startedJson.GetProperty("status").GetString());
        Assert.Equal("manual", startedJson.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, startedJson.GetProperty("terminationReason").ValueKind);
        Assert.Equal(50L * 1024 * 1024, startedJson.GetProperty("byteCap").GetInt64());
        Assert.Equal(5_000_000, startedJson.GetProperty("lineCap").GetInt64());
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await fx.Client.GetDatabase().StringSetAsync("api:shape", "x");

        var final = await fx.Api.WaitForEndAsync(id);
        var json = JsonDocument.Parse(await Http.GetStringAsync($"/api/monitor/sessions/{id}")).RootElement;
        foreach (var name in new[]
                 {
                     "id", "connectionId", "status", "source", "requestedBy", "triggerId", "scheduleId", "startedAt", "endedAt",
                     "durationMs", "byteCap", "lineCap", "byteCount", "lineCount", "terminationReason", "targetNode", "nodeSegments",
                 })
            Assert.True(json.TryGetProperty(name, out _), $"session has '{name}'");
        Assert.Equal("completed", json.GetProperty("status").GetString());
        Assert.Equal("duration_cap", json.GetProperty("terminationReason").GetString());
        Assert.Equal("default", json.GetProperty("connectionId").GetString());
        Assert.Equal("contract", json.GetProperty("requestedBy").GetString());
        Assert.Equal(1_000, json.GetProperty("durationMs").GetInt64());
        // ISO-8601 UTC strings.
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", json.GetProperty("startedAt").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", json.GetProperty("endedAt").GetString());
        Assert.Equal(final.LineCount, json.GetProperty("lineCount").GetInt64());

        using var page = JsonDocument.Parse(await Http.GetStringAsync($"/api/monitor/sessions/{id}/lines?limit=1000"));
        var line = page.RootElement.GetProperty("lines").EnumerateArray()
            .First(l => l.GetProperty("args").EnumerateArray().FirstOrDefault().ValueKind == JsonValueKind.String
                        && l.GetProperty("args")[0].GetString() == "api:shape");
        foreach (var name in new[] { "ts", "tsRaw", "db", "addr", "cmd", "args", "keys", "raw", "nodeId" })
            Assert.True(line.TryGetProperty(name, out _), $"line has '{name}'");
        Assert.Equal(JsonValueKind.Number, line.GetProperty("ts").ValueKind);
        Assert.Equal(JsonValueKind.String, line.GetProperty("tsRaw").ValueKind);
        Assert.Equal(JsonValueKind.Number, line.GetProperty("db").ValueKind);
        Assert.Equal("SET", line.GetProperty("cmd").GetString());
        Assert.Equal("api:shape", line.GetProperty("keys")[0].GetString());
        var tsRaw = line.GetProperty("tsRaw").GetString()!;
        Assert.Equal((long)(decimal.Parse(tsRaw, System.Globalization.CultureInfo.InvariantCulture) * 1000), line.GetProperty("ts").GetInt64());
        Assert.StartsWith(tsRaw + " [0 ", line.GetProperty("raw").GetString());
    }

    [Fact]
    public async Task Session_lists_are_newest_first_and_filter_by_connection_and_status()
    {
        var older = await FinishedSessionAsync();
        var newer = await FinishedSessionAsync();
        var all = await Http.GetFromJsonAsync<List<SessionDto>>("/api/monitor/sessions?connectionId=default&limit=1000", BetterDbApi.Json);
        Assert.True(all!.FindIndex(s => s.Id == newer.Id) < all.FindIndex(s => s.Id == older.Id));
        Assert.All(all, s => Assert.Equal("default", s.ConnectionId));
        for (var i = 1; i < all.Count; i++) Assert.True(all[i - 1].StartedAt >= all[i].StartedAt);

        var completed = await Http.GetFromJsonAsync<List<SessionDto>>("/api/monitor/sessions?status=completed&limit=1000", BetterDbApi.Json);
        Assert.All(completed!, s => Assert.Equal("completed", s.Status));
        Assert.Contains(completed!, s => s.Id == newer.Id);

        var one = await Http.GetFromJsonAsync<List<SessionDto>>("/api/monitor/sessions?connectionId=default&limit=1&offset=1", BetterDbApi.Json);
        Assert.Equal(all[1].Id, Assert.Single(one!).Id);
        Assert.Empty((await Http.GetFromJsonAsync<List<SessionDto>>("/api/monitor/sessions?connectionId=nobody", BetterDbApi.Json))!);
    }

    [Fact]
    public async Task Export_is_an_attachment_named_after_the_session()
    {
        var session = await FinishedSessionAsync();
        using var response = await Http.GetAsync($"/api/monitor/sessions/{session.Id}/export?format=txt");
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        var disposition = response.Content.Headers.ContentDisposition;
        Assert.NotNull(disposition);
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal($"monitor-session-{session.Id}.txt", disposition.FileName?.Trim('"'));
        Assert.StartsWith($"attachment; filename=monitor-session-{session.Id}.txt", string.Join(", ", response.Content.Headers.GetValues("Content-Disposition")));
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(session.LineCount, text.Count(c => c == '\n'));
        Assert.Contains("\"api:contract\"", text);
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("TXT2")]
    [InlineData("jsonl")]
    public async Task Unknown_export_format_is_400(string format)
    {
        var session = await FinishedSessionAsync();
        using var response = await Http.GetAsync($"/api/monitor/sessions/{session.Id}/export?format={format}");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "format");
    }
}
