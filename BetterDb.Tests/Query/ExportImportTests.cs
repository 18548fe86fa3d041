using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BetterDb.Core.Capture;
using BetterDb.Testing;
using static BetterDb.Tests.Query.ImportHelpers;

namespace BetterDb.Tests.Query;

/// <summary>Import of a <c>redis-cli monitor</c> file and every export format round trip, over the HTTP API.</summary>
[Collection(QueryAppCollection.Name)]
public sealed class ExportImportTests(QueryAppFixture fx)
{
    private HttpClient Http => fx.Http;

    /// <summary>One line of the crafted file and what the API must say about it (null fields: a malformed line).</summary>
    private sealed record Expected(string Raw, long? Ts = null, string? TsRaw = null, int? Db = null, string? Addr = null, string? Cmd = null,
        string[]? Args = null, string[]? Keys = null, string? CsvArgs = null, string? CsvKeys = null);

    private static readonly Expected[] FileLines =
    [
        new("1700000000.000001 [0 127.0.0.1:5000] \"SET\" \"user:1\" \"alice\"",
            1700000000000, "1700000000.000001", 0, "127.0.0.1:5000", "SET", ["user:1", "alice"], ["user:1"], "\"user:1\" \"alice\"", "\"user:1\""),
        new("1700000000.000002 [0 127.0.0.1:5000] \"GET\" \"user:1\"",
            1700000000000, "1700000000.000002", 0, "127.0.0.1:5000", "GET", ["user:1"], ["user:1"], "\"user:1\"", "\"user:1\""),
        new("1700000000.250000 [3 [::1]:6000] \"HSET\" \"h:1\" \"f\" \"\\xff\\x00\"",
            1700000000250, "1700000000.250000", 3, "[::1]:6000", "HSET", ["h:1", "f", "\\xff\\x00"], ["h:1"], "\"h:1\" \"f\" \"\\xff\\x00\"", "\"h:1\""),
        new("1700000000.500000 [0 127.0.0.1:5001] \"SET\" \"quote\\\"d,key\" \"say \\\"hi\\\", ok\"",
            1700000000500, "1700000000.500000", 0, "127.0.0.1:5001", "SET", ["quote\"d,key", "say \"hi\", ok"], ["quote\"d,key"],
            "\"quote\\\"d,key\" \"say \\\"hi\\\", ok\"", "\"quote\\\"d,key\""),
        new("1700000001.000000 [0 127.0.0.1:5001] \"SET\" \"caf\\xc3\\xa9\" \"\\xe2\\x82\\xac 5\"",
            1700000001000, "1700000001.000000", 0, "127.0.0.1:5001", "SET", ["café", "€ 5"], ["café"], "\"caf\\xc3\\xa9\" \"\\xe2\\x82\\xac 5\"", "\"caf\\xc3\\xa9\""),
        new("1700000001.100000 [0 127.0.0.1:5001] \"set\" \"tab\\tkey\" \"line\\nbreak\\r\"",
            1700000001100, "1700000001.100000", 0, "127.0.0.1:5001", "SET", ["tab\tkey", "line\nbreak\r"], ["tab\tkey"], "\"tab\\tkey\" \"line\\nbreak\\r\"", "\"tab\\tkey\""),
        new("this line is damaged, with \"quotes\" and, commas"),
        new("raw UTF-8 is not what MONITOR writes: \"café\" ✓"),
        new("1700000002.000000 [0 lua] \"get\" \"user:1\"",
            1700000002000, "1700000002.000000", 0, "lua", "GET", ["user:1"], ["user:1"], "\"user:1\"", "\"user:1\""),
        new("1700000002.500000 [0 unix:/tmp/redis.sock] \"MSET\" \"a\" \"1\" \"b\" \"2\"\r", // a CRLF line
            1700000002500, "1700000002.500000", 0, "unix:/tmp/redis.sock", "MSET", ["a", "1", "b", "2"], ["a", "b"], "\"a\" \"1\" \"b\" \"2\"", "\"a\" \"b\""),
        new(""), // an empty line: kept, counted malformed
        new("1700000003.000000 [0 127.0.0.1:5000] \"EVAL\" \"return redis.call('get', KEYS[1])\" \"1\" \"user:1\"",
            1700000003000, "1700000003.000000", 0, "127.0.0.1:5000", "EVAL", ["return redis.call('get', KEYS[1])", "1", "user:1"], ["user:1"],
            "\"return redis.call('get', KEYS[1])\" \"1\" \"user:1\"", "\"user:1\""),
        new("1700000003.000001 [1 127.0.0.1:5000] \"PING\"",
            1700000003000, "1700000003.000001", 1, "127.0.0.1:5000", "PING", [], [], "", ""),
        new("1700000003.5 [0 127.0.0.1:5000] \"DEL\" \"a\" \"b\"",
            1700000003500, "1700000003.5", 0, "127.0.0.1:5000", "DEL", ["a", "b"], ["a", "b"], "\"a\" \"b\"", "\"a\" \"b\""),
    ];

