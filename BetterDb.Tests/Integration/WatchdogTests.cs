using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Testing;
using StackExchange.Redis;

namespace BetterDb.Tests.Integration;

/// <summary>A redis-server that allows DEBUG (to stall it on purpose), shared by the watchdog tests.</summary>
public sealed class WatchdogRedisFixture : RedisFixture
{
    public override async Task InitializeAsync() =>
        Server = await RedisServer.StartAsync(TimeSpan.FromMinutes(20), "--enable-debug-command", "yes");
}

[CollectionDefinition(Name)]
public sealed class WatchdogCollection : ICollectionFixture<WatchdogRedisFixture>
{
    public const string Name = "capture watchdog (redis)";
}

/// <summary>The safety watchdog against a real redis-server: each signal trips it, a healthy capture runs to its end.</summary>
[Collection(WatchdogCollection.Name)]
public sealed class WatchdogTests(WatchdogRedisFixture fx) : IAsyncLifetime
{
    private TestApp? _app;
    private BetterDbApi _api = null!;

    public Task InitializeAsync() => RedisProbe.WaitForNoMonitorAsync(fx.Client);

    public async Task DisposeAsync()
    {
        var server = fx.Client.GetServer(fx.Client.GetEndPoints()[0]);
        await server.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        await server.FlushAllDatabasesAsync();
        if (_app is not null) await _app.DisposeAsync();
    }

    private void StartApp(params (string Key, string Value)[] watchdog)
    {
        _app = new TestApp(fx.Url, settings: watchdog.ToDictionary(w => $"{WatchdogOptions.Section}:{w.Key}", w => (string?)w.Value));
        _api = new BetterDbApi(_app.CreateClient());
    }

