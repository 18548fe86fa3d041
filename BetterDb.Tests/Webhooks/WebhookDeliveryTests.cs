using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BetterDb.Core.Webhooks;
using BetterDb.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Webhooks;

/// <summary>
/// Issue 16 against a real receiver (Kestrel on loopback) and the app in-process with its real Hangfire: signed
/// bodies, retries under one delivery id, a hanging receiver, scopes, 410, a restart with a delivery pending.
/// Events come from imports (a session that starts and ends at once) and a real capture.
/// </summary>
[CollectionDefinition(Name)]
public sealed class WebhookCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "webhooks (redis, a receiver, apps)";
}

[Collection(WebhookCollection.Name)]
public sealed class WebhookDeliveryTests(RedisFixture redis) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static readonly Dictionary<string, string?> FastRetries = new()
    {
        ["BetterDb:Webhooks:RetryDelaysMs"] = "300,300,300",
        ["BetterDb:Webhooks:TimeoutMs"] = "1500",
    };

    private TestApp NewApp(IReadOnlyDictionary<string, string?>? settings = null, string? dataDirectory = null) =>
        new(redis.Url, dataDirectory, settings: settings ?? FastRetries);

    private static async Task<JsonElement> CreateHookAsync(HttpClient http, object body)
    {
        using var response = await http.PostAsJsonAsync("/api/webhooks", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<string> ImportAsync(HttpClient http, string? connectionId)
    {
        var file = "1700000000.000001 [0 10.0.0.1:5000] \"SET\" \"k\" \"v\"\n1700000001.000001 [0 10.0.0.1:5000] \"GET\" \"k\"\n";
        using var response = await http.PostAsync($"/api/monitor/sessions/import?connectionId={connectionId}",
            new StringContent(file, Encoding.UTF8, "text/plain"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement[]> DeliveriesAsync(HttpClient http, string hookId) =>
        (await http.GetFromJsonAsync<JsonElement[]>($"/api/webhooks/{hookId}/deliveries"))!;

    private static string Hmac(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    [Fact]
    public async Task A_capture_is_told_started_and_completed_with_a_signed_documented_body_and_no_password()
    {
        await using var app = NewApp();
        var http = app.CreateClient();
        var hook = await CreateHookAsync(http, new { url = _receiver.Url("/signed"), secret = "s3cret-for-hmac", events = new[] { "monitor.session.started", "monitor.session.completed" } });
        Assert.True(hook.GetProperty("secretSet").GetBoolean());
        Assert.DoesNotContain("s3cret", hook.GetRawText());

        using var start = await http.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 1000, requestedBy = "hooks" });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var sessionId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        await Poll.UntilAsync(() => _receiver.At("/signed").Count >= 2, "both events at the receiver", TimeSpan.FromSeconds(30));
        // Each delivery is its own job: they may arrive in either order; occurredAt orders them.
        var got = _receiver.At("/signed").OrderBy(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("occurredAt").GetDateTime()).ToList();
        Assert.Equal(["monitor.session.started", "monitor.session.completed"], got.Select(g => g.Event).ToArray());
        foreach (var r in got)
        {
            // The signature is the HMAC of the exact bytes received.
            Assert.Equal(Hmac("s3cret-for-hmac", r.Body), r.Signature);
            Assert.False(string.IsNullOrEmpty(r.Delivery));
            using var doc = JsonDocument.Parse(r.Body);
            var root = doc.RootElement;
            Assert.Equal(r.Event, root.GetProperty("type").GetString());
            Assert.StartsWith("evt_", root.GetProperty("id").GetString());
            Assert.True(root.GetProperty("occurredAt").GetDateTime() > DateTime.UtcNow.AddMinutes(-5));
            var connection = root.GetProperty("connection");
            Assert.Equal("default", connection.GetProperty("id").GetString());
            Assert.Equal("127.0.0.1", connection.GetProperty("host").GetString());
            Assert.Equal(redis.Server.Port, connection.GetProperty("port").GetInt32());
            Assert.Equal(sessionId, root.GetProperty("data").GetProperty("id").GetString());
            Assert.DoesNotContain("password", r.Body, StringComparison.OrdinalIgnoreCase);
        }
        Assert.NotEqual(got[0].Delivery, got[1].Delivery);
        var completed = JsonDocument.Parse(got[1].Body).RootElement.GetProperty("data");
        Assert.Equal("completed", completed.GetProperty("status").GetString());

        var log = await DeliveriesAsync(http, hook.GetProperty("id").GetString()!);
        Assert.Equal(2, log.Length);
        Assert.All(log, d => Assert.Equal("succeeded", d.GetProperty("status").GetString()));
        Assert.All(log, d => Assert.Equal(200, d.GetProperty("statusCode").GetInt32()));
        Assert.All(log, d => Assert.Equal(sessionId, d.GetProperty("sessionId").GetString()));
    }

    [Fact]
    public async Task A_capture_that_fails_is_told_as_failed_with_its_reason()
    {
        await using var app = NewApp();
        var http = app.CreateClient();
        using var down = await http.PostAsJsonAsync("/api/connections", new { name = $"down-{Guid.NewGuid():N}"[..13], host = "127.0.0.1", port = 1 });
        var downId = (await down.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await CreateHookAsync(http, new { url = _receiver.Url("/failed"), events = new[] { "monitor.session.failed" } });
        using var start = await http.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = downId, durationMs = 5000 });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        await Poll.UntilAsync(() => _receiver.At("/failed").Count >= 1, "the failed event");
        var data = JsonDocument.Parse(_receiver.At("/failed")[0].Body).RootElement.GetProperty("data");
        Assert.Equal("failed", data.GetProperty("status").GetString());
        Assert.StartsWith("monitor_open_failed", data.GetProperty("terminationReason").GetString());
    }

    [Fact]
    public async Task Runs_of_one_attempt_at_once_send_it_once()
    {
        // Hangfire's SQLite storage can give one job to two workers at once: three runs of the first attempt race here.
        var answered = 0;
        _receiver.Answer("/slow", async (_, _) =>
        {
            await Task.Delay(800);
            Interlocked.Increment(ref answered);
            return 500;
        });
        await using var app = NewApp(new Dictionary<string, string?> { ["BetterDb:Webhooks:RetryDelaysMs"] = "60000", ["BetterDb:Webhooks:TimeoutMs"] = "3000" });
        var http = app.CreateClient();
        var hook = await CreateHookAsync(http, new { url = _receiver.Url("/slow"), events = new[] { "monitor.session.completed" } });
        var hookId = hook.GetProperty("id").GetString()!;
        await ImportAsync(http, "default");
        var log = await Poll.UntilAsync(() => DeliveriesAsync(http, hookId), l => l.Length == 1, "the delivery");
        var deliveryId = log[0].GetProperty("id").GetString()!;

        var job = app.Services.GetRequiredService<WebhookDeliveryJob>();
        var url = _receiver.Url("/slow");
        await Task.WhenAll(job.DeliverAsync(deliveryId, "monitor.session.completed", url), job.DeliverAsync(deliveryId, "monitor.session.completed", url));
        await Poll.UntilAsync(() => Volatile.Read(ref answered) >= 1, "the attempt", TimeSpan.FromSeconds(10));
        await Task.Delay(1500); // time for a duplicate to arrive, were there one
        Assert.Equal(1, _receiver.At("/slow").Count);
        var after = (await DeliveriesAsync(http, hookId)).Single();
        Assert.Equal(1, after.GetProperty("attempts").GetInt32());
        Assert.Equal("pending", after.GetProperty("status").GetString()); // the next attempt in a minute
    }

    [Fact]
    public async Task A_receiver_failing_twice_gets_three_attempts_under_one_delivery_id()
    {
        _receiver.Answer("/flaky", n => n <= 2 ? 500 : 204);
        // Pauses longer than the delivery claim's 1 s early window: with shorter ones a second run of an attempt's job
        // (Hangfire's SQLite storage makes them) may send the next attempt at once (see the stop 25 note).
        await using var app = NewApp(new Dictionary<string, string?> { ["BetterDb:Webhooks:RetryDelaysMs"] = "2500,2500,2500", ["BetterDb:Webhooks:TimeoutMs"] = "1500" });
        var http = app.CreateClient();
        var hook = await CreateHookAsync(http, new { url = _receiver.Url("/flaky"), events = new[] { "monitor.session.completed" } });
        await ImportAsync(http, "default");

        await Poll.UntilAsync(() => _receiver.At("/flaky").Count >= 3, "three attempts", TimeSpan.FromSeconds(30));
        var got = _receiver.At("/flaky");
        Assert.Single(got.Select(g => g.Delivery).Distinct());
        Assert.Single(got.Select(g => g.Body).Distinct()); // the same bytes every time
        Assert.True(got[1].At - got[0].At >= TimeSpan.FromMilliseconds(250),
            $"the retry waited its pause: attempts at {string.Join(", ", got.Select(g => g.At.ToString("HH:mm:ss.fff")))}");
        var delivery = await Poll.UntilAsync(async () => (await DeliveriesAsync(http, hook.GetProperty("id").GetString()!)).Single(),
            d => d.GetProperty("status").GetString() == "succeeded", "the delivery recorded as succeeded");
        Assert.Equal(3, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(204, delivery.GetProperty("statusCode").GetInt32());
        Assert.Equal(got[0].Delivery, delivery.GetProperty("id").GetString());
        await Task.Delay(700);
        Assert.Equal(3, _receiver.At("/flaky").Count); // and no more
    }

    [Fact]
    public async Task A_hanging_receiver_times_out_is_retried_and_holds_up_neither_another_endpoint_nor_the_capture()
    {
        _receiver.Answer("/hangs", async (_, context) =>
        {
            try { await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted); } catch (OperationCanceledException) { }
            return 200;
        });
        await using var app = NewApp();
        var http = app.CreateClient();
        var hanging = await CreateHookAsync(http, new { url = _receiver.Url("/hangs"), events = new[] { "monitor.session.started", "monitor.session.completed" } });
        await CreateHookAsync(http, new { url = _receiver.Url("/quick"), events = new[] { "monitor.session.started", "monitor.session.completed" } });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var start = await http.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 1500 });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var sessionId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var db = redis.Client.GetDatabase();
        for (var i = 0; i < 20; i++) await db.StringSetAsync($"hook-hang:{i}", "v");

        await Poll.UntilAsync(() => _receiver.At("/quick").Count >= 2, "the other endpoint's two events", TimeSpan.FromSeconds(20));
        var session = await Poll.UntilAsync(async () => await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{sessionId}"),
            s => s.GetProperty("status").GetString() != "running", "the capture to end");
        Assert.Equal("completed", session.GetProperty("status").GetString());
        Assert.Equal("duration_cap", session.GetProperty("terminationReason").GetString());
        // Held up by the hanging receiver, this would take its 30 s hang at least.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"the capture and the other endpoint took {clock.Elapsed}");
        Assert.True(session.GetProperty("lineCount").GetInt64() >= 20);

        var hangingLog = await Poll.UntilAsync(async () => await DeliveriesAsync(http, hanging.GetProperty("id").GetString()!),
            d => d.Any(x => x.GetProperty("attempts").GetInt32() >= 2), "a timed-out attempt retried", TimeSpan.FromSeconds(20));
        var retried = hangingLog.First(x => x.GetProperty("attempts").GetInt32() >= 2);
        Assert.Contains("timed out", retried.GetProperty("error").GetString());
        Assert.False(retried.TryGetProperty("statusCode", out var code) && code.ValueKind == JsonValueKind.Number);
    }

    [Fact]
    public async Task A_scoped_endpoint_hears_only_its_connection_and_a_410_disables_it()
    {
        await using var app = NewApp();
        var http = app.CreateClient();
        using var other = await http.PostAsJsonAsync("/api/connections", new { name = $"other-{Guid.NewGuid():N}"[..14], host = "127.0.0.1", port = 1 });
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        var otherId = (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await CreateHookAsync(http, new { url = _receiver.Url("/scoped"), connectionId = otherId, events = new[] { "monitor.session.completed" } });
        await CreateHookAsync(http, new { url = _receiver.Url("/all"), events = new[] { "monitor.session.completed" } });

        await ImportAsync(http, "default");
        var mine = await ImportAsync(http, otherId);
        await Poll.UntilAsync(() => _receiver.At("/all").Count >= 2, "both events at the unscoped endpoint");
        await Poll.UntilAsync(() => _receiver.At("/scoped").Count >= 1, "its own connection's event at the scoped endpoint");
        await Task.Delay(1000);
        var scoped = Assert.Single(_receiver.At("/scoped"));
        var root = JsonDocument.Parse(scoped.Body).RootElement;
        Assert.Equal(mine, root.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal(otherId, root.GetProperty("connection").GetProperty("id").GetString());

        _receiver.Answer("/gone", _ => 410);
        var gone = await CreateHookAsync(http, new { url = _receiver.Url("/gone") });
        await ImportAsync(http, "default");
        var hook = await Poll.UntilAsync(async () => await http.GetFromJsonAsync<JsonElement>($"/api/webhooks/{gone.GetProperty("id").GetString()}"),
            h => !h.GetProperty("enabled").GetBoolean(), "the endpoint disabled by its 410");
        Assert.Contains("410", hook.GetProperty("disabledReason").GetString());
        var attempts = _receiver.At("/gone").Count;
        Assert.InRange(attempts, 1, 2); // started and completed both went out before it said 410; no retry after it
        var log = await DeliveriesAsync(http, gone.GetProperty("id").GetString()!);
        Assert.Contains(log, d => d.GetProperty("status").GetString() == "gone");
        await ImportAsync(http, "default");
        await Task.Delay(800);
        Assert.Equal(attempts, _receiver.At("/gone").Count);
    }

    [Fact]
    public async Task A_delivery_pending_when_the_app_stops_is_delivered_after_the_restart()
    {
        var settings = new Dictionary<string, string?> { ["BetterDb:Webhooks:RetryDelaysMs"] = "4000,4000", ["BetterDb:Webhooks:TimeoutMs"] = "1500" };
        var receiverUp = false;
        _receiver.Answer("/restart", _ => receiverUp ? 200 : 503);
        var dir = TestApp.NewDataDirectory();
        string hookId;
        try
        {
            await using (var first = NewApp(settings, dir))
            {
                var http = first.CreateClient();
                hookId = (await CreateHookAsync(http, new { url = _receiver.Url("/restart"), events = new[] { "monitor.session.completed" } })).GetProperty("id").GetString()!;
                await ImportAsync(http, "default");
                await Poll.UntilAsync(async () => await DeliveriesAsync(http, hookId), d => d.Length == 1 && d[0].GetProperty("attempts").GetInt32() == 1,
                    "the first attempt failed and recorded");
            } // stopped with the retry due in about 4 s
            receiverUp = true;
            await using var second = NewApp(settings, dir);
            var again = second.CreateClient();
            var delivery = await Poll.UntilAsync(async () => (await DeliveriesAsync(again, hookId)).Single(),
                d => d.GetProperty("status").GetString() == "succeeded", "the pending delivery delivered after the restart", TimeSpan.FromSeconds(30));
            Assert.Equal(2, delivery.GetProperty("attempts").GetInt32());
            var got = _receiver.At("/restart");
            Assert.Equal(2, got.Count);
            Assert.Equal(got[0].Delivery, got[1].Delivery);
        }
        finally
        {
            TestApp.TryDelete(dir);
        }
    }

    [Fact]
    public async Task Test_sends_a_signed_ping_at_once_and_a_failed_delivery_can_be_sent_again()
    {
        var up = false;
        _receiver.Answer("/ping", _ => up ? 200 : 500);
        await using var app = NewApp(new Dictionary<string, string?> { ["BetterDb:Webhooks:RetryDelaysMs"] = "" });
        var http = app.CreateClient();
        var hook = await CreateHookAsync(http, new { url = _receiver.Url("/ping"), secret = "k" });
        var id = hook.GetProperty("id").GetString()!;

        using var test = await http.PostAsync($"/api/webhooks/{id}/test", null);
        Assert.Equal(HttpStatusCode.OK, test.StatusCode);
        var result = await test.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("failed", result.GetProperty("status").GetString());
        Assert.Equal(500, result.GetProperty("statusCode").GetInt32());
        Assert.Contains("receiver says 500", result.GetProperty("responseExcerpt").GetString());
        var ping = _receiver.At("/ping").Single();
        Assert.Equal("ping", ping.Event);
        Assert.Equal(Hmac("k", ping.Body), ping.Signature);

        // One attempt only (no retry delays configured): the completed event fails for good, then is sent again.
        await ImportAsync(http, "default");
        var failed = await Poll.UntilAsync(async () => await DeliveriesAsync(http, id),
            d => d.Count(x => x.GetProperty("event").GetString() == "monitor.session.completed" && x.GetProperty("status").GetString() == "failed") == 1,
            "the completed event failed");
        var completed = failed.First(x => x.GetProperty("event").GetString() == "monitor.session.completed");
        up = true;
        using var redeliver = await http.PostAsync($"/api/webhooks/deliveries/{completed.GetProperty("id").GetString()}/redeliver", null);
        Assert.Equal(HttpStatusCode.Accepted, redeliver.StatusCode);
        await Poll.UntilAsync(async () => await DeliveriesAsync(http, id),
            d => d.Any(x => x.GetProperty("id").GetString() == completed.GetProperty("id").GetString() && x.GetProperty("status").GetString() == "succeeded"),
            "the redelivered event succeeded");
        var sent = _receiver.At("/ping").Where(r => r.Event == "monitor.session.completed").ToList();
        Assert.True(sent.Count >= 2);
        Assert.Single(sent.Select(s => s.Delivery).Distinct());
        using var again = await http.PostAsync($"/api/webhooks/deliveries/{completed.GetProperty("id").GetString()}/redeliver", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }
}
