using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Api;

/// <summary>Import of a <c>redis-cli monitor</c> file and the export formats and filters, over HTTP.</summary>
[Collection(ApiCollection.Name)]
public sealed class ImportExportApiTests(RedisAppFixture fx)
{
    private HttpClient Http => fx.Http;

    // Lines as redis-cli monitor writes them, plus the kinds of damage a real file carries.
    private static readonly string[] FileLines =
    [
        "1700000000.000001 [0 127.0.0.1:5000] \"SET\" \"user:1\" \"alice\"",
        "1700000000.000002 [0 127.0.0.1:5000] \"GET\" \"user:1\"",
        "1700000001.500000 [3 [::1]:6000] \"HSET\" \"h:1\" \"f\" \"\\xff\\x00\"",
        "1700000002.000000 [0 lua] \"set\" \"user:2\" \"bob\"",
        "this line is damaged",
        "1700000003.000000 [0 unix:/tmp/redis.sock] \"MSET\" \"a\" \"1\" \"b\" \"2\"\r",
    ];

    private async Task<(HttpResponseMessage Response, SessionDto? Session)> ImportAsync(byte[] file, string? connectionId = null, string? requestedBy = null)
    {
        using var form = new MultipartFormDataContent();
        if (connectionId is not null) form.Add(new StringContent(connectionId), "connectionId");
        if (requestedBy is not null) form.Add(new StringContent(requestedBy), "requestedBy");
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(content, "file", "monitor.txt");
        var response = await Http.PostAsync("/api/monitor/sessions/import", form);
        var session = response.StatusCode == HttpStatusCode.Created
            ? JsonSerializer.Deserialize<SessionDto>(await response.Content.ReadAsStringAsync(), BetterDbApi.Json)
            : null;
        return (response, session);
    }

    private async Task<SessionDto> ImportFileAsync()
    {
        var file = Encoding.UTF8.GetBytes("OK\n" + string.Concat(FileLines.Select(l => l + "\n")));
        var (response, session) = await ImportAsync(file, "default", "importer");
        using (response) await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
        return session!;
    }

    [Fact]
    public async Task An_imported_file_exports_back_byte_for_byte()
    {
        var session = await ImportFileAsync();
        Assert.Equal(("import", "completed"), (session.Source, session.Status));
        Assert.Equal("importer", session.RequestedBy);
        Assert.Equal("default", session.ConnectionId);
        Assert.Equal(FileLines.Length, session.LineCount);

        using var response = await Http.GetAsync($"/api/monitor/sessions/{session.Id}/export?format=txt");
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        var exported = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.UTF8.GetBytes(string.Concat(FileLines.Select(l => l + "\n"))), exported);

        var lines = await fx.Api.ReadAllLinesAsync(session.Id);
        Assert.Equal(FileLines.Length, lines.Count);
        Assert.Equal("[::1]:6000", lines[2].Addr);
        Assert.Equal(3, lines[2].Db);
        Assert.Equal(["h:1", "f", "\\xff\\x00"], lines[2].Args);
        Assert.Equal("lua", lines[3].Addr);
        Assert.Equal("this line is damaged", lines[4].Raw);
        Assert.Null(lines[4].Cmd);
        Assert.Equal("unix:/tmp/redis.sock", lines[5].Addr);
        Assert.Equal(["a", "b"], lines[5].Keys);
    }

    [Fact]
    public async Task Import_without_a_file_or_not_multipart_is_400_naming_file()
    {
        // A text/plain body is itself the file (see A_plain_text_body_imports_like_the_multipart_field); JSON is neither.
        using (var notMultipart = await Http.PostAsync("/api/monitor/sessions/import", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notMultipart.StatusCode);
            Assert.Equal("file", JsonDocument.Parse(await notMultipart.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
        }
        using var form = new MultipartFormDataContent { { new StringContent("x"), "requestedBy" } };
        using var noFile = await Http.PostAsync("/api/monitor/sessions/import", form);
        Assert.Equal(HttpStatusCode.BadRequest, noFile.StatusCode);
        Assert.Equal("file", JsonDocument.Parse(await noFile.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Export_formats_carry_the_same_lines()
    {
        var session = await ImportFileAsync();

        using (var json = await Http.GetAsync($"/api/monitor/sessions/{session.Id}/export?format=json"))
        {
            await BetterDbApi.ExpectAsync(json, HttpStatusCode.OK);
            Assert.Equal($"monitor-session-{session.Id}.json", json.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
            using var doc = JsonDocument.Parse(await json.Content.ReadAsStringAsync());
            Assert.Equal(session.Id, doc.RootElement.GetProperty("sessionId").GetString());
            Assert.Equal(FileLines.Length, doc.RootElement.GetProperty("count").GetInt32());
            Assert.Equal(FileLines.Length, doc.RootElement.GetProperty("lines").GetArrayLength());
            Assert.Equal(1700000000000, doc.RootElement.GetProperty("lines")[0].GetProperty("ts").GetInt64());
        }

        using (var ndjson = await Http.GetAsync($"/api/monitor/sessions/{session.Id}/export?format=ndjson"))
        {
            await BetterDbApi.ExpectAsync(ndjson, HttpStatusCode.OK);
            var rows = (await ndjson.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(FileLines.Length, rows.Length);
            Assert.All(rows, r => JsonDocument.Parse(r).Dispose());
            Assert.Equal("HSET", JsonDocument.Parse(rows[2]).RootElement.GetProperty("cmd").GetString());
        }

        using (var csv = await Http.GetAsync($"/api/monitor/sessions/{session.Id}/export?format=csv"))
        {
            await BetterDbApi.ExpectAsync(csv, HttpStatusCode.OK);
            Assert.Equal($"monitor-session-{session.Id}.csv", csv.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
            var text = await csv.Content.ReadAsStringAsync();
            Assert.StartsWith("ts,ts_raw,db,addr,cmd,args,keys", text);
        }
    }

    [Fact]
    public async Task Filters_apply_to_lines_and_export_alike()
    {
        var session = await ImportFileAsync();
        var page = JsonDocument.Parse(await Http.GetStringAsync($"/api/monitor/sessions/{session.Id}/lines?command=set,get&key=user:*"));
        var cmds = page.RootElement.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("cmd").GetString()).ToList();
        Assert.Equal(["SET", "GET", "SET"], cmds);

        var exported = await Http.GetStringAsync($"/api/monitor/sessions/{session.Id}/export?format=txt&db=3");
        Assert.Equal(FileLines[2] + "\n", exported);
    }

    [Theory]
    [InlineData("db=abc", "db")]
    [InlineData("afterTs=yesterday", "afterTs")]
    [InlineData("afterTs=2000&beforeTs=1000", "afterTs")]
    public async Task Bad_filters_are_400_naming_the_field(string query, string field)
    {
        var session = await ImportFileAsync();
        foreach (var url in new[] { $"/api/monitor/sessions/{session.Id}/lines?{query}", $"/api/monitor/sessions/{session.Id}/export?format=txt&{query}" })
        {
            using var response = await Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(field, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
        }
    }
}
