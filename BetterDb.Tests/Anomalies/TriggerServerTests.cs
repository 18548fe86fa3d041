using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Core.Anomalies;
using BetterDb.Testing;
using BetterDb.Tests.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Anomalies;

[CollectionDefinition(Name)]
public sealed class TriggerCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "triggers (redis, apps)";
}

/// <summary>
/// Issue 14 against a real redis-server and the app in-process with its Hangfire: a redis-benchmark spike firing a
/// trigger end to end, the gate turning a fire into a skip, a busy connection queuing it, a restart between
/// detection and firing, and the API's rules.
/// </summary>
[Collection(TriggerCollection.Name)]
public sealed class TriggerServerTests(RedisFixture redis)
{
    /// <summary>Samples every 200 ms; ops/sec judged after 10 of them, on 2 in a row.</summary>
    private static Dictionary<string, string?> FastDetection(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["BetterDb:History:InfoIntervalMs"] = "200",
            ["BetterDb:Anomalies:Rules:ops_per_sec:Warmup"] = "10",
            ["BetterDb:Anomalies:Rules:ops_per_sec:Confirm"] = "2",
            ["BetterDb:Anomalies:Rules:ops_per_sec:MinChange"] = "2000",
            ["BetterDb:Anomalies:Rules:ops_per_sec:Window"] = "100",
        };
        foreach (var (k, v) in more) settings[k] = v;
        return settings;
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string url, object body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await http.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<JsonElement> TriggerAsync(HttpClient http, string id, Func<JsonElement, bool> done, string what, int seconds = 30) =>
        Poll.UntilAsync(async () => await http.GetFromJsonAsync<JsonElement>($"/api/monitor/triggers/{id}"), done, what, TimeSpan.FromSeconds(seconds));

    /// <summary>An anomaly as the detector would hand it over (for the firing paths; detection itself is the first test).</summary>
    private static Task Detect(TestApp app, string metric = AnomalyMetric.OpsPerSec) =>
        app.Services.GetRequiredService<TriggerService>().RecordAsync("default",
            [new DetectedAnomaly(metric, AnomalyType.Spike, AnomalySeverity.Critical, 50_000, 10, 2, 25_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())]);

    [Fact]
    public async Task A_redis_benchmark_spike_fires_a_trigger_whose_capture_holds_the_spike_traffic()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = new TestApp(redis.Url, settings: FastDetection());
        var http = app.CreateClient();
        await PostAsync(http, "/api/webhooks", new { url = receiver.Url("/t"), events = new[] { "monitor.trigger.created", "monitor.trigger.fired" } });
        var trigger = await PostAsync(http, "/api/monitor/triggers", new { connectionId = "default", metric = "ops_per_sec", anomalyType = "spike", durationMs = 3000, createdBy = "on-call" });
        var id = trigger.GetProperty("id").GetString()!;
        Assert.Equal("active", trigger.GetProperty("status").GetString());
        Assert.False(trigger.GetProperty("queued").GetBoolean());
        Assert.Equal("Capture on ops_per_sec spike, connection default", trigger.GetProperty("description").GetString());

