using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Integration;

/// <summary>
/// Issue 19 item 5, per connection: a connection's <c>redactValues</c> set over the API is kept by a PUT that leaves it
/// out, and redacts that connection's live captures and imports, while another connection's capture keeps its values.
/// </summary>
[Collection(WatchdogCollection.Name)]
public sealed class ConnectionRedactionTests(WatchdogRedisFixture fx)
{
    [Fact]
    public async Task A_connection_with_redactValues_captures_no_value_and_another_connection_still_does()
    {
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        await using var app = new TestApp(fx.Url);
        var api = new BetterDbApi(app.CreateClient());

        using (var created = await api.PostJsonAsync("/api/connections", new { name = "redacted", host = "127.0.0.1", port = fx.Server.Port, redactValues = true }))
        {
            await BetterDbApi.ExpectAsync(created, HttpStatusCode.Created);
            var body = await created.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(body.GetProperty("redactValues").GetBoolean());
        }
        var id = (await api.Http.GetFromJsonAsync<JsonElement[]>("/api/connections"))!.Single(c => c.GetProperty("name").GetString() == "redacted").GetProperty("id").GetString()!;
        // A client that does not know the field cannot switch it off by leaving it out.
        using (var put = await api.Http.PutAsJsonAsync($"/api/connections/{id}", new { name = "redacted", host = "127.0.0.1", port = fx.Server.Port }))
            await BetterDbApi.ExpectAsync(put, HttpStatusCode.OK);
        Assert.True((await api.Http.GetFromJsonAsync<JsonElement>($"/api/connections/{id}")).GetProperty("redactValues").GetBoolean());
        Assert.False((await api.Http.GetFromJsonAsync<JsonElement>("/api/connections/default")).GetProperty("redactValues").GetBoolean());

        var session = await api.StartCaptureAsync(id, durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var db = fx.Client.GetDatabase();
        await db.ExecuteAsync("set", "cr:k", "secret-value", "EX", "100");
        await db.SortedSetAddAsync("cr:z", "secret-member", 1.5);
        await db.StreamAddAsync("cr:s", "f", "secret-value");
        await db.ScriptEvaluateAsync("return 1", [new StackExchange.Redis.RedisKey("cr:k")], ["secret-arg"]);
        var lines = await api.WaitForLinesAsync(session.Id, ls => ls.Count(l => l.Keys.Any(k => k.StartsWith("cr:"))) >= 4, "the four writes");
        await api.StopAsync(session.Id);

        Assert.True((await api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{session.Id}")).GetProperty("redacted").GetBoolean());
        Assert.DoesNotContain(lines, l => l.Raw.Contains("secret-"));
        Assert.Contains(lines, l => l.Cmd == "SET" && l.Args.SequenceEqual(["cr:k", "(redacted)", "EX", "100"]));
        Assert.Contains(lines, l => l.Cmd == "ZADD" && l.Args.SequenceEqual(["cr:z", "1.5", "(redacted)"]));
        Assert.Contains(lines, l => l.Cmd == "XADD" && l.Args[^1] == "(redacted)" && l.Keys.SequenceEqual(["cr:s"]));
        Assert.Contains(lines, l => l.Cmd == "EVAL" && l.Args.SequenceEqual(["return 1", "1", "cr:k", "(redacted)"]) && l.Keys.SequenceEqual(["cr:k"]));

        // An import onto that connection is redacted too.
        using (var form = new MultipartFormDataContent())
        {
            form.Add(new StringContent(id), "connectionId");
            form.Add(new ByteArrayContent("1796155161.000001 [0 10.0.0.1:5000] \"HSET\" \"cr:h\" \"f\" \"secret-import\"\n"u8.ToArray()), "file", "m.txt");
            using var imported = await api.Http.PostAsync("/api/monitor/sessions/import", form);
            await BetterDbApi.ExpectAsync(imported, HttpStatusCode.Created);
            var importedId = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            var text = await api.ExportTextAsync(importedId);
            Assert.DoesNotContain("secret-import", text);
            Assert.Contains("\"HSET\" \"cr:h\" \"f\" \"(redacted)\"", text);
        }

        // The default connection, without the flag, keeps its values: the flag is per connection.
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        var plain = await api.StartCaptureAsync("default", durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await db.StringSetAsync("cr:plain", "visible-value");
        var plainLines = await api.WaitForLinesAsync(plain.Id, ls => ls.Any(l => l.Keys.Contains("cr:plain")), "the plain write");
        await api.StopAsync(plain.Id);
        Assert.Contains(plainLines, l => l.Cmd == "SET" && l.Args.SequenceEqual(["cr:plain", "visible-value"]));
        Assert.False((await api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{plain.Id}")).GetProperty("redacted").GetBoolean());
    }

    [Fact]
    public async Task A_redacting_connection_named_after_the_file_is_refused_and_leaves_no_session_in_clear()
    {
        await using var app = new TestApp(fx.Url);
        var api = new BetterDbApi(app.CreateClient());
        using (var created = await api.PostJsonAsync("/api/connections", new { name = "redacted-late", host = "127.0.0.1", port = fx.Server.Port, redactValues = true }))
            await BetterDbApi.ExpectAsync(created, HttpStatusCode.Created);
        var id = (await api.Http.GetFromJsonAsync<JsonElement[]>("/api/connections"))!.Single(c => c.GetProperty("name").GetString() == "redacted-late").GetProperty("id").GetString()!;
        var before = (await api.Http.GetFromJsonAsync<JsonElement[]>("/api/monitor/sessions"))!.Length;

        // curl -F keeps the order given: the file is read (and stored) before connectionId arrives.
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent("1796155161.000001 [0 10.0.0.1:5000] \"SET\" \"cr:late\" \"secret-late\"\n"u8.ToArray()), "file", "m.txt");
        form.Add(new StringContent(id), "connectionId");
        using var imported = await api.Http.PostAsync("/api/monitor/sessions/import", form);

        Assert.Equal(HttpStatusCode.BadRequest, imported.StatusCode);
        var problem = await imported.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("connectionId", problem.GetProperty("field").GetString());
        Assert.Contains("before the file", problem.GetProperty("detail").GetString());
        Assert.Equal(before, (await api.Http.GetFromJsonAsync<JsonElement[]>("/api/monitor/sessions"))!.Length);
    }
}