    private static readonly byte[] File = Utf8("OK\n" + string.Concat(FileLines.Select(l => l.Raw + "\n")));

    /// <summary>What an unfiltered export gives back: the file without its "OK" line.</summary>
    private static readonly byte[] Lines = File[3..];

    private static int Malformed => FileLines.Count(l => l.Ts is null);

    private string? _sessionId;

    private async Task<string> SessionAsync() =>
        _sessionId ??= (string)(await ImportAsync(Http, File, "default", "exporter"))["id"]!;

    private async Task<HttpResponseMessage> ExportAsync(string id, string format, string filters = "")
    {
        var response = await Http.GetAsync($"/api/monitor/sessions/{id}/export?format={format}{filters}");
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal($"monitor-session-{id}.{format}", disposition.FileName?.Trim('"') ?? disposition.FileNameStar);
        return response;
    }

    [Fact]
    public async Task An_imported_file_becomes_a_completed_session_with_its_malformed_lines_counted()
    {
        var session = await ImportAsync(Http, File, "default", "exporter");
        Assert.Equal(("import", "completed", "source_ended"), ((string?)session["source"], (string?)session["status"], (string?)session["terminationReason"]));
        Assert.Equal(FileLines.Length, (long)session["lineCount"]!);
        Assert.Equal(Malformed, (long)session["malformedCount"]!);
        Assert.Equal(Lines.Length, (long)session["byteCount"]!);
    }

