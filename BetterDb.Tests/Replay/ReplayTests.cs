using System.Net;
using System.Text.Json.Nodes;
using BetterDb.Core.Replay;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using BetterDb.Tests.Query;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BetterDb.Tests.Replay;

/// <summary>
/// Replays of captures against a second real redis-server, through the HTTP API and the Hangfire job: the target ends with
/// what the source had, byte for byte; transactions stay whole; pacing follows the capture's clock; the safety rules hold.
/// </summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplayTests(ReplayFixture fx) : IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        await fx.FlushBothAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Line(double seconds, int db, string client, params string[] args) =>
        FormattableString.Invariant($"{1_700_000_000 + seconds:0.000000} [{db} {client}] ") + string.Join(' ', args.Select(a => $"\"{a}\""));

    private static long Number(JsonObject o, string name) => (long)o[name]!;

    private static long SkippedFor(JsonObject replay, string reason) =>
        replay["report"]!["skippedByReason"]!.AsArray().Where(s => (string)s!["reason"]! == reason).Select(s => (long)s!["count"]!).Sum();

    [Fact]
    public async Task A_capture_replayed_as_fast_as_possible_leaves_the_target_with_the_sources_keys_and_values_binary_included()
    {
        var session = await fx.Api.StartCaptureAsync(durationMs: 120_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);

        byte[] binary = [0x00, 0xff, (byte)'\r', (byte)'\n', (byte)'"', (byte)'\\', 0x07, 0x80, (byte)'x'];
        var db0 = fx.Client.GetDatabase(0);
        var db3 = fx.Client.GetDatabase(3);
        for (var i = 0; i < 200; i++)
        {
            await db0.StringSetAsync($"s:{i}", $"value {i} with \"quotes\" and é");
            await db3.HashSetAsync($"h:{i % 7}", $"f{i}", i);
            await db0.ListRightPushAsync("list", i);
            await db0.SortedSetAddAsync("z", $"m{i}", i * 0.5);
        }
        await db0.StringSetAsync((RedisKey)binary, binary);
        await db3.StringSetAsync("bin-value", binary.Concat(new byte[] { 0x01, 0x02 }).ToArray());
        await db0.SetAddAsync("set", [(RedisValue)"a", (RedisValue)binary]);
        await db0.StringIncrementAsync("counter", 5);
        await db0.KeyDeleteAsync("s:0");
        var tx = db0.CreateTransaction();
        _ = tx.StringSetAsync("tx:a", "1");
        _ = tx.StringIncrementAsync("counter");
        Assert.True(await tx.ExecuteAsync());
        await db0.StringSetAsync("end", "1");
        await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Any(l => l.Cmd == "SET" && l.Args.FirstOrDefault() == "end"), "the last line", TimeSpan.FromSeconds(30));
        await fx.Api.StopAsync(session.Id);

        var source = await ReplayFixture.ContentsAsync(fx.Client);
        Assert.True(source.Count > 200);
        var replay = await fx.ReplayAsync(session.Id, new { targetConnectionId = fx.TargetId, pace = "max" });

        Assert.Equal("completed", (string)replay["status"]!);
        Assert.Equal(0, Number(replay, "errors"));
        Assert.True(Number(replay, "sent") > 800, $"sent {replay["sent"]}");
        var replayed = await ReplayFixture.ContentsAsync(fx.TargetClient);
        var differ = source.Keys.Union(replayed.Keys).Where(k => source.GetValueOrDefault(k) != replayed.GetValueOrDefault(k)).ToList();
        Assert.True(differ.Count == 0, $"{differ.Count} keys differ, e.g. {string.Join(", ", differ.Take(5).Select(k => $"{k}: {source.GetValueOrDefault(k)} vs {replayed.GetValueOrDefault(k)}"))}; report: {replay["report"]}");
        Assert.Equal(binary, (byte[])(await fx.TargetClient.GetDatabase(0).StringGetAsync((RedisKey)binary))!);
        var report = replay["report"]!;
        Assert.True((long)report["selectsAdded"]! >= 2); // db 0 and db 3 alternate
        Assert.Contains(report["commands"]!.AsArray(), c => (string)c!["cmd"]! == "SET" && (double?)c["p50Ms"] is > 0);
        Assert.True((long)report["targetAfter"]!["totalCommandsProcessed"]! > (long)report["targetBefore"]!["totalCommandsProcessed"]!);
        Assert.True((double)report["original"]!["commandsPerSec"]! > 0);
        Assert.NotEmpty(report["timeline"]!.AsArray());
        Assert.Null(report["pacingLagP50Ms"]);
    }

    [Fact]
    public async Task Interleaved_transactions_of_clients_sharing_one_connection_stay_whole_and_atomic()
    {
        // Two clients' MULTI..EXEC interleaved, as a server before Redis 7 fed them to MONITOR. On one shared connection,
        // sent line by line this is "MULTI calls can not be nested" and a transaction of the wrong commands.
        var id = await fx.ImportAsync([
            Line(0.000, 0, "10.0.0.1:1000", "MULTI"),
            Line(0.001, 0, "10.0.0.2:2000", "MULTI"),
            Line(0.002, 0, "10.0.0.1:1000", "INCR", "a"),
            Line(0.003, 0, "10.0.0.2:2000", "INCR", "b"),
            Line(0.004, 0, "10.0.0.2:2000", "SET", "b-done", "1"),
            Line(0.005, 0, "10.0.0.1:1000", "SET", "a-done", "1"),
            Line(0.006, 0, "10.0.0.2:2000", "EXEC"),
            Line(0.007, 0, "10.0.0.1:1000", "EXEC"),
            Line(0.008, 0, "10.0.0.3:3000", "SET", "other", "x"),
        ]);
        var target = await fx.Api.StartCaptureAsync(new { connectionId = fx.TargetId, durationMs = 60_000, requestedBy = "tests" });
        await RedisProbe.WaitForMonitorAsync(fx.TargetClient);
        var replay = await fx.ReplayAsync(id, new { targetConnectionId = fx.TargetId, pace = "max", connections = 1 });
        await fx.Api.WaitForLinesAsync(target.Id, ls => ls.Any(l => l.Args.FirstOrDefault() == "other"), "the replayed lines on the target");
        await fx.Api.StopAsync(target.Id);

        Assert.Equal("completed", (string)replay["status"]!);
        Assert.Equal(0, Number(replay, "errors"));
        Assert.Equal(9, Number(replay, "sent"));
        var t = fx.TargetClient.GetDatabase();
        Assert.Equal(["1", "1", "1", "1"], (await t.StringGetAsync(["a", "b", "a-done", "b-done"])).Select(v => (string)v!));
        // On the target, each EXEC comes right after its MULTI's commands, nothing else between.
        var seen = (await fx.Api.ReadAllLinesAsync(target.Id)).Where(l => l.Cmd is "MULTI" or "EXEC" or "INCR" or "SET").Select(l => l.Cmd + " " + string.Join(' ', l.Args)).ToList();
        Assert.Equal(["MULTI ", "INCR b", "SET b-done 1", "EXEC ", "MULTI ", "INCR a", "SET a-done 1", "EXEC ", "SET other x"], seen);
    }

    [Fact]
    public async Task Pacing_at_1x_takes_about_the_captures_duration_and_at_10x_about_a_tenth()
    {
        // 21 commands over 2 s.
        var lines = Enumerable.Range(0, 21).Select(i => Line(i * 0.1, 0, "10.0.0.1:1000", "SET", $"p:{i}", $"{i}")).ToList();
        var id = await fx.ImportAsync(lines);

        var original = await fx.ReplayAsync(id, new { targetConnectionId = fx.TargetId, pace = "original" });
        var tenfold = await fx.ReplayAsync(id, new { targetConnectionId = fx.TargetId, pace = 10 });

        var at1 = (double)original["report"]!["durationMs"]!;
        var at10 = (double)tenfold["report"]!["durationMs"]!;
        Assert.InRange(at1, 1_900, 4_000);
        Assert.InRange(at10, 180, 1_200);
        Assert.Equal(10, (double)tenfold["pace"]!);
        Assert.Equal("original", (string)original["pace"]!);
        Assert.Equal(2_000, (double)original["report"]!["original"]!["durationMs"]!);
        Assert.Equal("20", (string)(await fx.TargetClient.GetDatabase().StringGetAsync("p:20"))!);
        // Each command's lateness against the capture's clock is measured: a paced run has it, a run at max none.
        Assert.NotNull((double?)original["report"]!["pacingLagP99Ms"]);
        Assert.True((double)tenfold["report"]!["pacingLagMaxMs"]! < 1_000);
    }

    [Fact]
    public async Task The_default_denylist_blocks_FLUSHALL_and_a_runs_own_list_replaces_it()
    {
        await fx.TargetClient.GetDatabase().StringSetAsync("precious", "1");
        var id = await fx.ImportAsync([
            Line(0, 0, "10.0.0.1:1000", "SET", "k1", "v"),
            Line(0.001, 0, "10.0.0.1:1000", "FLUSHALL"),
            Line(0.002, 0, "10.0.0.1:1000", "SET", "k2", "v"),
            Line(0.003, 0, "10.0.0.1:1000", "script", "flush"),
        ]);

        var guarded = await fx.ReplayAsync(id, new { targetConnectionId = fx.TargetId, pace = "max" });
        Assert.Equal(2, Number(guarded, "sent"));
        Assert.Equal(2, SkippedFor(guarded, "denylisted"));
        Assert.True(await fx.TargetClient.GetDatabase().KeyExistsAsync("precious"));
        var defaults = ((JsonArray)guarded["denylist"]!).Select(e => (string)e!).ToList();
        Assert.Contains("FLUSHALL", defaults);
        Assert.Contains("SCRIPT FLUSH", defaults);

        var unguarded = await fx.ReplayAsync(id, new { targetConnectionId = fx.TargetId, pace = "max", denylist = new[] { "script|flush" } });
        Assert.Equal(3, Number(unguarded, "sent"));
        Assert.False(await fx.TargetClient.GetDatabase().KeyExistsAsync("precious"));
        Assert.True(await fx.TargetClient.GetDatabase().KeyExistsAsync("k2"));
        Assert.Equal(["SCRIPT FLUSH"], ((JsonArray)unguarded["denylist"]!).Select(e => (string)e!).ToArray());
    }

    [Fact]
    public async Task Replaying_onto_the_sessions_own_server_is_refused_unless_allowed()
    {
        var id = await fx.ImportAsync([Line(0, 0, "10.0.0.1:1000", "SET", "own", "1")]);
        using (var own = await fx.PostReplayAsync(id, new { targetConnectionId = "default" }))
            await ImportHelpers.AssertProblemAsync(own, HttpStatusCode.BadRequest, "targetConnectionId");
        // Another connection to the same server is the same server.
        var alias = await fx.Api.CreateConnectionAsync($"alias-{Guid.NewGuid():N}"[..14], fx.Server.Port);
        using (var aliased = await fx.PostReplayAsync(id, new { targetConnectionId = alias.Id }))
            await ImportHelpers.AssertProblemAsync(aliased, HttpStatusCode.BadRequest, "targetConnectionId");

        var forced = await fx.ReplayAsync(id, new { targetConnectionId = "default", allowSourceConnection = true, pace = "max" });
        Assert.Equal("completed", (string)forced["status"]!);
        Assert.Equal("1", (string)(await fx.Client.GetDatabase().StringGetAsync("own"))!);
    }

    [Fact]
    public async Task A_dry_run_reports_what_it_would_send_and_sends_nothing()
    {
        var id = await fx.ImportAsync([
            Line(0, 2, "10.0.0.1:1000", "SET", "dry", "1"),
            Line(0.5, 2, "10.0.0.2:2000", "GET", "dry"),
            Line(0.6, 0, "lua", "SET", "x", "1"),
        ]);
        var replay = await fx.ReplayAsync(id, new { targetConnectionId = fx.TargetId, dryRun = true, pace = "original" });

        Assert.Equal("completed", (string)replay["status"]!);
        Assert.True((bool)replay["dryRun"]!);
        Assert.Equal(0, Number(replay, "sent"));
        var report = replay["report"]!;
        Assert.Equal(2, (long)report["wouldSend"]!);
        Assert.Equal(1, SkippedFor(replay, "lua"));
        Assert.Equal(2, (long)report["connections"]!);
        var preview = report["preview"]!.AsArray();
        Assert.Equal(["\"SET\" \"dry\" \"1\"", "\"GET\" \"dry\""], preview.Select(p => (string)p!["command"]!));
        Assert.All(preview, p => Assert.Equal(2, (int)p!["db"]!));
        Assert.False(await fx.TargetClient.GetDatabase(2).KeyExistsAsync("dry"));
        // Nothing connected to the target: not even to read its INFO.
        Assert.Null(report["targetBefore"]);
        Assert.Null(report["targetAfter"]);
    }

    [Fact]
    public async Task Cancel_stops_a_running_replay_and_keeps_what_it_sent()
    {
        // 600 commands over 60 s at the original pace.
        var id = await fx.ImportAsync(Enumerable.Range(0, 600).Select(i => Line(i * 0.1, 0, "10.0.0.1:1000", "SET", $"c:{i}", "1")));
        using var response = await fx.PostReplayAsync(id, new { targetConnectionId = fx.TargetId });
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.Accepted);
        var replayId = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;
        await Poll.UntilAsync(() => fx.GetReplayAsync(replayId), r => Number(r, "sent") >= 5, "the replay to send a few commands", TimeSpan.FromSeconds(30));

        using var cancel = await fx.Http.PostAsync($"/api/replays/{replayId}/cancel", null);
        await BetterDbApi.ExpectAsync(cancel, HttpStatusCode.OK);
        var cancelled = await fx.WaitForEndAsync(replayId, TimeSpan.FromSeconds(10));

        Assert.Equal("cancelled", (string)cancelled["status"]!);
        var sent = Number(cancelled, "sent");
        Assert.InRange(sent, 5, 300);
        Assert.True((bool)cancelled["report"]!["cancelled"]!);
        await Task.Delay(500);
        Assert.Equal(sent, (long)await fx.TargetClient.GetDatabase().ExecuteAsync("DBSIZE"));
        // A finished replay is returned as it is.
        using var again = await fx.Http.PostAsync($"/api/replays/{replayId}/cancel", null);
        await BetterDbApi.ExpectAsync(again, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Scripts_auth_and_endless_blocking_commands_are_handled_as_the_rules_say()
    {
        var id = await fx.ImportAsync([
            Line(0, 0, "10.0.0.1:1000", "AUTH", "(redacted)"),
            Line(0.001, 0, "10.0.0.1:1000", "EVAL", "redis.call('incr', KEYS[1])", "1", "ev"),
            Line(0.001, 0, "lua", "incr", "ev"),
            Line(0.002, 0, "10.0.0.1:1000", "BLPOP", "nobody-pushes", "0"),
            Line(0.003, 0, "10.0.0.1:1000", "SELECT", "4"),
            Line(0.004, 4, "10.0.0.1:1000", "SET", "in-four", "\\x00\\xffbin"),
            Line(0.005, 4, "10.0.0.1:1000", "NOSUCHCMD"),
        ]);
        var replay = await fx.ReplayAsync(id, new { targetConnectionId = fx.TargetId, pace = "max", maxBlockMs = 300 });

        Assert.Equal("completed", (string)replay["status"]!);
        Assert.Equal(4, Number(replay, "sent")); // EVAL, BLPOP, SET, NOSUCHCMD
        Assert.Equal((1, 1, 1), (SkippedFor(replay, "auth"), SkippedFor(replay, "lua"), SkippedFor(replay, "select")));
        Assert.Equal(1L, (long)await fx.TargetClient.GetDatabase().StringGetAsync("ev"));
        Assert.Equal(new byte[] { 0, 0xff, (byte)'b', (byte)'i', (byte)'n' }, (byte[])(await fx.TargetClient.GetDatabase(4).StringGetAsync("in-four"))!);
        var report = replay["report"]!;
        Assert.Equal(1, (long)report["blockingCapped"]!);
        Assert.Equal(1, Number(replay, "errors"));
        var error = report["errorsByText"]!.AsArray().Single()!;
        Assert.Equal("NOSUCHCMD", (string)error["cmd"]!);
        Assert.StartsWith("ERR unknown command", (string)error["error"]!);
        var blpop = report["commands"]!.AsArray().Single(c => (string)c!["cmd"]! == "BLPOP")!;
        Assert.InRange((double)blpop["p50Ms"]!, 250, 2_000);
    }

    [Fact]
    public async Task A_running_replay_whose_process_went_silent_is_marked_failed_and_a_live_one_is_left_alone()
    {
        var contexts = fx.App.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
        ReplayEntity Row(string id, DateTime? heartbeat) => new()
        {
            Id = id, SessionId = "s", TargetConnectionId = fx.TargetId, Status = "running", Pace = "original", Connections = "original",
            Denylist = "[]", Filter = "", CreatedAt = DateTime.UtcNow.AddMinutes(-10), StartedAt = DateTime.UtcNow.AddMinutes(-10), HeartbeatAt = heartbeat,
        };
        var (dead, alive) = ("dead-" + Guid.NewGuid().ToString("N")[..8], "alive-" + Guid.NewGuid().ToString("N")[..8]);
        await using (var db = await contexts.CreateDbContextAsync())
        {
            db.Replays.AddRange(Row(dead, DateTime.UtcNow.AddMinutes(-5)), Row(alive, DateTime.UtcNow));
            await db.SaveChangesAsync();
        }

        await fx.App.Services.GetRequiredService<ReplayReclaim>().ReclaimAsync(CancellationToken.None);

        var failed = await fx.GetReplayAsync(dead);
        Assert.Equal("failed", (string)failed["status"]!);
        Assert.StartsWith("interrupted:", (string)failed["error"]!);
        Assert.NotNull(failed["endedAt"]);
        Assert.Equal("running", (string)(await fx.GetReplayAsync(alive))["status"]!);
        await using (var db = await contexts.CreateDbContextAsync())
            await db.Replays.Where(r => r.Id == alive).ExecuteDeleteAsync();
    }

    [Fact]
    public async Task An_app_stopped_mid_replay_ends_it_failed_with_app_shutdown_and_does_not_run_it_again()
    {
        var app = new TestApp(fx.Url) { KeepDataDirectory = true };
        string replayId;
        try
        {
            using var http = app.CreateClient();
            var api = new BetterDbApi(http);
            var target = await api.CreateConnectionAsync("staging-2", fx.Target.Port);
            var lines = Enumerable.Range(0, 300).Select(i => Line(i * 0.1, 0, "10.0.0.1:1000", "SET", $"stop:{i}", "1"));
            var session = await ImportHelpers.ImportAsync(http, ImportHelpers.Utf8(string.Join("\n", lines) + "\n"), connectionId: "default");
            using var response = await api.PostJsonAsync($"/api/monitor/sessions/{session["id"]}/replay", new { targetConnectionId = target.Id });
            await BetterDbApi.ExpectAsync(response, HttpStatusCode.Accepted);
            replayId = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;
            await Poll.UntilAsync(() => ImportHelpers.GetJsonAsync(http, $"/api/replays/{replayId}"), r => Number(r, "sent") >= 3, "the replay to send",
                TimeSpan.FromSeconds(30));
        }
        finally
        {
            await app.DisposeAsync();
        }

        var again = new TestApp(fx.Url, dataDirectory: app.DataDirectory);
        try
        {
            using var http = again.CreateClient();
            var stopped = await ImportHelpers.GetJsonAsync(http, $"/api/replays/{replayId}");
            Assert.Equal("failed", (string)stopped["status"]!);
            Assert.StartsWith("app_shutdown", (string)stopped["error"]!);
            var sent = Number(stopped, "sent");
            Assert.InRange(sent, 3, 299);
            // Hangfire's workers start with the app again: the replay stays as it ended.
            await Task.Delay(3_000);
            Assert.Equal(sent, Number(await ImportHelpers.GetJsonAsync(http, $"/api/replays/{replayId}"), "sent"));
        }
        finally
        {
            await again.DisposeAsync();
            TestApp.TryDelete(app.DataDirectory);
        }
    }

    [Fact]
    public async Task Bad_requests_are_400s_naming_the_field_and_unknown_ids_404s()
    {
        var id = await fx.ImportAsync([Line(0, 0, "10.0.0.1:1000", "SET", "x", "1")]);
        (object Body, string Field)[] cases =
        [
            (new { }, "targetConnectionId"),
            (new { targetConnectionId = "nope" }, "targetConnectionId"),
            (new { targetConnectionId = fx.TargetId, pace = "fast" }, "pace"),
            (new { targetConnectionId = fx.TargetId, pace = 0 }, "pace"),
            (new { targetConnectionId = fx.TargetId, connections = 0 }, "connections"),
            (new { targetConnectionId = fx.TargetId, connections = "many" }, "connections"),
            (new { targetConnectionId = fx.TargetId, denylist = new[] { "FLUSH ALL NOW" } }, "denylist"),
            (new { targetConnectionId = fx.TargetId, maxBlockMs = 0 }, "maxBlockMs"),
            (new { targetConnectionId = fx.TargetId, filter = new { afterTs = 5, beforeTs = 1 } }, "filter.afterTs"),
        ];
        foreach (var (body, field) in cases)
        {
            using var response = await fx.PostReplayAsync(id, body);
            await ImportHelpers.AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        }
        using (var unknownSession = await fx.PostReplayAsync("no-such-session", new { targetConnectionId = fx.TargetId }))
            await ImportHelpers.AssertProblemAsync(unknownSession, HttpStatusCode.NotFound, null);
        using (var unknownReplay = await fx.Http.GetAsync("/api/replays/no-such-replay"))
            await ImportHelpers.AssertProblemAsync(unknownReplay, HttpStatusCode.NotFound, null);
        using (var badLimit = await fx.Http.GetAsync("/api/replays?limit=-1"))
            await ImportHelpers.AssertProblemAsync(badLimit, HttpStatusCode.BadRequest, "limit");
    }

    [Fact]
    public async Task A_filtered_replay_sends_only_the_matching_lines_and_the_session_lists_its_replays()
    {
        var id = await fx.ImportAsync([
            Line(0, 0, "10.0.0.1:1000", "SET", "keep:1", "1"),
            Line(0.001, 0, "10.0.0.1:1000", "SET", "drop:1", "1"),
            Line(0.002, 0, "10.0.0.2:2000", "SET", "keep:2", "1"),
        ]);
        var replay = await fx.ReplayAsync(id, new { targetConnectionId = fx.TargetId, pace = "max", filter = new { key = "keep:*" } });
        Assert.Equal(2, Number(replay, "sent"));
        Assert.StartsWith("key=keep", (string)replay["filter"]!);
        Assert.False(await fx.TargetClient.GetDatabase().KeyExistsAsync("drop:1"));

        var list = JsonNode.Parse(await fx.Http.GetStringAsync($"/api/replays?sessionId={id}"))!.AsArray();
        Assert.Equal([(string)replay["id"]!], list.Select(r => (string)r!["id"]!));
        Assert.Equal(id, (string)list[0]!["sessionId"]!);
    }
}
