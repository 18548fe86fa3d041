using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Integration;

/// <summary>
/// Issue 21 item 2: two app processes, each with its own data directory (as on two machines), sharing one real
/// PostgreSQL for data and Hangfire. The database decides what must happen once: one capture per connection, a stop
/// or delete asked of either process, a dead owner's captures ended by the survivor only after its heartbeat times
/// out, a schedule tick, a trigger firing. Heartbeats are shortened (500 ms, timeout 4 s) so the test waits seconds.
/// </summary>
[Collection(RestartCollection.Name)]
// PostgreSQL whatever the run.
[Trait(StorageTrait.Name, StorageTrait.Postgres)]
public sealed class SharedPostgresTests(RedisFixture fx) : IAsyncLifetime
{
    private const int HeartbeatTimeoutMs = 4_000;
    private readonly string _dirA = TestApp.NewDataDirectory();
    private readonly string _dirB = TestApp.NewDataDirectory();
    private readonly string _database = PostgresServer.Shared.CreateDatabase();

    public Task InitializeAsync() => RedisProbe.WaitForNoMonitorAsync(fx.Client);

    public Task DisposeAsync()
    {
        TestApp.TryDelete(_dirA);
        TestApp.TryDelete(_dirB);
        PostgresServer.Shared.DropDatabase(_database);
        return Task.CompletedTask;
    }

    private Task<AppProcess> StartAsync(string dir, params (string Key, string Value)[] more)
    {
        var environment = new Dictionary<string, string>
        {
            ["BetterDb__Storage__Provider"] = "postgres",
            ["BetterDb__Storage__ConnectionString"] = _database,
            ["BetterDb__Storage__HeartbeatIntervalMs"] = "500",
            ["BetterDb__Storage__HeartbeatTimeoutMs"] = HeartbeatTimeoutMs.ToString(),
        };
        foreach (var (k, v) in more) environment[k] = v;
        return AppProcess.StartAsync(dir, fx.Url, environment: environment);
    }