    private async Task<JsonElement> SessionJsonAsync(string id) =>
        await _api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}");

    [Fact]
    public async Task A_healthy_capture_runs_to_its_end_shows_the_signals_and_keeps_none_of_the_watchdogs_own_lines()
    {
        StartApp();
        var session = await _api.StartCaptureAsync(durationMs: 3_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var db = fx.Client.GetDatabase();
        for (var i = 0; i < 50; i++) await db.StringSetAsync($"healthy:{i}", "v");

        // While it runs, the session carries the watchdog's last reading and its limits.
        var running = await Poll.UntilAsync(() => SessionJsonAsync(session.Id),
            s => s.GetProperty("watchdog").ValueKind == JsonValueKind.Object && s.GetProperty("watchdog").GetProperty("pingMs").ValueKind == JsonValueKind.Number,
            "a watchdog reading");
        var signals = running.GetProperty("watchdog");
        Assert.Equal(JsonValueKind.Number, signals.GetProperty("outputBufferBytes").ValueKind);
        Assert.True(signals.GetProperty("usedMemory").GetInt64() > 0);
        Assert.Equal(0, signals.GetProperty("maxMemory").GetInt64());
        Assert.Equal(32 * 1024 * 1024, signals.GetProperty("limits").GetProperty("maxOutputBufferBytes").GetInt64());
        Assert.Equal(250, signals.GetProperty("limits").GetProperty("maxPingMs").GetInt32());
        var watchdogAddress = await WatchdogAddressAsync();

        var final = await _api.WaitForEndAsync(session.Id);
        Assert.Equal(("completed", "duration_cap"), (final.Status, final.TerminationReason));
        var json = await SessionJsonAsync(session.Id);
        Assert.True(json.GetProperty("ownLinesDropped").GetInt64() > 0, "the watchdog's INFO and PING lines are counted as dropped");
        Assert.Equal(JsonValueKind.Null, json.GetProperty("watchdog").ValueKind);

        var lines = await _api.ReadAllLinesAsync(session.Id);
        Assert.Equal(50, lines.Count(l => l.Cmd == "SET" && l.Args[0].StartsWith("healthy:")));
        Assert.DoesNotContain(lines, l => l.Addr == watchdogAddress);
        Assert.DoesNotContain(lines, l => l.Cmd == "PING");
        Assert.DoesNotContain(lines, l => l.Args.Contains("betterdb-watchdog"));
    }

    private async Task<string> WatchdogAddressAsync()
    {
        var list = (string?)await fx.Client.GetDatabase().ExecuteAsync("CLIENT", "LIST") ?? "";
        var entry = list.Split('\n').Single(l => l.Contains(" name=betterdb-watchdog "));
        return CaptureWatchdog.ClientField(entry, "addr")!;
    }

    [Fact]
    public async Task An_output_buffer_over_the_line_under_pipelined_load_stops_the_capture()
    {
        StartApp(("MaxOutputBufferBytes", "1"), ("IntervalMs", "50"));
        var session = await _api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        // Big pipelined values: the server queues MONITOR output for us faster than any reader drains a socket.
        using var load = Benchmark("-P", "32", "-c", "8", "-d", "65536", "-t", "set", "-n", "400000");
        try
        {
            var final = await _api.WaitForEndAsync(session.Id, TimeSpan.FromSeconds(60));
            Assert.Equal("completed", final.Status);
            Assert.Matches(@"^watchdog: omem \d+ > 1$", final.TerminationReason);
            Assert.True(final.LineCount > 0);
        }
        finally
        {
            load.Kill(entireProcessTree: true);
            await load.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Memory_filled_past_the_line_of_maxmemory_stops_the_capture()
    {
        StartApp(("MaxMemoryFraction", "0.8"));
        var server = fx.Client.GetServer(fx.Client.GetEndPoints()[0]);
        var used = long.Parse(((string)(await server.ExecuteAsync("INFO", "memory"))!).Split('\n')
            .First(l => l.StartsWith("used_memory:")).Split(':')[1]);
        await server.ExecuteAsync("CONFIG", "SET", "maxmemory", (used + 4_000_000).ToString());
        var session = await _api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var db = fx.Client.GetDatabase();
        var value = new string('m', 100_000);
        for (var i = 0; i < 40; i++)
        {
            try { await db.StringSetAsync($"fill:{i}", value); }
            catch (RedisServerException ex) when (ex.Message.StartsWith("OOM")) { break; }
        }
        var final = await _api.WaitForEndAsync(session.Id, TimeSpan.FromSeconds(20));
        Assert.Equal("completed", final.Status);
        Assert.Matches(@"^watchdog: memory 0\.\d+ > 0\.8 \(used_memory \d+, maxmemory \d+\)$", final.TerminationReason);
    }

    [Fact]
    public async Task A_server_that_stops_answering_stops_the_capture()
    {
        StartApp(("MaxPingMs", "100"));
        var session = await _api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await Poll.UntilAsync(() => SessionJsonAsync(session.Id),
            s => s.GetProperty("watchdog").ValueKind == JsonValueKind.Object, "a first watchdog reading");
        // DEBUG SLEEP blocks the whole server, as a long script or a huge KEYS would.
        await fx.Client.GetDatabase().ExecuteAsync("DEBUG", "SLEEP", "2");
        var final = await _api.WaitForEndAsync(session.Id, TimeSpan.FromSeconds(20));
        Assert.Equal("completed", final.Status);
        Assert.Matches(@"^watchdog: ping_ms \d+ > 100", final.TerminationReason);
    }

    [Fact]
    public async Task Turned_off_it_does_not_run()
    {
        StartApp(("Enabled", "false"));
        var session = await _api.StartCaptureAsync(durationMs: 1_500);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var list = (string?)await fx.Client.GetDatabase().ExecuteAsync("CLIENT", "LIST") ?? "";
        Assert.DoesNotContain("name=betterdb-watchdog", list);
        var final = await _api.WaitForEndAsync(session.Id);
        Assert.Equal("duration_cap", final.TerminationReason);
        Assert.Equal(JsonValueKind.Null, (await SessionJsonAsync(session.Id)).GetProperty("watchdog").ValueKind);
    }

    private Process Benchmark(params string[] args)
    {
        var psi = new ProcessStartInfo("timeout") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "60", "redis-benchmark", "-p", fx.Server.Port.ToString(), "-q" }.Concat(args)) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}

/// <summary>The watchdog's decisions from crafted readings, and its configuration checks.</summary>
public sealed class WatchdogJudgeTests
{
    private static readonly WatchdogLimits Limits = new(MaxOutputBufferBytes: 1000, MaxMemoryFraction: 0.9, MaxPingMs: 100);

    private static WatchdogSignals Reading(long? omem = 0, long? used = 10, long? max = 0, double? ping = 1) =>
        new() { OutputBufferBytes = omem, UsedMemory = used, MaxMemory = max, PingMs = ping, SampledAt = DateTime.UtcNow };

    [Fact]
    public void The_output_buffer_and_memory_trip_at_the_first_reading_over_the_line()
    {
        Assert.Null(new WatchdogJudge(Limits).Verdict(Reading(omem: 1000)));
        Assert.Equal("watchdog: omem 1001 > 1000", new WatchdogJudge(Limits).Verdict(Reading(omem: 1001)));
        Assert.Null(new WatchdogJudge(Limits).Verdict(Reading(used: 900, max: 1000)));
        Assert.Equal("watchdog: memory 0.901 > 0.9 (used_memory 901, maxmemory 1000)", new WatchdogJudge(Limits).Verdict(Reading(used: 901, max: 1000)));
    }

    [Fact]
    public void Memory_without_maxmemory_never_trips_and_unknown_figures_are_no_verdict()
    {
        Assert.Null(new WatchdogJudge(Limits).Verdict(Reading(used: long.MaxValue, max: 0)));
        Assert.Null(new WatchdogJudge(Limits).Verdict(Reading(omem: null, used: null, max: null, ping: null)));
    }

    [Fact]
    public void A_slow_ping_needs_a_second_one_in_a_row_unless_it_is_four_times_over()
    {
        var judge = new WatchdogJudge(Limits);
        Assert.Null(judge.Verdict(Reading(ping: 150)));
        Assert.Null(judge.Verdict(Reading(ping: 20)));
        Assert.Null(judge.Verdict(Reading(ping: 150)));
        Assert.Equal("watchdog: ping_ms 160 > 100", judge.Verdict(Reading(ping: 160)));
        Assert.Equal("watchdog: ping_ms 401 > 100", new WatchdogJudge(Limits).Verdict(Reading(ping: 401)));
    }

    [Theory]
    [InlineData("MaxOutputBufferBytes", "0")]
    [InlineData("MaxMemoryFraction", "1.5")]
    [InlineData("MaxMemoryFraction", "NaN")]
    [InlineData("MaxPingMs", "0")]
    [InlineData("IntervalMs", "10")]
    public void Invalid_values_stop_the_app_at_start_naming_the_key(string key, string value)
    {
        using var app = new TestApp(null, settings: new Dictionary<string, string?> { [$"{WatchdogOptions.Section}:{key}"] = value });
        var ex = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains($"BetterDb:Monitor:Watchdog:{key}", ex.ToString());
    }

    [Fact]
    public void The_memory_line_defaults_to_the_health_gates()
    {
        Assert.Equal(0.7, WatchdogLimits.From(new WatchdogOptions(), healthGateMemoryFraction: 0.7).MaxMemoryFraction);
        Assert.Equal(0.5, WatchdogLimits.From(new WatchdogOptions { MaxMemoryFraction = 0.5 }, 0.7).MaxMemoryFraction);
    }
}

/// <summary>Issue 13 item 2: the app's own connections to a server never pollute a capture of it.</summary>
[Collection(WatchdogCollection.Name)]
public sealed class OwnTrafficTests(WatchdogRedisFixture fx)
{
    [Fact]
    public async Task Commands_of_the_apps_own_clients_are_left_out_and_counted_and_everyone_elses_kept()
    {
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        await using var app = new TestApp(fx.Url);
        var api = new BetterDbApi(app.CreateClient());
        var session = await api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);

        // An in-app client polling the way history collectors do (every 100 ms), while a real client works.
        var profile = new BetterDb.Core.Connections.ConnectionProfile { Id = "default", Name = "default", Host = "127.0.0.1", Port = fx.Server.Port };
        await using (var poller = await BetterDb.Core.Connections.RedisCommandClient.OpenAsync(profile, "history", TimeSpan.FromSeconds(5)))
        {
            for (var i = 0; i < 10; i++)
            {
                await poller.SendAsync(default, "INFO");
                await poller.SendAsync(default, "SLOWLOG", "GET", "10");
                await poller.SendAsync(default, "ECHO", $"own-{i}");
                await fx.Client.GetDatabase().StringSetAsync($"other:{i}", "v");
                await Task.Delay(100);
            }
        }
        var lines = await api.WaitForLinesAsync(session.Id, ls => ls.Count(l => l.Cmd == "SET") == 10, "the real client's lines");
        var stopped = await api.StopAsync(session.Id);
        Assert.DoesNotContain(lines, l => l.Cmd == "ECHO" || l.Cmd == "INFO" || l.Cmd == "SLOWLOG");
        Assert.DoesNotContain(lines, l => l.Args.Contains("betterdb-history"));
        var json = await api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{session.Id}");
        // 10 INFO + 10 ECHO (SLOWLOG is an admin command MONITOR never shows) + the handshake's CLIENT SETNAME, and the watchdog's.
        Assert.True(json.GetProperty("ownLinesDropped").GetInt64() >= 21, json.GetProperty("ownLinesDropped").ToString());
        Assert.Equal("completed", stopped.Status);
    }

    [Fact]
    public async Task With_ExcludeOwnTraffic_off_they_are_kept()
    {
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        await using var app = new TestApp(fx.Url, settings: new Dictionary<string, string?> { ["BetterDb:Monitor:ExcludeOwnTraffic"] = "false" });
        var api = new BetterDbApi(app.CreateClient());
        var session = await api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var profile = new BetterDb.Core.Connections.ConnectionProfile { Id = "default", Name = "default", Host = "127.0.0.1", Port = fx.Server.Port };
        await using (var poller = await BetterDb.Core.Connections.RedisCommandClient.OpenAsync(profile, "history", TimeSpan.FromSeconds(5)))
            await poller.SendAsync(default, "ECHO", "kept");
        var lines = await api.WaitForLinesAsync(session.Id, ls => ls.Any(l => l.Cmd == "ECHO"), "our ECHO kept");
        await api.StopAsync(session.Id);
        Assert.Contains(lines, l => l.Cmd == "ECHO" && l.Args[0] == "kept");
    }
}