        await Task.Delay(4000); // warm-up: the idle server's baseline
        using var bench = Process.Start(new ProcessStartInfo("timeout", ["30", "redis-benchmark", "-p", redis.Server.Port.ToString(), "-q", "-c", "10", "-n", "400000", "-r", "1000", "-t", "set"])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var fired = await TriggerAsync(http, id, t => t.GetProperty("status").GetString() != "active", "the trigger to fire");
        Assert.Equal("fired", fired.GetProperty("status").GetString());
        var sessionId = fired.GetProperty("sessionId").GetString()!;
        var anomalyId = fired.GetProperty("anomalyId").GetString()!;

        var session = await Poll.UntilAsync(async () => await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{sessionId}"),
            s => s.GetProperty("status").GetString() != "running", "the trigger's capture to end");
        bench.Kill(entireProcessTree: true);
        Assert.Equal("trigger", session.GetProperty("source").GetString());
        Assert.Equal(id, session.GetProperty("triggerId").GetString());
        Assert.True(session.GetProperty("lineCount").GetInt64() > 1000, session.GetRawText());
        var lines = await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{sessionId}/lines?limit=50&command=SET");
        Assert.Contains("\"key:", lines.GetRawText()); // redis-benchmark's own keys: the spike itself is in the capture

        var anomaly = await http.GetFromJsonAsync<JsonElement>($"/api/anomalies/{anomalyId}");
        Assert.Equal("ops_per_sec", anomaly.GetProperty("metric").GetString());
        Assert.Equal("spike", anomaly.GetProperty("anomalyType").GetString());
        Assert.True(anomaly.GetProperty("zScore").GetDouble() > 4);
        Assert.Contains("traffic spike", anomaly.GetProperty("diagnosis").GetString());
        var listed = await http.GetFromJsonAsync<JsonElement[]>("/api/anomalies?connectionId=default&metric=ops_per_sec");
        Assert.Contains(listed!, a => a.GetProperty("id").GetString() == anomalyId);

        await Poll.UntilAsync(() => receiver.Received.Count >= 2, "the trigger's two webhook events");
        Assert.Equal(["monitor.trigger.created", "monitor.trigger.fired"], receiver.Received.Select(r => r.Event!).Order().ToArray());
        var firedBody = JsonDocument.Parse(receiver.Received.First(r => r.Event == "monitor.trigger.fired").Body).RootElement;
        Assert.Equal(sessionId, firedBody.GetProperty("data").GetProperty("sessionId").GetString());
    }

    [Fact]
    public async Task A_closed_health_gate_turns_the_fire_into_a_skip_on_the_record()
    {
        await using var server = await RedisServer.StartAsync(TimeSpan.FromMinutes(5));
        await using var app = new TestApp(server.Url, settings: FastDetection());
        var http = app.CreateClient();
        var id = (await PostAsync(http, "/api/monitor/triggers", new { connectionId = "default", metric = "ops_per_sec", anomalyType = "spike", durationMs = 2000 }))
            .GetProperty("id").GetString()!;
        var info = await server.CliAsync("INFO", "memory");
        var used = long.Parse(info.Split('\n').First(l => l.StartsWith("used_memory:")).Split(':')[1].Trim());
        Assert.Equal("OK", (await server.CliAsync("CONFIG", "SET", "maxmemory", (used + 100_000).ToString())).Trim());

        await Detect(app);
        var skipped = await TriggerAsync(http, id, t => t.GetProperty("status").GetString() != "active", "the trigger to end");
        Assert.Equal("skipped", skipped.GetProperty("status").GetString());
        Assert.StartsWith("memory", skipped.GetProperty("skipReason").GetString());
        var session = await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{skipped.GetProperty("sessionId").GetString()}");
        Assert.Equal("skipped", session.GetProperty("status").GetString());
        Assert.Equal("trigger", session.GetProperty("source").GetString());
        Assert.Equal(skipped.GetProperty("skipReason").GetString(), session.GetProperty("terminationReason").GetString());
    }

    [Fact]
    public async Task A_busy_connection_queues_the_trigger_until_its_capture_ends()
    {
        await using var app = new TestApp(redis.Url, settings: FastDetection());
        var http = app.CreateClient();
        var manual = await PostAsync(http, "/api/monitor/sessions", new { connectionId = "default", durationMs = 4000 });
        var id = (await PostAsync(http, "/api/monitor/triggers", new { connectionId = "default", metric = "connected_clients", anomalyType = "spike", durationMs = 1500 }))
            .GetProperty("id").GetString()!;
        await Detect(app, AnomalyMetric.ConnectedClients);
        var queued = await TriggerAsync(http, id, t => t.GetProperty("queued").GetBoolean(), "the trigger to queue", 10);
        Assert.Equal("active", queued.GetProperty("status").GetString());

        var fired = await TriggerAsync(http, id, t => t.GetProperty("status").GetString() == "fired", "the trigger to fire once the capture ended");
        Assert.False(fired.GetProperty("queued").GetBoolean());
        var manualEnd = await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{manual.GetProperty("id").GetString()}");
        var started = await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{fired.GetProperty("sessionId").GetString()}");
        Assert.True(started.GetProperty("startedAt").GetDateTime() >= manualEnd.GetProperty("endedAt").GetDateTime());
        Assert.Equal("duration_cap", manualEnd.GetProperty("terminationReason").GetString());
    }

