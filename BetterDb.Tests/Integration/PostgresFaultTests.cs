using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Integration;

/// <summary>
/// The app on a PostgreSQL server of its own that goes away mid-capture, as a restarted or failed database server
/// does: while it is down reads and writes answer 503 saying so; back within the store's retry the capture loses
/// nothing; down for longer, the capture ends failed/storage_error and that end is recorded once the server is back.
/// </summary>
[Collection(RestartCollection.Name)]
[Trait(StorageTrait.Name, StorageTrait.Postgres)]
public sealed class PostgresFaultTests(RedisFixture fx) : IDisposable
{
    private readonly PostgresServer _server = PostgresServer.StartPrivate();

    public void Dispose() => _server.Dispose();

    private string? _database;

    private TestApp App() => new(fx.Url, settings: new Dictionary<string, string?>
    {
        ["BetterDb:Storage:Provider"] = "postgres",
        ["BetterDb:Storage:ConnectionString"] = _database = _server.CreateDatabase(),
        ["BetterDb:History:Enabled"] = "false",
    });

    /// <summary>The session's status and reason as the database holds them (not the app's memory).</summary>
    private async Task<(string? Status, string? Reason)> StoredAsync(string id)
    {
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(_database + ";Pooling=false");
            await connection.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand("SELECT \"Status\", \"TerminationReason\" FROM sessions WHERE \"Id\" = $1", connection)
                { Parameters = { new() { Value = id } } };
            await using var reader = await cmd.ExecuteReaderAsync();
            return await reader.ReadAsync() ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : (null, null);
        }
        catch (Npgsql.NpgsqlException)
        {
            return (null, null);
        }
    }

    [Fact]
    public async Task A_database_server_restarted_mid_capture_costs_no_line_and_answers_503_while_it_is_down()
    {
        await using var app = App();
        var http = app.CreateClient();
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        using var started = await http.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 120_000 });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var redis = fx.Client.GetDatabase();
        for (var i = 0; i < 500; i++) await redis.StringSetAsync($"pgfault:before:{i}", i);
        await Poll.UntilAsync(async () => (await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}/lines?key=pgfault:before:*&limit=1000"))
            .GetProperty("lines").GetArrayLength(), n => n == 500, "the first lines to be stored");

        _server.Stop();
        for (var i = 0; i < 500; i++) await redis.StringSetAsync($"pgfault:during:{i}", i);
        using (var down = await http.GetAsync("/api/monitor/sessions"))
        {
            var text = await down.Content.ReadAsStringAsync();
            Assert.True(down.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)down.StatusCode}: {text}");
            Assert.Contains("database server", text);
        }
        await Task.Delay(2_000);
        _server.StartAgain();

        for (var i = 0; i < 500; i++) await redis.StringSetAsync($"pgfault:after:{i}", i);
        var stopped = await Poll.UntilAsync(async () =>
        {
            using var stop = await http.PostAsync($"/api/monitor/sessions/{id}/stop", null);
            return (stop.StatusCode, Json: await stop.Content.ReadFromJsonAsync<JsonElement>());
        }, r => r.StatusCode == HttpStatusCode.OK, "the stop to be answered once the server is back");
        Assert.Equal(("completed", "manual_stop"), (stopped.Json.GetProperty("status").GetString(), stopped.Json.GetProperty("terminationReason").GetString()));
        foreach (var phase in new[] { "before", "during", "after" })
        {
            var lines = await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}/lines?key=pgfault:{phase}:*&command=SET&limit=1000");
            Assert.Equal(500, lines.GetProperty("lines").GetArrayLength());
        }
    }

    [Fact]
    public async Task A_database_server_down_past_the_store_retry_fails_the_capture_and_the_end_is_recorded_when_it_is_back()
    {
        await using var app = App();
        var http = app.CreateClient();
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        using var started = await http.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 120_000 });
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await RedisProbe.WaitForMonitorAsync(fx.Client);

        _server.Stop();
        var redis = fx.Client.GetDatabase();
        // Lines arrive while nothing can store them: after the store's retry the capture gives up, saying why.
        var failed = await Poll.UntilAsync(async () =>
        {
            await redis.StringSetAsync("pgfault:down", "x");
            return app.Sessions.RunningHere().Count;
        }, n => n == 0, "the capture to give up on storage", TimeSpan.FromSeconds(40));
        Assert.Equal(0, failed);
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        var session = await app.Sessions.GetAsync(id);
        Assert.Equal("failed", session!.Status.ToString().ToLowerInvariant());
        Assert.StartsWith("storage_error: ", session.TerminationReason);

        _server.StartAgain();
        var recorded = await Poll.UntilAsync(() => StoredAsync(id), s => s.Status == "failed", "the failed end to be on record", TimeSpan.FromSeconds(60));
        Assert.StartsWith("storage_error: ", recorded.Reason);
        // The connection is free again.
        using var next = await http.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 1_000 });
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
    }
}
