using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BetterDb.Core.Lines;
using BetterDb.Testing;

namespace BetterDb.Tests.Api;

/// <summary>
/// Lines far larger than anything worth showing (issue 9, item 5): every reader bounds what it sends per line, says what
/// it cut and how long the line really is, and the txt export still gives the whole line back byte for byte.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class HugeLineTests(RedisAppFixture fx)
{
    private const int Huge = 40 * 1024 * 1024;
    private const int Shown = MonitorLine.DefaultMaxArgumentBytesShown;
    // Each line is bounded by a few times its budget (MonitorLine.LineBudgetFactor x the argument limit), whatever its size:
    // here 5 lines of 40 MB, 40 MB, 3 MB and 6 MB answer in well under 4 MB.
    private const int MaxResponseBytes = 4 * 1024 * 1024;
    private const string Line0Prefix = "1700000000.000001 [0 127.0.0.1:1] \"SET\" \"big\" \"";
    private const string Line0Suffix = "\\xc3\\xa9TAIL\"";
    private const long Line0Bytes = 47 + Huge + 13;

    /// <summary>
    /// 0: SET with a 40 MB value ending in "é" (escaped, as MONITOR writes it) and "TAIL"; 1: a 40 MB malformed line;
    /// 2: SET with a 2 MB key and a 1 MB binary value; 3: "" x 2 M (6 MB of empty arguments); 4: an ordinary GET.
    /// </summary>
    private static byte[] File()
    {
        var file = new MemoryStream();
        void Put(string s) => file.Write(Encoding.ASCII.GetBytes(s));
        Put(Line0Prefix);
        file.Write(Enumerable.Repeat((byte)'v', Huge).ToArray());
        Put(Line0Suffix + "\n");
        file.Write(Enumerable.Repeat((byte)'x', Huge).ToArray());
        Put("\n1700000000.000003 [0 127.0.0.1:1] \"SET\" \"");
        file.Write(Enumerable.Repeat((byte)'k', 2 * 1024 * 1024).ToArray());
        Put("\" \"");
        for (var i = 0; i < 1024 * 1024; i++) Put("\\xff");
        Put("\"\n1700000000.000004 [0 127.0.0.1:1] \"DEL\"");
        for (var i = 0; i < 2 * 1024 * 1024; i++) Put(" \"\"");
        Put("\n1700000000.000005 [0 127.0.0.1:1] \"GET\" \"after\"\n");
        return file.ToArray();
    }

    private static byte[]? _file;
    private static string? _sessionId;
    private static readonly SemaphoreSlim Once = new(1, 1);

    private async Task<(string Id, byte[] File)> ImportedAsync()
    {
        await Once.WaitAsync();
        try
        {
            if (_sessionId is not null) return (_sessionId, _file!);
            _file = File();
            var content = new ByteArrayContent(_file);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            using var form = new MultipartFormDataContent { { content, "file", "huge.txt" } };
            // force: the import's first look (64 KB) cannot see a whole 40 MB first line, and would refuse the file.
            using var response = await fx.Http.PostAsync("/api/monitor/sessions/import?force=true", form);
            await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
            var session = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(5, session.GetProperty("lineCount").GetInt64());
            _sessionId = session.GetProperty("id").GetString()!;
            return (_sessionId, _file);
        }
        finally
        {
            Once.Release();
        }
    }

    private async Task<byte[]> GetBoundedAsync(string url)
    {
        using var response = await fx.Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(chunk)) > 0)
        {
            buffer.Write(chunk, 0, n);
            Assert.True(buffer.Length <= MaxResponseBytes, $"{url} sent more than {MaxResponseBytes} bytes");
        }
        return buffer.ToArray();
    }

    private static void AssertLines(JsonElement lines)
    {
        Assert.Equal(5, lines.GetArrayLength());

        var big = lines[0];
        Assert.True(big.GetProperty("truncated").GetBoolean());
        Assert.Equal("SET", big.GetProperty("cmd").GetString());
        Assert.Equal(Line0Bytes, Line0Prefix.Length + Huge + Line0Suffix.Length);
        Assert.Equal(Line0Bytes, big.GetProperty("rawBytes").GetInt64());
        Assert.StartsWith(Line0Prefix + "vvvv", big.GetProperty("raw").GetString());
        Assert.True(Encoding.UTF8.GetByteCount(big.GetProperty("raw").GetString()!) < Line0Bytes);
        Assert.Equal("big", big.GetProperty("args")[0].GetString());
        Assert.Equal(new string('v', Shown), big.GetProperty("args")[1].GetString());
        Assert.Equal([3L, Huge + 2L + 4], big.GetProperty("argLengths").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(2, big.GetProperty("argCount").GetInt32());
        Assert.Equal("big", big.GetProperty("keys")[0].GetString());

        var malformed = lines[1];
        Assert.True(malformed.GetProperty("malformed").GetBoolean());
        Assert.True(malformed.GetProperty("truncated").GetBoolean());
        Assert.Equal(Huge, malformed.GetProperty("rawBytes").GetInt64());
        Assert.StartsWith("xxxx", malformed.GetProperty("raw").GetString());

        var binary = lines[2];
        Assert.True(binary.GetProperty("truncated").GetBoolean());
        Assert.Equal(new string('k', Shown), binary.GetProperty("args")[0].GetString());
        Assert.Equal(new string('k', Shown), binary.GetProperty("keys")[0].GetString());
        Assert.Equal(string.Concat(Enumerable.Repeat("\\xff", Shown)), binary.GetProperty("args")[1].GetString());
        Assert.Equal([2L * 1024 * 1024, 1024 * 1024], binary.GetProperty("argLengths").EnumerateArray().Select(e => e.GetInt64()));

        var many = lines[3];
        Assert.True(many.GetProperty("truncated").GetBoolean());
        Assert.Equal(2 * 1024 * 1024, many.GetProperty("argCount").GetInt32());
        Assert.Equal(MonitorLine.MaxArgumentsShown, many.GetProperty("args").GetArrayLength());
        Assert.Equal(MonitorLine.MaxArgumentsShown, many.GetProperty("argLengths").GetArrayLength());
        Assert.True(many.GetProperty("keys").GetArrayLength() <= MonitorLine.MaxArgumentsShown);

        var after = lines[4];
        Assert.Equal(["after"], after.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        // A line shown whole carries none of the additive fields.
        foreach (var name in new[] { "truncated", "rawBytes", "argLengths", "argCount" })
            Assert.False(after.TryGetProperty(name, out _), $"an ordinary line has no '{name}'");
    }

    [Fact]
    public async Task Lines_are_cut_and_say_how_long_they_really_are()
    {
        var (id, _) = await ImportedAsync();
        var body = await GetBoundedAsync($"/api/monitor/sessions/{id}/lines?limit=10");
        using var doc = JsonDocument.Parse(body);
        AssertLines(doc.RootElement.GetProperty("lines"));
    }

    [Theory]
    [InlineData("vvvvvvvv", new[] { 0 })]
    [InlineData("TAIL", new[] { 0 })]          // past the cut, in the raw bytes
    [InlineData("éTAIL", new[] { 0 })]         // past the cut, only in the decoded argument
    [InlineData("xxxxxxxx", new[] { 1 })]
    [InlineData("after", new[] { 4 })]
    [InlineData("nowhere", new int[0])]
    public async Task Text_search_reaches_the_end_of_a_huge_line(string text, int[] expected)
    {
        var (id, _) = await ImportedAsync();
        var body = await GetBoundedAsync($"/api/monitor/sessions/{id}/lines?limit=10&text={Uri.EscapeDataString(text)}");
        using var doc = JsonDocument.Parse(body);
        var found = doc.RootElement.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("tsRaw").GetString() ?? "malformed").ToList();
        var all = new[] { "1700000000.000001", "malformed", "1700000000.000003", "1700000000.000004", "1700000000.000005" };
        Assert.Equal(expected.Select(i => all[i]), found);
    }

    [Fact]
    public async Task Json_and_ndjson_exports_are_bounded_per_line()
    {
        var (id, _) = await ImportedAsync();
        using (var json = JsonDocument.Parse(await GetBoundedAsync($"/api/monitor/sessions/{id}/export?format=json")))
        {
            Assert.Equal(5, json.RootElement.GetProperty("count").GetInt32());
            AssertLines(json.RootElement.GetProperty("lines"));
        }
        var ndjson = Encoding.UTF8.GetString(await GetBoundedAsync($"/api/monitor/sessions/{id}/export?format=ndjson"));
        var rows = ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var array = "[" + string.Join(",", rows) + "]";
        using var parsed = JsonDocument.Parse(array);
        AssertLines(parsed.RootElement);
    }

    [Fact]
    public async Task Csv_export_cuts_cells_and_gives_the_full_length()
    {
        var (id, _) = await ImportedAsync();
        var csv = Encoding.UTF8.GetString(await GetBoundedAsync($"/api/monitor/sessions/{id}/export?format=csv"));
        var rows = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        // The seven columns of API.md, as ever.
        Assert.Equal("ts,ts_raw,db,addr,cmd,args,keys", rows[0]);
        Assert.Equal(6, rows.Length);
        // A cut argument ends in "…(N bytes in all)" inside its quotes ("…" is never part of MONITOR's text, which is ASCII).
        Assert.Contains($",\"\"\"big\"\" \"\"vvvv", rows[1]);
        Assert.Contains($"vvvv…({Huge + 6} bytes in all)\"\"\",\"\"\"big\"\"\"", rows[1]);
        Assert.EndsWith($"xxxx…({Huge} bytes in all),", rows[2]);
        Assert.Contains($"kkkk…({2 * 1024 * 1024} bytes in all)\"\" \"\"\\xff", rows[3]);
        Assert.Contains($"\\xff…({1024 * 1024} bytes in all)", rows[3]);
        Assert.Contains($"\"\"\"\" …({2 * 1024 * 1024 - MonitorLine.MaxArgumentsShown} more)\"", rows[4]);
        Assert.EndsWith(",GET,\"\"\"after\"\"\",\"\"\"after\"\"\"", rows[5]);
    }

    [Fact]
    public async Task The_txt_export_gives_every_byte_back()
    {
        var (id, file) = await ImportedAsync();
        using var response = await fx.Http.GetAsync($"/api/monitor/sessions/{id}/export?format=txt", HttpCompletionOption.ResponseHeadersRead);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        await using var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal(SHA256.HashData(file), await SHA256.HashDataAsync(body));
    }
}