    [Fact]
    public async Task A_restart_between_detection_and_firing_still_fires_exactly_once()
    {
        var dir = TestApp.NewDataDirectory();
        try
        {
            string id;
            await using (var first = new TestApp(redis.Url, dir, settings: FastDetection(("BetterDb:Triggers:FireDelayMs", "4000"))))
            {
                var http = first.CreateClient();
                id = (await PostAsync(http, "/api/monitor/triggers", new { connectionId = "default", metric = "blocked_clients", anomalyType = "spike", durationMs = 1500 }))
                    .GetProperty("id").GetString()!;
                await Detect(first, AnomalyMetric.BlockedClients);
                var detected = await http.GetFromJsonAsync<JsonElement>($"/api/monitor/triggers/{id}");
                Assert.Equal("active", detected.GetProperty("status").GetString());
                Assert.Equal(JsonValueKind.String, detected.GetProperty("detectedAt").ValueKind);
            } // stopped before the fire job's time
            await using var second = new TestApp(redis.Url, dir, settings: FastDetection());
            var again = second.CreateClient();
            var fired = await TriggerAsync(again, id, t => t.GetProperty("status").GetString() == "fired", "the trigger to fire after the restart");
            await Task.Delay(3000);
            var sessions = await again.GetFromJsonAsync<JsonElement[]>("/api/monitor/sessions?source=trigger&limit=100");
            Assert.Single(sessions!, s => s.GetProperty("triggerId").GetString() == id);
            Assert.Equal(fired.GetProperty("sessionId").GetString(), sessions!.Single(s => s.GetProperty("triggerId").GetString() == id).GetProperty("id").GetString());
        }
        finally
        {
            TestApp.TryDelete(dir);
        }
    }

    [Fact]
    public async Task The_api_allows_one_active_trigger_per_metric_names_bad_fields_expires_and_cancels()
    {
        await using var app = new TestApp(redis.Url, settings: FastDetection());
        var http = app.CreateClient();
        var first = await PostAsync(http, "/api/monitor/triggers", new { connectionId = "default", metric = "evicted_keys", anomalyType = "spike" });
        Assert.Equal(60_000, first.GetProperty("durationMs").GetInt64());
        Assert.InRange((first.GetProperty("expiresAt").GetDateTime() - first.GetProperty("createdAt").GetDateTime()).TotalHours, 23.9, 24.1);
        var conflict = await PostAsync(http, "/api/monitor/triggers", new { connectionId = "default", metric = "evicted_keys", anomalyType = "spike" }, HttpStatusCode.Conflict);
        Assert.Contains("active trigger", conflict.GetProperty("detail").GetString());
        Assert.Equal(first.GetProperty("id").GetString(), conflict.GetProperty("activeTriggerId").GetString());
        await PostAsync(http, "/api/monitor/triggers", new { connectionId = "default", metric = "evicted_keys", anomalyType = "drop" }); // the other direction is fine

        var bad = await PostAsync(http, "/api/monitor/triggers", new { connectionId = "nope", metric = "cpu", anomalyType = "up", durationMs = 10 }, HttpStatusCode.BadRequest);
        var fields = bad.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Equal(["connectionId", "metric", "anomalyType", "durationMs"], fields);
        Assert.Contains("ops_per_sec", bad.GetProperty("errors")[1].GetProperty("detail").GetString());
        using (var badStatus = await http.GetAsync("/api/monitor/triggers?status=done")) Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        using (var badMetric = await http.GetAsync("/api/anomalies?metric=cpu")) Assert.Equal(HttpStatusCode.BadRequest, badMetric.StatusCode);

        var shortLived = await PostAsync(http, "/api/monitor/triggers", new { connectionId = "default", metric = "keyspace_misses", anomalyType = "spike", expiresInMs = 1000 });
        await TriggerAsync(http, shortLived.GetProperty("id").GetString()!, t => t.GetProperty("status").GetString() == "expired", "the trigger to expire", 15);

        using var cancel = await http.DeleteAsync($"/api/monitor/triggers/{first.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await PostAsync(http, "/api/monitor/triggers", new { connectionId = "default", metric = "evicted_keys", anomalyType = "spike" }); // free again
        using var missing = await http.DeleteAsync("/api/monitor/triggers/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