/// <summary>Issue 19 item 5: with redaction on, no captured value reaches storage, the live tail, exports or analysis.</summary>
[Collection(WatchdogCollection.Name)]
public sealed class RedactionCaptureTests(WatchdogRedisFixture fx)
{
    [Fact]
    public async Task A_live_capture_with_RedactValues_keeps_keys_and_commands_and_no_value()
    {
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        await using var app = new TestApp(fx.Url, settings: new Dictionary<string, string?> { ["BetterDb:Monitor:RedactValues"] = "true" });
        var api = new BetterDbApi(app.CreateClient());
        var session = await api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var tail = app.Sessions.GetLiveTail(session.Id)!.Subscribe();
        var db = fx.Client.GetDatabase();
        await db.StringSetAsync("redact:k", "secret-value");
        await db.HashSetAsync("redact:h", [new("f", "secret-value")]);
        await db.ListLeftPushAsync("redact:l", "secret-value");
        await db.PublishAsync(StackExchange.Redis.RedisChannel.Literal("redact:ch"), "secret-value");
        await db.StringGetAsync("redact:k");
        var lines = await api.WaitForLinesAsync(session.Id, ls => ls.Count(l => l.Keys.Any(k => k.StartsWith("redact:"))) >= 4, "the lines");
        var stopped = await api.StopAsync(session.Id);

        Assert.DoesNotContain(lines, l => l.Raw.Contains("secret-value"));
        Assert.Contains(lines, l => l.Cmd == "SET" && l.Args.SequenceEqual(["redact:k", "(redacted)"]));
        Assert.Contains(lines, l => l.Cmd is "HSET" or "HMSET" && l.Args.SequenceEqual(["redact:h", "f", "(redacted)"]));
        Assert.Contains(lines, l => l.Cmd == "GET" && l.Keys.SequenceEqual(["redact:k"]));
        foreach (var format in new[] { "txt", "json", "ndjson", "csv" })
            Assert.DoesNotContain("secret-value", await api.Http.GetStringAsync($"/api/monitor/sessions/{session.Id}/export?format={format}"));
        var slices = new List<BetterDb.Core.Capture.TailSlice>();
        tail.TryRead(slices, 10_000, out _);
        Assert.DoesNotContain(slices, s => Enumerable.Range(0, s.Count).Any(i => System.Text.Encoding.ASCII.GetString(s.Line(i)).Contains("secret-value")));
        var json = await api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{session.Id}");
        Assert.True(json.GetProperty("redacted").GetBoolean());
        var analysis = await api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{session.Id}/analysis");
        Assert.Contains(analysis.GetProperty("topKeys").EnumerateArray(), k => k.GetProperty("key").GetString() == "redact:k");
        Assert.Equal("completed", stopped.Status);
    }
}