    [Fact]
    public async Task A_plain_text_body_imports_like_the_multipart_field()
    {
        using var body = new ByteArrayContent(File);
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        using var response = await Http.PostAsync("/api/monitor/sessions/import?connectionId=default&requestedBy=raw-body", body);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
        var session = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(("import", "completed", "raw-body", "default"),
            ((string?)session["source"], (string?)session["status"], (string?)session["requestedBy"], (string?)session["connectionId"]));
        Assert.Equal(FileLines.Length, (long)session["lineCount"]!);
        using var export = await ExportAsync((string)session["id"]!, "txt");
        Assert.Equal(Lines, await export.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Txt_gives_back_the_files_lines_byte_for_byte()
    {
        var id = await SessionAsync();
        using var response = await ExportAsync(id, "txt");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Lines, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Csv_is_rfc_4180_with_one_record_per_line()
    {
        var id = await SessionAsync();
        using var response = await ExportAsync(id, "csv");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\r\n", text);
        var records = Rfc4180.Parse(text);
        Assert.Equal(["ts", "ts_raw", "db", "addr", "cmd", "args", "keys"], records[0]);
        Assert.Equal(FileLines.Length, records.Count - 1);
        for (var i = 0; i < FileLines.Length; i++)
        {
            var e = FileLines[i];
            var r = records[i + 1];
            Assert.Equal(7, r.Length);
            if (e.Ts is null)
            {
                // A malformed line keeps its raw text in the args field: nothing is lost.
                Assert.Equal(["", "", "", "", "", e.Raw, ""], r);
                continue;
            }
            Assert.Equal([e.Ts.Value.ToString(), e.TsRaw!, e.Db!.Value.ToString(), e.Addr!, e.Cmd!, e.CsvArgs!, e.CsvKeys!], r);
        }
    }

    [Fact]
    public async Task Json_has_every_line_and_a_correct_count()
    {
        var id = await SessionAsync();
        using var response = await ExportAsync(id, "json");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(id, (string?)body["sessionId"]);
        Assert.Equal(FileLines.Length, (long)body["count"]!);
        var lines = body["lines"]!.AsArray();
        Assert.Equal(FileLines.Length, lines.Count);
        for (var i = 0; i < FileLines.Length; i++) AssertLine(FileLines[i], lines[i]!);
    }

    [Fact]
    public async Task Ndjson_has_one_object_per_line()
    {
        var id = await SessionAsync();
        using var response = await ExportAsync(id, "ndjson");
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text);
        var rows = text[..^1].Split('\n');
        Assert.Equal(FileLines.Length, rows.Length);
        for (var i = 0; i < FileLines.Length; i++) AssertLine(FileLines[i], JsonNode.Parse(rows[i])!);
    }

    private static void AssertLine(Expected e, JsonNode line)
    {
        Assert.Equal(e.Raw.TrimEnd('\r'), (string?)line["raw"]);
        if (e.Ts is null)
        {
            Assert.Null((long?)line["ts"]);
            Assert.True((bool)line["malformed"]!);
            return;
        }
        Assert.Equal((e.Ts, e.TsRaw, e.Db, e.Addr, e.Cmd), ((long?)line["ts"], (string?)line["tsRaw"], (int?)line["db"], (string?)line["addr"], (string?)line["cmd"]));
        Assert.Equal(e.Args, line["args"]!.AsArray().Select(a => (string)a!).ToArray());
        Assert.Equal(e.Keys, line["keys"]!.AsArray().Select(a => (string)a!).ToArray());
    }

    [Theory]
    [InlineData("&command=set", new[] { 0, 3, 4, 5 })]
    [InlineData("&key=user:*", new[] { 0, 1, 8, 11 })]
    [InlineData("&key=*,*", new[] { 3 })]
    [InlineData("&text=damaged", new[] { 6 })]
    [InlineData("&db=3", new[] { 2 })]
    [InlineData("&client=lua", new[] { 8 })]
    [InlineData("&afterTs=1700000002000&beforeTs=1700000003000", new[] { 8, 9, 11, 12 })]
    [InlineData("&command=get,del&afterTs=1700000001000", new[] { 8, 13 })]
    public async Task Filters_apply_to_every_export_format(string filters, int[] expected)
    {
        var id = await SessionAsync();
        var raw = expected.Select(i => FileLines[i].Raw).ToArray();

        using (var txt = await ExportAsync(id, "txt", filters))
            Assert.Equal(Utf8(string.Concat(raw.Select(l => l + "\n"))), await txt.Content.ReadAsByteArrayAsync());
        using (var csv = await ExportAsync(id, "csv", filters))
        {
            var records = Rfc4180.Parse(await csv.Content.ReadAsStringAsync());
            Assert.Equal(expected.Length + 1, records.Count);
            Assert.Equal(expected.Select(i => FileLines[i].TsRaw ?? ""), records.Skip(1).Select(r => r[1]));
        }
        using (var json = await ExportAsync(id, "json", filters))
        {
            var body = JsonNode.Parse(await json.Content.ReadAsStringAsync())!;
            Assert.Equal(expected.Length, (long)body["count"]!);
            Assert.Equal(raw.Select(l => l.TrimEnd('\r')), body["lines"]!.AsArray().Select(l => (string)l!["raw"]!));
        }
        using (var ndjson = await ExportAsync(id, "ndjson", filters))
        {
            var text = await ndjson.Content.ReadAsStringAsync();
            Assert.Equal(expected.Length, text.Count(c => c == '\n'));
        }
        // /lines applies the same filters.
        var page = await GetJsonAsync(Http, $"/api/monitor/sessions/{id}/lines?limit=1000{filters}");
        Assert.Equal(raw.Select(l => l.TrimEnd('\r')), page["lines"]!.AsArray().Select(l => (string)l!["raw"]!));
    }

    [Fact]
    public async Task Bad_formats_and_filters_are_400_naming_the_field()
    {
        var id = await SessionAsync();
        using (var r = await Http.GetAsync($"/api/monitor/sessions/{id}/export?format=xml"))
            await AssertProblemAsync(r, HttpStatusCode.BadRequest, "format");
        using (var r = await Http.GetAsync($"/api/monitor/sessions/{id}/export?format=csv&db=zero"))
            await AssertProblemAsync(r, HttpStatusCode.BadRequest, "db");
        using (var r = await Http.GetAsync($"/api/monitor/sessions/{id}/export?format=csv&afterTs=5&beforeTs=4"))
            await AssertProblemAsync(r, HttpStatusCode.BadRequest, "afterTs");
        using (var r = await Http.GetAsync("/api/monitor/sessions/nosuchsession/export?format=csv"))
            await AssertProblemAsync(r, HttpStatusCode.NotFound, null);
        // No format is a plain-text download.
        using var plain = await Http.GetAsync($"/api/monitor/sessions/{id}/export");
        await BetterDbApi.ExpectAsync(plain, HttpStatusCode.OK);
        Assert.Equal(Lines, await plain.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectionId_and_requestedBy_count_before_or_after_the_file(bool fieldsAfterFile)
    {
        using var response = await PostImportAsync(Http, new ByteArrayContent(File), "default", "  someone  ", fieldsAfterFile);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
        var session = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(("default", "someone"), ((string?)session["connectionId"], (string?)session["requestedBy"]));
        Assert.Equal($"/api/monitor/sessions/{session["id"]}", response.Headers.Location?.OriginalString);
        var stored = await GetJsonAsync(Http, $"/api/monitor/sessions/{session["id"]}");
        Assert.Equal(("default", "someone"), ((string?)stored["connectionId"], (string?)stored["requestedBy"]));
    }

    [Fact]
    public async Task Fields_in_the_query_string_count_too()
    {
        using var response = await PostImportAsync(Http, new ByteArrayContent(File), query: "?connectionId=default&requestedBy=script");
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
        var session = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(("default", "script"), ((string?)session["connectionId"], (string?)session["requestedBy"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unknown_connection_is_404_and_leaves_no_session_behind(bool fieldsAfterFile)
    {
        var before = await SessionCountAsync(Http);
        using var response = await PostImportAsync(Http, new ByteArrayContent(File), "no-such-connection", "x", fieldsAfterFile);
        await AssertProblemAsync(response, HttpStatusCode.NotFound, null);
        Assert.Equal(before, await SessionCountAsync(Http));
    }

    [Fact]
    public async Task A_too_long_requestedBy_after_the_file_is_400_and_leaves_no_session_behind()
    {
        var before = await SessionCountAsync(Http);
        using var response = await PostImportAsync(Http, new ByteArrayContent(File), null, new string('x', 300), fieldsAfterFile: true);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "requestedBy");
        Assert.Equal(before, await SessionCountAsync(Http));
    }

    [Fact]
    public async Task Without_a_file_field_or_multipart_it_is_400_naming_file()
    {
        using (var form = new MultipartFormDataContent { { new StringContent("default"), "connectionId" }, { new ByteArrayContent(File), "upload", "monitor.txt" } })
        using (var response = await Http.PostAsync("/api/monitor/sessions/import", form))
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, "file");
        using (var response = await Http.PostAsync("/api/monitor/sessions/import", new ByteArrayContent(File)))
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, "file");
        using (var response = await Http.PostAsync("/api/monitor/sessions/import", new StringContent("{}", Encoding.UTF8, "application/json")))
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, "file");
    }

    [Fact]
    public async Task An_empty_file_or_one_of_only_OK_is_refused_unless_forced_then_an_empty_completed_session()
    {
        // Issue 12 item 13: a file with nothing to import is a 400 naming the file, unless the user insists.
        foreach (var file in new[] { ""u8.ToArray(), "OK\n"u8.ToArray(), "OK\r\n"u8.ToArray() })
        {
            using (var refused = await PostImportAsync(Http, new ByteArrayContent(file)))
                await AssertProblemAsync(refused, HttpStatusCode.BadRequest, "file");
            using var forced = await PostImportAsync(Http, new ByteArrayContent(file), query: "?force=true");
            await BetterDbApi.ExpectAsync(forced, HttpStatusCode.Created);
            var session = JsonNode.Parse(await forced.Content.ReadAsStringAsync())!.AsObject();
            Assert.Equal(("completed", 0L), ((string?)session["status"], (long)session["lineCount"]!));
            using var txt = await ExportAsync((string)session["id"]!, "txt");
            Assert.Empty(await txt.Content.ReadAsByteArrayAsync());
        }
        // A last line without its newline is still a line; "OK" later in the file is an ordinary (malformed) line.
        var last = await ImportAsync(Http, Utf8("OK\nOK\n" + FileLines[0].Raw));
        Assert.Equal((2L, 1L), ((long)last["lineCount"]!, (long)last["malformedCount"]!));
    }

    [Theory]
    [InlineData("hello world\n")]
    [InlineData("random bytes")]
    public async Task A_file_that_is_not_monitor_output_is_refused_with_what_it_looks_like_unless_forced(string kind)
    {
        var file = kind == "random bytes" ? RandomBytes(4096) : Utf8(kind);
        using (var refused = await PostImportAsync(Http, new ByteArrayContent(file)))
        {
            await AssertProblemAsync(refused, HttpStatusCode.BadRequest, "file");
            Assert.Contains("does not look like redis-cli monitor output", await refused.Content.ReadAsStringAsync());
        }
        using var forced = await PostImportAsync(Http, new ByteArrayContent(file), query: "?force=true");
        await BetterDbApi.ExpectAsync(forced, HttpStatusCode.Created);
    }

    private static byte[] RandomBytes(int n)
    {
        var bytes = new byte[n];
        new Random(42).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task An_import_takes_its_time_from_its_lines_and_records_when_it_was_uploaded()
    {
        var file = Utf8(string.Join("\n", FileLines.Select(l => l.Raw)) + "\n");
        var before = DateTime.UtcNow;
        var session = await ImportAsync(Http, file);
        var stamps = FileLines.Where(l => l.Ts is not null).Select(l => DateTime.UnixEpoch.AddMilliseconds(l.Ts!.Value)).ToList();
        Assert.InRange(session["startedAt"]!.GetValue<DateTime>(), stamps.Min().AddMilliseconds(-1), stamps.Min().AddMilliseconds(1));
        Assert.InRange(session["endedAt"]!.GetValue<DateTime>(), stamps.Max().AddMilliseconds(-1), stamps.Max().AddMilliseconds(1));
        Assert.InRange(session["importedAt"]!.GetValue<DateTime>(), before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task A_large_upload_streams_in_and_every_line_is_counted()
    {
        const int Count = 300_000;
        var small = fx.App.Sessions.WriterSettings;
        fx.App.Sessions.WriterSettings = small with { ChunkMaxLines = new CaptureWriterSettings().ChunkMaxLines }; // 7-line chunks would be 43k rows
        try
        {
            await using var source = new GeneratedCaptureStream(Count);
            using var response = await PostImportAsync(Http, new StreamContent(source, 64 * 1024), "default", "bulk");
            await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
            var session = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(("completed", (long)Count, (long)GeneratedCaptureStream.Malformed(Count)),
                ((string?)session["status"], (long)session["lineCount"]!, (long)session["malformedCount"]!));
            var uploaded = source.Hash();

            // Exported back: the same bytes (compared by hash), and the pages agree with the count.
            using var txt = await Http.GetAsync($"/api/monitor/sessions/{session["id"]}/export?format=txt", HttpCompletionOption.ResponseHeadersRead);
            await BetterDbApi.ExpectAsync(txt, HttpStatusCode.OK);
            using var sha = System.Security.Cryptography.SHA256.Create();
            Assert.Equal(uploaded, await sha.ComputeHashAsync(await txt.Content.ReadAsStreamAsync()));
            var tail = await GetJsonAsync(Http, $"/api/monitor/sessions/{session["id"]}/lines?offset={Count - 2}&limit=10");
            Assert.Equal([GeneratedCaptureStream.Line(Count - 2), GeneratedCaptureStream.Line(Count - 1)],
                tail["lines"]!.AsArray().Select(l => (string)l!["raw"]!));
        }
        finally
        {
            fx.App.Sessions.WriterSettings = small;
        }
    }
}

/// <summary>A small RFC 4180 reader: quoted fields, doubled quotes, CRLF record ends, CR/LF/commas inside quotes.</summary>
internal static class Rfc4180
{
    public static List<string[]> Parse(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"' && field.Length == 0)
            {
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new FormatException("unterminated quoted field");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(text[i++]);
                }
                if (i < text.Length && text[i] != ',' && text[i] != '\r') throw new FormatException($"text after a closing quote at {i}");
                continue;
            }
            switch (text[i])
            {
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    i++;
                    break;
                case '\r':
                    if (i + 1 >= text.Length || text[i + 1] != '\n') throw new FormatException($"a bare CR at {i}");
                    fields.Add(field.ToString());
                    field.Clear();
                    records.Add([.. fields]);
                    fields.Clear();
                    i += 2;
                    break;
                case '\n':
                    throw new FormatException($"a bare LF at {i}");
                case '"':
                    throw new FormatException($"a quote inside an unquoted field at {i}");
                default:
                    field.Append(text[i++]);
                    break;
            }
        }
        if (field.Length > 0 || fields.Count > 0) throw new FormatException("the last record has no CRLF");
        return records;
    }
}
