using System.Net;
using System.Text;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Api;

/// <summary>
/// API.md read strictly (issue 9, item 9): a number in a query string is plain ASCII digits given once, a number in a
/// JSON body is a JSON number, and connection fields are bounded and well-formed; anything else is a 400 naming the field.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class StrictInputTests(RedisAppFixture fx)
{
    private HttpClient Http => fx.Http;

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.RequestMessage?.RequestUri}: expected 400, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var root = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(field, root.GetProperty("field").GetString());
        Assert.Contains(field, root.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        return root;
    }

    private async Task<string> ImportedSessionAsync()
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(Encoding.ASCII.GetBytes("1700000000.000001 [0 127.0.0.1:5000] \"SET\" \"k\" \"v\"\n")), "file", "m.txt");
        using var response = await Http.PostAsync("/api/monitor/sessions/import", form);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    [Theory]
    [InlineData("limit=1%00", "limit")]
    [InlineData("limit=+5", "limit")]
    [InlineData("limit=%2B5", "limit")]
    [InlineData("limit=%205", "limit")]
    [InlineData("limit=5%20", "limit")]
    [InlineData("limit=1&limit=abc", "limit")]
    [InlineData("limit=1&limit=1", "limit")]
    [InlineData("limit=0x10", "limit")]
    [InlineData("limit=1e2", "limit")]
    [InlineData("limit=%D9%A3", "limit")] // an Arabic-Indic digit three
    [InlineData("offset=+0", "offset")]
    [InlineData("offset=0%00", "offset")]
    [InlineData("offset=1&offset=2", "offset")]
    [InlineData("offset=99999999999999999999", "offset")]
    [InlineData("status=running&status=failed", "status")]
    [InlineData("connectionId=a&connectionId=b", "connectionId")]
    public async Task Session_list_paging_takes_plain_digits_once(string query, string field)
    {
        using var response = await Http.GetAsync("/api/monitor/sessions?" + query);
        await AssertProblemAsync(response, field);
    }

    [Theory]
    [InlineData("db=+1", "db")]
    [InlineData("db=1%00", "db")]
    [InlineData("db=1&db=2", "db")]
    [InlineData("db=-0", "db")]
    [InlineData("afterTs=1%00", "afterTs")]
    [InlineData("afterTs=+1", "afterTs")]
    [InlineData("afterTs=1e3", "afterTs")]
    [InlineData("afterTs=1&afterTs=2", "afterTs")]
    [InlineData("beforeTs=%201", "beforeTs")]
    [InlineData("beforeTs=1.0", "beforeTs")]
    [InlineData("limit=+5", "limit")]
    [InlineData("offset=1%00", "offset")]
    [InlineData("key=a*&key=b*", "key")]
    [InlineData("text=a&text=b", "text")]
    [InlineData("command=get&command=set", "command")]
    [InlineData("client=a&client=b", "client")]
    public async Task Line_filters_take_plain_digits_and_one_value(string query, string field)
    {
        var id = await ImportedSessionAsync();
        using (var lines = await Http.GetAsync($"/api/monitor/sessions/{id}/lines?{query}"))
            await AssertProblemAsync(lines, field);
        if (field is "limit" or "offset") return; // export takes no paging
        using (var export = await Http.GetAsync($"/api/monitor/sessions/{id}/export?format=txt&{query}"))
            await AssertProblemAsync(export, field);
        using (var analysis = await Http.GetAsync($"/api/monitor/sessions/{id}/analysis?{query}"))
            await AssertProblemAsync(analysis, field);
    }

    [Fact]
    public async Task Export_format_and_prefix_delimiter_are_given_once()
    {
        var id = await ImportedSessionAsync();
        using (var r = await Http.GetAsync($"/api/monitor/sessions/{id}/export?format=json&format=csv"))
            await AssertProblemAsync(r, "format");
        using (var r = await Http.GetAsync($"/api/monitor/sessions/{id}/analysis?prefixDelimiter=:&prefixDelimiter=/"))
            await AssertProblemAsync(r, "prefixDelimiter");
    }

    [Fact]
    public async Task Plain_numbers_are_still_accepted()
    {
        var id = await ImportedSessionAsync();
        using (var r = await Http.GetAsync($"/api/monitor/sessions/{id}/lines?limit=5&offset=0&db=0&afterTs=0&beforeTs=9999999999999"))
        {
            await BetterDbApi.ExpectAsync(r, HttpStatusCode.OK);
            Assert.Equal(1, JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("lines").GetArrayLength());
        }
        using (var r = await Http.GetAsync("/api/monitor/sessions?limit=007"))
            await BetterDbApi.ExpectAsync(r, HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("{\"name\":\"s\",\"host\":\"127.0.0.1\",\"port\":\"6471\"}", "port")]
    [InlineData("{\"name\":\"s\",\"host\":\"127.0.0.1\",\"port\":6471,\"db\":\"1\"}", "db")]
    [InlineData("{\"name\":\"s\",\"host\":\"127.0.0.1\",\"port\":6471.5}", "port")]
    public async Task Connection_numbers_must_be_json_numbers(string json, string field)
    {
        using var response = await fx.Api.PostRawAsync("/api/connections", json);
        await AssertProblemAsync(response, field);
    }

    [Fact]
    public async Task Capture_numbers_must_be_json_numbers()
    {
        using var response = await fx.Api.PostRawAsync("/api/monitor/sessions", "{\"connectionId\":\"default\",\"durationMs\":\"5000\"}");
        await AssertProblemAsync(response, "durationMs");
    }

    [Fact]
    public async Task A_username_is_at_most_256_characters_and_has_no_spaces_or_controls()
    {
        var huge = new string('u', 1024 * 1024);
        using (var r = await fx.Api.PostJsonAsync("/api/connections", new { name = "u1", host = "127.0.0.1", port = 6379, username = huge }))
            await AssertProblemAsync(r, "username");
        using (var r = await fx.Api.PostJsonAsync("/api/connections", new { name = "u2", host = "127.0.0.1", port = 6379, username = new string('u', 257) }))
            await AssertProblemAsync(r, "username");
        using (var r = await fx.Api.PostJsonAsync("/api/connections", new { name = "u3", host = "127.0.0.1", port = 6379, username = "a b" }))
            await AssertProblemAsync(r, "username");
        using (var r = await fx.Api.PostJsonAsync("/api/connections", new { name = "u4", host = "127.0.0.1", port = 6379, username = "a\0b" }))
            await AssertProblemAsync(r, "username");
        using (var ok = await fx.Api.PostJsonAsync("/api/connections", new { name = "u5", host = "127.0.0.1", port = 6379, username = new string('u', 256) }))
        {
            await BetterDbApi.ExpectAsync(ok, HttpStatusCode.Created);
            var id = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
            // The same rules on update.
            using var put = await Http.PutAsync($"/api/connections/{id}",
                new StringContent(JsonSerializer.Serialize(new { name = "u5", host = "127.0.0.1", port = 6379, username = huge }), Encoding.UTF8, "application/json"));
            await AssertProblemAsync(put, "username");
            (await Http.DeleteAsync($"/api/connections/{id}")).Dispose();
        }
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("../../etc/passwd")]
    [InlineData("redis/../x")]
    [InlineData("-redis.internal")]
    [InlineData("redis-.internal")]
    [InlineData("redis..internal")]
    [InlineData(".redis")]
    [InlineData("redis_cache")]
    [InlineData("300.1.1.1")]
    [InlineData("1.2.3")]
    [InlineData("[::1]")]
    [InlineData("::1::2")]
    [InlineData("host:6379")]
    [InlineData("http://redis")]
    [InlineData("réd.is")]
    public async Task A_host_is_a_host_name_or_an_ip_address(string host)
    {
        using var r = await fx.Api.PostJsonAsync("/api/connections", new { name = "h", host, port = 6379 });
        await AssertProblemAsync(r, "host");
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("redis.internal")]
    [InlineData("Redis-1.cache.example.com.")]
    [InlineData("10.0.0.7")]
    [InlineData("::1")]
    [InlineData("2001:db8::7")]
    [InlineData("fe80::1%eth0")]
    [InlineData("1e100.net")]
    public async Task Host_names_and_addresses_are_accepted(string host)
    {
        using var r = await fx.Api.PostJsonAsync("/api/connections", new { name = "ok-" + host, host, port = 6379 });
        await BetterDbApi.ExpectAsync(r, HttpStatusCode.Created);
        var created = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(host, created.GetProperty("host").GetString());
        (await Http.DeleteAsync($"/api/connections/{created.GetProperty("id").GetString()}")).Dispose();
    }
}
