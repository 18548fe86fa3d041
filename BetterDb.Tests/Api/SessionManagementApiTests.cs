using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Api;

/// <summary>
/// Issue 12's additive API: the sessions list's filters and sort, PATCH of label/note/keep, testing a connection before
/// saving it (with the MONITOR answer), every field error of a connection at once, duplicate names, and an empty prefix
/// delimiter refused.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SessionManagementApiTests(RedisAppFixture fx)
{
    private HttpClient Http => fx.Http;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private async Task<JsonElement> ImportAsync(string requestedBy, int lines, string? connectionId = null)
    {
        var text = new StringBuilder();
        for (var i = 0; i < lines; i++) text.Append($"1700000000.{i:000000} [0 127.0.0.1:5000] \"SET\" \"k{i}\" \"v\"\n");
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(Encoding.ASCII.GetBytes(text.ToString())), "file", "m.txt");
        form.Add(new StringContent(requestedBy), "requestedBy");
        if (connectionId is not null) form.Add(new StringContent(connectionId), "connectionId");
        using var response = await Http.PostAsync("/api/monitor/sessions/import", form);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task<JsonElement[]> ListAsync(string query) =>
        (await Http.GetFromJsonAsync<JsonElement[]>("/api/monitor/sessions?" + query))!;

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        var root = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(field, root.GetProperty("field").GetString());
        return root;
    }

    [Fact]
    public async Task The_list_filters_by_source_and_requester_searches_and_sorts()
    {
        var small = await ImportAsync($"api-{_run}-a", 2);
        var big = await ImportAsync($"api-{_run}-b", 5);

        var byRequester = await ListAsync($"requestedBy=api-{_run}-a&source=import");
        Assert.Equal([small.GetProperty("id").GetString()], byRequester.Select(s => s.GetProperty("id").GetString()));

        var mostLines = await ListAsync($"q=api-{_run}&sort=most_lines");
        Assert.Equal([big.GetProperty("id").GetString(), small.GetProperty("id").GetString()], mostLines.Select(s => s.GetProperty("id").GetString()));
        Assert.Empty(await ListAsync($"q=api-{_run}&source=manual"));

        await ProblemAsync(await Http.GetAsync("/api/monitor/sessions?sort=biggest"), HttpStatusCode.BadRequest, "sort");
        await ProblemAsync(await Http.GetAsync("/api/monitor/sessions?source=cron"), HttpStatusCode.BadRequest, "source");
    }

    [Fact]
    public async Task Patch_sets_label_note_and_keep_and_leaves_what_is_left_out()
    {
        var id = (await ImportAsync($"api-{_run}-patch", 1)).GetProperty("id").GetString();

        using var first = await Http.PatchAsJsonAsync($"/api/monitor/sessions/{id}", new { label = "before deploy", note = "checking the cache", keep = true });
        await BetterDbApi.ExpectAsync(first, HttpStatusCode.OK);
        var s = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("before deploy", "checking the cache", true), (s.GetProperty("label").GetString(), s.GetProperty("note").GetString(), s.GetProperty("keep").GetBoolean()));

        using var second = await Http.PatchAsJsonAsync($"/api/monitor/sessions/{id}", new { note = "" });
        var t = JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("before deploy", t.GetProperty("label").GetString()); // left out: kept
        Assert.Equal(JsonValueKind.Null, t.GetProperty("note").ValueKind); // "": cleared
        Assert.True(t.GetProperty("keep").GetBoolean());

        await ProblemAsync(await Http.PatchAsJsonAsync($"/api/monitor/sessions/{id}", new { label = new string('x', 101) }), HttpStatusCode.BadRequest, "label");
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PatchAsJsonAsync("/api/monitor/sessions/nope", new { keep = true })).StatusCode);
    }

    [Fact]
    public async Task A_connection_body_gets_every_error_at_once_a_negative_db_is_refused_and_a_name_is_unique()
    {
        using var bad = await Http.PostAsJsonAsync("/api/connections", new { name = "", host = "", port = 0, db = -1 });
        var problem = await ProblemAsync(bad, HttpStatusCode.BadRequest, "name");
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Equal(["name", "host", "port", "db"], fields);

        using var created = await Http.PostAsJsonAsync("/api/connections", new { name = $"Cache-{_run}", host = "127.0.0.1", port = fx.Server.Port });
        await BetterDbApi.ExpectAsync(created, HttpStatusCode.Created);
        // The same name in another case: 400 naming name (the form shows it on the name field).
        using var twice = await Http.PostAsJsonAsync("/api/connections", new { name = $"cache-{_run}", host = "127.0.0.1", port = 6390 });
        var dup = await ProblemAsync(twice, HttpStatusCode.BadRequest, "name");
        Assert.Contains("already exists", dup.GetProperty("detail").GetString());
        // Renaming another connection to it is refused too; keeping its own name is fine.
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        using var same = await Http.PutAsJsonAsync($"/api/connections/{id}", new { name = $"CACHE-{_run}", host = "127.0.0.1", port = fx.Server.Port });
        await BetterDbApi.ExpectAsync(same, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_connection_is_tested_before_it_is_saved_and_a_user_without_monitor_is_told_so()
    {
        await fx.Server.CliAsync("ACL", "SETUSER", $"nomon-{_run}", "on", ">pw", "~*", "&*", "+@all", "-monitor");
        var before = (await Http.GetFromJsonAsync<JsonElement[]>("/api/connections"))!.Length;

        using var ok = await Http.PostAsJsonAsync("/api/connections/test", new { name = "probe", host = "127.0.0.1", port = fx.Server.Port });
        await BetterDbApi.ExpectAsync(ok, HttpStatusCode.OK);
        var okBody = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
        Assert.True(okBody.GetProperty("ok").GetBoolean());
        Assert.True(okBody.GetProperty("monitorAllowed").GetBoolean());

        using var denied = await Http.PostAsJsonAsync("/api/connections/test",
            new { name = "probe", host = "127.0.0.1", port = fx.Server.Port, username = $"nomon-{_run}", password = "pw" });
        var body = JsonDocument.Parse(await denied.Content.ReadAsStringAsync()).RootElement;
        Assert.True(body.GetProperty("ok").GetBoolean()); // connected...
        Assert.False(body.GetProperty("monitorAllowed").GetBoolean()); // ...but may not MONITOR
        Assert.Equal($"nomon-{_run}", body.GetProperty("user").GetString());
        Assert.Equal($"ACL SETUSER nomon-{_run} +monitor", body.GetProperty("setUserSnippet").GetString());
        Assert.Contains("cannot run MONITOR", body.GetProperty("monitorDetail").GetString());

        await ProblemAsync(await Http.PostAsJsonAsync("/api/connections/test", new { name = "probe", host = "127.0.0.1", port = 0 }), HttpStatusCode.BadRequest, "port");
        Assert.Equal(before, (await Http.GetFromJsonAsync<JsonElement[]>("/api/connections"))!.Length); // nothing saved
    }

    [Fact]
    public async Task An_empty_prefix_delimiter_is_a_400_not_a_silent_colon()
    {
        var id = (await ImportAsync($"api-{_run}-delim", 3)).GetProperty("id").GetString();
        var problem = await ProblemAsync(await Http.GetAsync($"/api/monitor/sessions/{id}/analysis?prefixDelimiter="), HttpStatusCode.BadRequest, "prefixDelimiter");
        Assert.Contains("empty", problem.GetProperty("detail").GetString());
        using var fine = await Http.GetAsync($"/api/monitor/sessions/{id}/analysis");
        var analysis = JsonDocument.Parse(await fine.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(":", analysis.GetProperty("prefixDelimiter").GetString());
        // Additive: the inferred time inside busy stretches, with the threshold it used.
        var busy = analysis.GetProperty("inferredTime").GetProperty("busy");
        Assert.True(busy.GetProperty("thresholdUs").GetInt64() >= 50);
    }
}
