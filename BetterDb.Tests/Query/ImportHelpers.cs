using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BetterDb.Testing;

namespace BetterDb.Tests.Query;

/// <summary>Imports files over <c>POST /api/monitor/sessions/import</c> and reads sessions back as JSON.</summary>
internal static class ImportHelpers
{
    public static async Task<HttpResponseMessage> PostImportAsync(HttpClient http, HttpContent file, string? connectionId = null,
        string? requestedBy = null, bool fieldsAfterFile = false, string query = "")
    {
        using var form = new MultipartFormDataContent();
        void Fields()
        {
            if (connectionId is not null) form.Add(new StringContent(connectionId), "connectionId");
            if (requestedBy is not null) form.Add(new StringContent(requestedBy), "requestedBy");
        }
        if (!fieldsAfterFile) Fields();
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", "monitor.txt");
        if (fieldsAfterFile) Fields();
        return await http.PostAsync("/api/monitor/sessions/import" + query, form);
    }

    /// <summary>Imports <paramref name="file"/> and returns the new session as JSON (asserting 201).</summary>
    public static async Task<JsonObject> ImportAsync(HttpClient http, byte[] file, string? connectionId = null, string? requestedBy = null)
    {
        using var response = await PostImportAsync(http, new ByteArrayContent(file), connectionId, requestedBy);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    public static async Task<int> SessionCountAsync(HttpClient http)
    {
        var list = JsonNode.Parse(await http.GetStringAsync("/api/monitor/sessions?limit=1000"))!.AsArray();
        return list.Count;
    }

    public static async Task<JsonObject> GetJsonAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        await BetterDbApi.ExpectAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]));
        if (field is not null) Assert.Equal(field, (string?)problem["field"]);
    }

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    public static string Json(JsonNode? node) => node?.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) ?? "null";
}

/// <summary>
/// A readable stream of <paramref name="lines"/> generated MONITOR lines (every 1000th one damaged), made as it is read:
/// an upload of any size without holding it in memory. <see cref="Hash"/> is the SHA-256 of what was read.
/// </summary>
internal sealed class GeneratedCaptureStream(int lines) : Stream
{
    private readonly System.Security.Cryptography.IncrementalHash _hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
    private byte[] _pending = [];
    private int _pendingAt;
    private int _next;

    public static string Line(int i) => i % 1000 == 999
        ? $"damaged line {i}"
        : $"{1700000000 + i / 10000}.{i % 10000 * 100:D6} [{i % 4} 10.0.{i % 7}.1:{5000 + i % 50}] \"{(i % 3 == 0 ? "SET" : "GET")}\" \"key:{i % 5000}\"{(i % 3 == 0 ? $" \"v{i}\"" : "")}";

    public static int Malformed(int lines) => lines / 1000;

    private byte[]? _digest;

    /// <summary>The SHA-256 of everything read, once the stream has been read to its end.</summary>
    public byte[] Hash() => _digest ?? throw new InvalidOperationException("the stream was not read to its end");

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_pendingAt == _pending.Length)
        {
            if (_next == lines)
            {
                _digest ??= _hash.GetHashAndReset();
                return 0;
            }
            var sb = new StringBuilder();
            for (var end = Math.Min(lines, _next + 1000); _next < end; _next++) sb.Append(Line(_next)).Append('\n');
            _pending = Encoding.ASCII.GetBytes(sb.ToString());
            _pendingAt = 0;
        }
        var n = Math.Min(buffer.Length, _pending.Length - _pendingAt);
        _pending.AsSpan(_pendingAt, n).CopyTo(buffer);
        _hash.AppendData(buffer[..n]);
        _pendingAt += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => ValueTask.FromResult(Read(buffer.Span));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Task.FromResult(Read(buffer, offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
