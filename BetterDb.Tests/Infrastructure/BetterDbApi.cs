using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace BetterDb.Testing;

/// <summary>The session object of API.md as a client reads it.</summary>
public sealed record SessionDto
{
    public string Id { get; init; } = "";
    public string? ConnectionId { get; init; }
    public string Status { get; init; } = "";
    public string Source { get; init; } = "";
    public string? RequestedBy { get; init; }
    public DateTime StartedAt { get; init; }
    public DateTime? EndedAt { get; init; }
    public long DurationMs { get; init; }
    public long ByteCap { get; init; }
    public long LineCap { get; init; }
    public long ByteCount { get; init; }
    public long LineCount { get; init; }
    public string? TerminationReason { get; init; }

    public bool IsRunning => Status == "running";
}

/// <summary>The line object of API.md.</summary>
public sealed record LineDto
{
    public long? Ts { get; init; }
    public string? TsRaw { get; init; }
    public int? Db { get; init; }
    public string? Addr { get; init; }
    public string? Cmd { get; init; }
    public string[] Args { get; init; } = [];
    public string[] Keys { get; init; } = [];
    public string Raw { get; init; } = "";
    public string? NodeId { get; init; }
    /// <summary>Set when the line is shown cut (a huge argument): its whole length, and each argument's.</summary>
    public bool Truncated { get; init; }
    public long? RawBytes { get; init; }
    public long[]? ArgLengths { get; init; }

    public override string ToString() => Raw;
}

public sealed record ConnectionDto
{
    public string Id { get; init; } = "";
    public string Name { get; init; } = "";
    public string Host { get; init; } = "";
    public int Port { get; init; }
    public string? Username { get; init; }
    public bool Tls { get; init; }
    public int Db { get; init; }
    public bool IsDefault { get; init; }
}

/// <summary>Calls the HTTP API the way an automation script would, asserting the status codes API.md promises.</summary>
public sealed class BetterDbApi(HttpClient http)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public HttpClient Http { get; } = http;

    public Task<HttpResponseMessage> PostJsonAsync(string url, object body) => Http.PostAsJsonAsync(url, body, Json);

    public Task<HttpResponseMessage> PostRawAsync(string url, string json) =>
        Http.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    public async Task<SessionDto> StartCaptureAsync(object body)
    {
        using var response = await PostJsonAsync("/api/monitor/sessions", body);
        await ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<SessionDto>(Json))!;
    }

    public Task<SessionDto> StartCaptureAsync(string connectionId = "default", long durationMs = 60_000, long? lineCap = null, long? byteCap = null) =>
        StartCaptureAsync(new { connectionId, durationMs, lineCap, byteCap, requestedBy = "tests" });

    public async Task<SessionDto> GetSessionAsync(string id)
    {
        using var response = await Http.GetAsync($"/api/monitor/sessions/{id}");
        await ExpectAsync(response, HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<SessionDto>(Json))!;
    }

    public async Task<SessionDto> StopAsync(string id)
    {
        using var response = await Http.PostAsync($"/api/monitor/sessions/{id}/stop", null);
        await ExpectAsync(response, HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<SessionDto>(Json))!;
    }

    /// <summary>Polls the session until it is no longer running.</summary>
    public Task<SessionDto> WaitForEndAsync(string id, TimeSpan? timeout = null) =>
        Poll.UntilAsync(() => GetSessionAsync(id), s => !s.IsRunning, $"session {id} to end", timeout);

    public async Task<List<LineDto>> ReadLinesPageAsync(string id, long offset, int limit)
    {
        using var response = await Http.GetAsync($"/api/monitor/sessions/{id}/lines?offset={offset}&limit={limit}");
        await ExpectAsync(response, HttpStatusCode.OK);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        return doc.RootElement.GetProperty("lines").Deserialize<List<LineDto>>(Json)!;
    }

    /// <summary>Every stored line of a session, page by page.</summary>
    public async Task<List<LineDto>> ReadAllLinesAsync(string id)
    {
        var all = new List<LineDto>();
        while (true)
        {
            var page = await ReadLinesPageAsync(id, all.Count, 1000);
            all.AddRange(page);
            if (page.Count < 1000) return all;
        }
    }

    /// <summary>Reads stored lines as they are flushed until <paramref name="done"/> holds for what was read so far.</summary>
    public async Task<List<LineDto>> WaitForLinesAsync(string id, Func<List<LineDto>, bool> done, string what, TimeSpan? timeout = null)
    {
        var all = new List<LineDto>();
        return await Poll.UntilAsync(async () =>
        {
            while (true)
            {
                var page = await ReadLinesPageAsync(id, all.Count, 1000);
                all.AddRange(page);
                if (page.Count < 1000) return all;
            }
        }, done, what, timeout);
    }

    /// <summary>
    /// Like <see cref="WaitForLinesAsync"/>, but reads every line again each time: a running fan-out session's lines are
    /// merged in timestamp order, so a node's chunk stored late can land before lines already read.
    /// </summary>
    public Task<List<LineDto>> WaitForMergedLinesAsync(string id, Func<List<LineDto>, bool> done, string what, TimeSpan? timeout = null) =>
        Poll.UntilAsync(() => ReadAllLinesAsync(id), done, what, timeout);

    public async Task<string> ExportTextAsync(string id)
    {
        using var response = await Http.GetAsync($"/api/monitor/sessions/{id}/export?format=txt");
        await ExpectAsync(response, HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    public async Task<ConnectionDto> CreateConnectionAsync(string name, int port, string? username = null, string? password = null, string host = "127.0.0.1")
    {
        using var response = await PostJsonAsync("/api/connections", new { name, host, port, username, password });
        await ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<ConnectionDto>(Json))!;
    }

    /// <summary>Asserts the status code, showing the body when it is not the expected one.</summary>
    public static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode == expected) return;
        var body = await response.Content.ReadAsStringAsync();
        Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode} {response.StatusCode}, expected {(int)expected}: {body}");
    }
}