    private static async Task<JsonElement> SessionAsync(HttpClient http, string id) =>
        await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}");

    [Fact]
    public async Task Two_processes_share_captures_one_runs_a_stop_from_the_other_ends_it_and_a_dead_owner_is_ended_after_its_heartbeat_times_out()
    {
        await using var a = await StartAsync(_dirA);
        await using var b = await StartAsync(_dirB);
        using var httpA = a.CreateClient();
        using var httpB = b.CreateClient();
        // Both processes dispatch the shared outbox: each event reaches a subscriber once.
        await using var receiver = await Webhooks.WebhookReceiver.StartAsync();
        using (var hook = await httpB.PostAsJsonAsync("/api/webhooks",
                   new { url = receiver.Url("/s"), events = new[] { "monitor.session.started", "monitor.session.completed", "monitor.session.interrupted" } }))
            Assert.Equal(HttpStatusCode.Created, hook.StatusCode);

        // Racing starts from both processes: one capture; every other answer is a 409 naming it.
        var body = new { connectionId = "default", durationMs = 600_000 };
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? httpA : httpB).PostAsJsonAsync("/api/monitor/sessions", body);
            return (response.StatusCode, Json: await response.Content.ReadFromJsonAsync<JsonElement>());
        }));
        var created = Assert.Single(answers, r => r.StatusCode == HttpStatusCode.Created);
        var id = created.Json.GetProperty("id").GetString()!;
        Assert.All(answers.Where(r => r.StatusCode != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            Assert.Equal(id, r.Json.GetProperty("runningSessionId").GetString());
        });
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        Assert.Equal(1, await RedisProbe.MonitorClientsAsync(fx.Client));
        var (owner, ownerHttp, otherHttp) = Array.IndexOf(answers, created) % 2 == 0 ? (a, httpA, httpB) : (b, httpB, httpA);

        // The other process sees it running, with the owner's counters and where its live view is.
        await fx.Client.GetDatabase().StringSetAsync("shared:k", "v");
        var seen = await Poll.UntilAsync(() => SessionAsync(otherHttp, id), s => s.GetProperty("lineCount").GetInt64() >= 1,
            "the owner's counters to reach the other process");
        Assert.Equal("running", seen.GetProperty("status").GetString());
        Assert.Equal(owner.BaseAddress.ToString().TrimEnd('/'), seen.GetProperty("ownerUrl").GetString());
        // What the owner has flushed, the other process reads from the shared database.
        await Poll.UntilAsync(async () => (await otherHttp.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}/lines?command=SET")).GetRawText(),
            text => text.Contains("shared:k"), "the owner's flushed line to be readable from the other process");
        // Its connection is busy for the other process too.
        using (var delete = await otherHttp.DeleteAsync("/api/connections/default"))
        {
            Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
            Assert.Contains("A capture is running on this connection", await delete.Content.ReadAsStringAsync());
        }

        // A stop asked of the process that does not run it ends it there.
        var stopwatch = Stopwatch.StartNew();
        using (var stop = await otherHttp.PostAsync($"/api/monitor/sessions/{id}/stop", null))
        {
            var stopped = await stop.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(stop.StatusCode == HttpStatusCode.OK, stopped.GetRawText());
            Assert.Equal(("completed", "manual_stop"), (stopped.GetProperty("status").GetString(), stopped.GetProperty("terminationReason").GetString()));
        }
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"the stop took {stopwatch.Elapsed}");
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        await Poll.UntilAsync(() => receiver.At("/s").Count >= 2, "the started and completed events");

        // A capture whose owner is killed: the survivor leaves it alone while its heartbeat is fresh, then ends it.
        using var second = await ownerHttp.PostAsJsonAsync("/api/monitor/sessions", body);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var secondId = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await Task.Delay(1_000); // a heartbeat or two on record
        owner.Kill();
        var killedAt = Stopwatch.StartNew();
        await Task.Delay(HeartbeatTimeoutMs / 2);
        var early = await SessionAsync(otherHttp, secondId);
        Assert.True(killedAt.ElapsedMilliseconds < HeartbeatTimeoutMs - 500, "the early look came too late to mean anything");
        Assert.Equal("running", early.GetProperty("status").GetString());
        var ended = await Poll.UntilAsync(() => SessionAsync(otherHttp, secondId), s => s.GetProperty("status").GetString() != "running",
            "the survivor to end the dead owner's capture", TimeSpan.FromSeconds(30));
        Assert.Equal(("interrupted", "process_restart"), (ended.GetProperty("status").GetString(), ended.GetProperty("terminationReason").GetString()));
        Assert.True(killedAt.ElapsedMilliseconds >= HeartbeatTimeoutMs - 1_000, $"ended {killedAt.ElapsedMilliseconds} ms after the kill");

        // The connection is free again, from the survivor.
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        using var next = await otherHttp.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 1_000 });
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
        var nextId = (await next.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // Every event once: two sessions started and ended, the one the survivor ended, and the last one.
        await Poll.UntilAsync(() => receiver.At("/s").Count(r => r.Event == "monitor.session.completed") >= 2, "the last capture's completed event");
        await Task.Delay(3_000); // a duplicate would come within a dispatch poll or two
        var events = receiver.At("/s").Select(r => (r.Event, Session: JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("id").GetString())).ToList();
        Assert.Equal(
            new[] { ("monitor.session.started", id), ("monitor.session.completed", id), ("monitor.session.started", secondId),
                    ("monitor.session.interrupted", secondId), ("monitor.session.started", nextId), ("monitor.session.completed", nextId) }
                .Order().ToList(),
            events.Select(e => (e.Event!, e.Session!)).Order().ToList());
    }

    [Fact]
    public async Task A_schedule_ticks_once_per_tick_and_a_trigger_fires_once_with_two_processes()
    {
        // Both processes sample INFO fast and judge ops/sec quickly, so both detect the same spike.
        (string, string)[] fast =
        [
            ("BetterDb__History__InfoIntervalMs", "200"),
            ("BetterDb__Anomalies__Rules__ops_per_sec__Warmup", "10"),
            ("BetterDb__Anomalies__Rules__ops_per_sec__Confirm", "2"),
            ("BetterDb__Anomalies__Rules__ops_per_sec__MinChange", "2000"),
            ("BetterDb__Anomalies__Rules__ops_per_sec__Window", "100"),
        ];
        await using var a = await StartAsync(_dirA, fast);
        await using var b = await StartAsync(_dirB, fast);
        using var httpA = a.CreateClient();
        using var httpB = b.CreateClient();

        // One job storage: the dashboard of either process lists both processes' Hangfire servers.
        var servers = await Poll.UntilAsync(() => httpA.GetStringAsync("/hangfire/servers"),
            page => System.Text.RegularExpressions.Regex.Matches(page, $@"{System.Text.RegularExpressions.Regex.Escape(Environment.MachineName)}:(\d+):webhooks",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase).Select(m => m.Groups[1].Value).Distinct().Count() >= 2,
            "both processes' servers on one dashboard",
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        Assert.Contains("BetterDb jobs", servers);

        using (var schedule = await httpA.PostAsJsonAsync("/api/monitor/schedules", new { connectionId = "default", intervalSeconds = 10, durationMs = 1_000 }))
            Assert.Equal(HttpStatusCode.Created, schedule.StatusCode);
        var scheduleId = (await httpA.GetFromJsonAsync<JsonElement[]>("/api/monitor/schedules"))!.Single().GetProperty("id").GetString()!;

        using var created = await httpB.PostAsJsonAsync("/api/monitor/triggers",
            new { connectionId = "default", metric = "ops_per_sec", anomalyType = "spike", durationMs = 2_000 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var triggerId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await Task.Delay(4_000); // the idle server's baseline
        using (var bench = Process.Start(new ProcessStartInfo("timeout",
                   ["30", "redis-benchmark", "-p", fx.Server.Port.ToString(), "-q", "-c", "10", "-n", "400000", "-r", "1000", "-t", "set"])
               { RedirectStandardOutput = true, RedirectStandardError = true })!)
        {
            await Poll.UntilAsync(async () => await httpA.GetFromJsonAsync<JsonElement>($"/api/monitor/triggers/{triggerId}"),
                t => t.GetProperty("status").GetString() != "active", "the trigger to fire", TimeSpan.FromSeconds(30));
            bench.Kill(entireProcessTree: true);
        }

        // Let the schedule tick a few times (every 10 s) with both processes' Hangfire servers polling one queue.
        await Task.Delay(TimeSpan.FromSeconds(22));
        var sessions = (await httpB.GetFromJsonAsync<JsonElement[]>("/api/monitor/sessions?limit=200"))!;
        var fromTrigger = sessions.Where(s => s.GetProperty("triggerId").GetString() == triggerId).ToList();
        Assert.Single(fromTrigger);
        var ticks = sessions.Where(s => s.GetProperty("scheduleId").GetString() == scheduleId)
            .Select(s => s.GetProperty("startedAt").GetDateTime()).Order().ToList();
        Assert.True(ticks.Count >= 2, $"{ticks.Count} ticks in 26 s of a 10 s schedule");
        // Once per tick: no two sessions of the schedule closer than its interval allows.
        Assert.All(ticks.Zip(ticks.Skip(1)), pair => Assert.True((pair.Second - pair.First).TotalSeconds > 5, $"two ticks {pair.First:O} and {pair.Second:O}"));
        var trigger = await httpB.GetFromJsonAsync<JsonElement>($"/api/monitor/triggers/{triggerId}");
        Assert.Equal("fired", trigger.GetProperty("status").GetString());
    }
}
