using System.Net;
using System.Text;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Api;

/// <summary>
/// Multipart uploads that are not well-formed (issue 9, item 6): a 400 problem detail naming what is wrong, never a 500;
/// an upload that breaks off inside the file keeps what arrived as a <c>failed</c> session and the 400 names it.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MalformedUploadTests(RedisAppFixture fx)
{
    private const string Lines =
        "1700000000.000001 [0 127.0.0.1:5000] \"SET\" \"k1\" \"v\"\n" +
        "1700000000.000002 [0 127.0.0.1:5000] \"SET\" \"k2\" \"v\"\n" +
        "1700000000.000003 [0 127.0.0.1:5000] \"SET\" \"k3\" \"v\"\n";

    private async Task<HttpResponseMessage> PostRawAsync(string boundary, string body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
        return await fx.Http.PostAsync("/api/monitor/sessions/import", content);
    }

    private static string FilePart(string boundary, string extraHeader = "", string lines = Lines) =>
        $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.txt\"\r\n{extraHeader}Content-Type: text/plain\r\n\r\n{lines}";

    /// <summary>More than the import looks at before it makes a session (SessionImport.SniffBytes, 64 KB).</summary>
    private static string ManyLines(int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"1700000000.{i:D6} [0 127.0.0.1:5000] \"SET\" \"key:{i}\" \"value\"\n"));

    private async Task<List<string>> SessionIdsAsync()
    {
        using var doc = JsonDocument.Parse(await fx.Http.GetStringAsync("/api/monitor/sessions?limit=1000"));
        return doc.RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
    }

    private static async Task<JsonElement> AssertBadUploadAsync(HttpResponseMessage response, string mentions)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var root = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal("file", root.GetProperty("field").GetString());
        Assert.Contains(mentions, root.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        return root;
    }

    [Fact]
    public async Task A_part_header_over_16_KB_is_400_and_creates_nothing()
    {
        var before = await SessionIdsAsync();
        var pad = $"X-Pad: {new string('x', 20 * 1024)}\r\n";
        using var response = await PostRawAsync("b0undary", FilePart("b0undary", pad) + "\r\n--b0undary--\r\n");
        var problem = await AssertBadUploadAsync(response, "header");
        Assert.False(problem.TryGetProperty("sessionId", out _));
        Assert.Equal(before, await SessionIdsAsync());
    }

    [Fact]
    public async Task A_boundary_over_70_characters_is_400_and_creates_nothing()
    {
        var before = await SessionIdsAsync();
        var boundary = new string('b', 1000);
        using var response = await PostRawAsync(boundary, FilePart(boundary) + $"\r\n--{boundary}--\r\n");
        await AssertBadUploadAsync(response, "boundary");
        Assert.Equal(before, await SessionIdsAsync());
    }

    [Fact]
    public async Task A_short_body_without_its_closing_boundary_is_400_and_creates_nothing()
    {
        var before = await SessionIdsAsync();
        using var response = await PostRawAsync("b0undary", FilePart("b0undary"));
        var problem = await AssertBadUploadAsync(response, "closing boundary");
        Assert.False(problem.TryGetProperty("sessionId", out _));
        Assert.Equal(before, await SessionIdsAsync());
    }

    [Fact]
    public async Task A_body_without_its_closing_boundary_is_400_naming_the_partial_session()
    {
        var before = await SessionIdsAsync();
        using var response = await PostRawAsync("b0undary", FilePart("b0undary", lines: ManyLines(3000)));
        var problem = await AssertBadUploadAsync(response, "closing boundary");
        var id = problem.GetProperty("sessionId").GetString()!;
        Assert.Contains(id, problem.GetProperty("detail").GetString());
        // No orphan: the one new session is the one the error names, on record as failed with why.
        Assert.Equal([id], (await SessionIdsAsync()).Except(before));
        var session = await fx.Api.GetSessionAsync(id);
        Assert.Equal("failed", session.Status);
        Assert.StartsWith("source_error: the upload ended early", session.TerminationReason);
        Assert.Equal(session.LineCount, problem.GetProperty("lineCount").GetInt64());
        Assert.True(session.LineCount > 2000, $"{session.LineCount} lines kept"); // what arrived, less what the reader held back
    }

    [Theory]
    [InlineData("--b0undary\r\nContent-Disposition: form-data; name=\"file\"")]  // ends inside the part's headers
    [InlineData("--b0undary\r\n")]                                             // ends after the first boundary
    [InlineData("no boundary here at all")]                                    // never a boundary
    [InlineData("")]                                                           // empty
    public async Task A_body_that_breaks_off_before_the_file_is_400_and_creates_nothing(string body)
    {
        var before = await SessionIdsAsync();
        using var response = await PostRawAsync("b0undary", body);
        var problem = await AssertBadUploadAsync(response, "file");
        Assert.False(problem.TryGetProperty("sessionId", out _));
        Assert.Equal(before, await SessionIdsAsync());
    }

    [Fact]
    public async Task A_malformed_part_after_a_complete_file_is_400_naming_the_session_it_kept()
    {
        var before = await SessionIdsAsync();
        var pad = $"X-Pad: {new string('x', 20 * 1024)}\r\n";
        var body = FilePart("b0undary") + "\r\n--b0undary\r\nContent-Disposition: form-data; name=\"requestedBy\"\r\n" + pad + "\r\nme\r\n--b0undary--\r\n";
        using var response = await PostRawAsync("b0undary", body);
        var problem = await AssertBadUploadAsync(response, "header");
        var id = problem.GetProperty("sessionId").GetString()!;
        Assert.Equal([id], (await SessionIdsAsync()).Except(before));
        Assert.Equal(3, (await fx.Api.GetSessionAsync(id)).LineCount);
    }

    [Fact]
    public async Task A_well_formed_upload_still_imports()
    {
        using var response = await PostRawAsync("b0undary", FilePart("b0undary") + "\r\n--b0undary--\r\n");
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
    }
}
