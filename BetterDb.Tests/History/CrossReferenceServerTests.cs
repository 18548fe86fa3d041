using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Core.Analysis;
using BetterDb.Core.Connections;
using BetterDb.Core.History;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.History;

[CollectionDefinition(Name)]
public sealed class CrossReferenceCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "cross-reference (redis + app)";
}

/// <summary>
/// The whole history path in the real app against a real redis-server: collectors on fast cadences, two captures through
/// the API, and a cross-reference whose answer on every axis is known before it is asked; and an app restart in the
/// middle of a slowlog that keeps growing, which must not store an entry twice.
/// </summary>
[Collection(CrossReferenceCollection.Name)]
public sealed class CrossReferenceServerTests(RedisFixture fx) : IAsyncLifetime
{
    /// <summary>Fast cadences, so a test sees its polls within a second; a real poll each time.</summary>
    internal static readonly Dictionary<string, string?> FastHistory = new()
    {
        ["BetterDb:History:InfoIntervalMs"] = "200",
        ["BetterDb:History:InfoPersistIntervalMs"] = "1000",
        ["BetterDb:History:SlowlogIntervalMs"] = "500",
        ["BetterDb:History:AclLogIntervalMs"] = "500",
        ["BetterDb:History:ClientListIntervalMs"] = "1000",
        ["BetterDb:History:MaxEntriesPerPoll"] = "1000",
    };

    private ConnectionProfile Profile => new() { Id = "traffic", Name = "traffic", Host = "127.0.0.1", Port = fx.Server.Port };

    public async Task InitializeAsync()
    {
        await fx.Server.CliAsync("CONFIG", "SET", "slowlog-log-slower-than", "0");
        await fx.Server.CliAsync("CONFIG", "SET", "slowlog-max-len", "100000");
        await fx.Server.CliAsync("SLOWLOG", "RESET");
        await fx.Server.CliAsync("ACL", "LOG", "RESET");
    }

    public async Task DisposeAsync()
    {
        await fx.Server.CliAsync("CONFIG", "SET", "slowlog-log-slower-than", "10000");
        await fx.Server.CliAsync("CONFIG", "SET", "slowlog-max-len", "128");
    }

    /// <summary>A plain client of the server (not one of the app's): what it sends is what the captures must see.</summary>
    private async Task<RespConnection> ClientAsync(string name)
    {
        var c = await RespConnection.OpenAsync(Profile, TimeSpan.FromSeconds(5));
        await c.HandshakeAsync(Profile, name, TimeSpan.FromSeconds(5));
        return c;
    }

    private static async Task RepeatAsync(RespConnection c, int times, params string[] command)
    {
        for (var i = 0; i < times; i++) RespConnection.ThrowIfError(await c.CommandAsync(default, command));
    }

    [Fact]
    public async Task A_capture_compared_with_an_earlier_one_gives_the_answers_known_in_advance_on_every_axis()
    {
        const string user = "xref-user";
        await fx.Server.CliAsync("ACL", "SETUSER", user, "on", ">right", "+@all", "~*");
        // A steady PING at about 10/s from before the app starts to the end: the same slowlog rate in baseline and capture.
        await using var pinger = await ClientAsync("xref-pinger");
        using var stopPing = new CancellationTokenSource();
        var pings = Task.Run(async () =>
        {
            while (!stopPing.IsCancellationRequested)
            {
                await pinger.CommandAsync(default, "PING");
                try { await Task.Delay(100, stopPing.Token); } catch (OperationCanceledException) { }
            }
        });
        await using var app = new TestApp(fx.Url, settings: FastHistory);
        var api = new BetterDbApi(app.CreateClient());
        var collectors = app.Services.GetRequiredService<HistoryCollectors>();
        await Poll.UntilAsync(() => Task.FromResult(collectors.Status("default")), s => s is { Connected: true } && s.Collectors.All(c => c.Polls > 0),
            "the collectors' first round");
        await Task.Delay(2500); // some history before the first capture
        await using var work = await ClientAsync("xref-app");

        // The baseline: capture A.
        var a = await api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await RepeatAsync(work, 60, "GET", "xr:a");
        await RepeatAsync(work, 40, "GET", "xr:b");
        await RepeatAsync(work, 10, "SET", "xr:c", "v");
        await RepeatAsync(work, 5, "HSET", "xr:h", "f", "v");
        await Task.Delay(1500);
        await api.StopAsync(a.Id);
        await Task.Delay(2000);

        // Capture B: a rank change, a key new in the top, a new shape, a slowlog burst of one verb (TIME), three failed AUTHs.
        var b = await api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await Task.Delay(1100);
        await RepeatAsync(work, 80, "GET", "xr:b");
        await RepeatAsync(work, 50, "GET", "xr:new");
        await RepeatAsync(work, 20, "GET", "xr:a");
        await RepeatAsync(work, 10, "SET", "xr:c", "v");
        await RepeatAsync(work, 3, "SETEX", "xr:c", "100", "v");
        await RepeatAsync(work, 60, "TIME");
        for (var i = 0; i < 3; i++) await HistoryCollectorServerTests.FailAuthAsync(user, fx.Server.Port);
        await Task.Delay(1500);
        await api.StopAsync(b.Id);
        stopPing.Cancel();
        await pings;

        // The end snapshot is read and the logs polled once more when a capture ends; wait for both.
        var stats = app.Services.GetRequiredService<SessionServerStatsService>();
        var serverStats = await Poll.UntilAsync(() => stats.GetAsync(b.Id), s => s is { Comparable: true }, "both boundary snapshots of B");
        Assert.True(await collectors.PollNowAsync("default", TimeSpan.FromSeconds(10), CollectorNames.Slowlog, CollectorNames.AclLog));

        var http = await api.Http.GetAsync($"/api/monitor/sessions/{b.Id}/cross-reference?baseline=6h");
        Assert.Equal(HttpStatusCode.OK, http.StatusCode);
        var json = await http.Content.ReadFromJsonAsync<JsonElement>();
        var report = (await app.Services.GetRequiredService<CrossReferenceService>().GetAsync(b.Id, Baselines.SixHours))!;

        // Shapes: SETEX and TIME are new; GET, SET and PING were in A; HSET vanished.
        var newShapes = report.Shapes.New.Select(s => s.Shape).ToList();
        Assert.Contains("SETEX:4", newShapes);
        Assert.Contains("TIME:1", newShapes);
        Assert.DoesNotContain("GET:2", newShapes);
        Assert.DoesNotContain("SET:3", newShapes);
        Assert.DoesNotContain("PING:1", newShapes);
        Assert.Equal(60, report.Shapes.New.Single(s => s.Shape == "TIME:1").Count);
        Assert.Contains(report.Shapes.Vanished, s => s.Shape == "HSET:4");
        Assert.Equal(1, report.Shapes.BaselineCaptures);
        Assert.Contains(report.Shapes.Sources, s => s.Contains("1 earlier capture"));

        // Hot keys: A ranked a(60) b(40) c(10) h(5); B ranks b(80) new(50) a(20) c(13).
        Assert.Equal(new[] { "xr:new" }, report.HotKeys.NewInTop.Select(k => k.Key));
        Assert.Equal(2, report.HotKeys.NewInTop[0].Rank);
        var changes = report.HotKeys.RankChanges.ToDictionary(c => c.Key, c => (c.Rank, c.BaselineRank, c.Change));
        Assert.Equal((3, 1, -2), changes["xr:a"]);
        Assert.Equal((1, 2, 1), changes["xr:b"]);
        Assert.Equal((4, 3, -1), changes["xr:c"]);
        Assert.Contains(report.HotKeys.LeftTop, k => k.Key == "xr:h" && k.BaselineRank == 4);

        // Slowlog: TIME's 60 slow entries (none before) are a regression; PING's steady rate is not.
        var time = report.Slowlog.Verbs.Single(v => v.Verb == "TIME");
        Assert.Equal(60, time.CaptureEntries);
        Assert.Equal(0, time.BaselineEntries);
        Assert.True(time.Significant, $"TIME p={time.PValue} adjusted={time.AdjustedPValue}");
        Assert.True(time.AdjustedPValue < CrossReferenceService.Alpha);
        Assert.NotEmpty(time.Worst);
        var ping = report.Slowlog.Verbs.Single(v => v.Verb == "PING");
        Assert.True(ping.BaselineEntries > 0 && ping.CaptureEntries > 0, $"PING {ping.CaptureEntries} vs {ping.BaselineEntries}");
        Assert.False(ping.Significant, $"PING at a steady rate: {ping.CapturePerSec}/s against {ping.BaselinePerSec}/s, p={ping.PValue}");
        Assert.Contains("Poisson", report.Slowlog.Test);

        // ACL/auth: one ACL LOG group of the three failed AUTHs, and the counter delta from the boundary snapshots.
        var group = Assert.Single(report.Acl.Groups, g => g.Username == user);
        Assert.Equal(("auth", 3L), (group.Reason, group.Count));
        // WRONGPASS error replies are counted by every Redis since 6.2; acl_access_denied_auth only since 7.2.
        Assert.Equal(3, serverStats!.Counter("errorstat_WRONGPASS")!.Delta);
        Assert.Equal(3, report.Acl.Counters.Single(c => c.Name == "errorstat_WRONGPASS").Delta);
        if (serverStats.Counter("acl_access_denied_auth") is { } denied) Assert.Equal(3, denied.Delta);

        // The HTTP answer is the same report, camelCase, with every section saying its sources.
        Assert.Equal("6h", json.GetProperty("baseline").GetString());
        foreach (var section in new[] { "shapes", "hotKeys", "slowlog", "acl" })
            Assert.True(json.GetProperty(section).GetProperty("sources").GetArrayLength() > 0, section);
        Assert.Contains(json.GetProperty("shapes").GetProperty("new").EnumerateArray(), s => s.GetProperty("shape").GetString() == "SETEX:4");

        // A week ago the history did not exist: the slow verbs are listed untested (p null, not NaN: JSON has none), not a 500.
        var lastWeek = await api.Http.GetAsync($"/api/monitor/sessions/{b.Id}/cross-reference?baseline=same-hour-last-week");
        Assert.Equal(HttpStatusCode.OK, lastWeek.StatusCode);
        var untested = (await lastWeek.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("slowlog");
        var timeVerb = untested.GetProperty("verbs").EnumerateArray().Single(v => v.GetProperty("verb").GetString() == "TIME");
        Assert.Equal(JsonValueKind.Null, timeVerb.GetProperty("pValue").ValueKind);
        Assert.False(timeVerb.GetProperty("significant").GetBoolean());
        Assert.Contains(untested.GetProperty("lacking").EnumerateArray(), l => l.GetString()!.Contains("nothing to be compared with"));

        // The default baseline is 24h (API.md), an unknown one a 400 naming the allowed values, an unknown session a 404.
        var byDefault = await api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{b.Id}/cross-reference");
        Assert.Equal("24h", byDefault.GetProperty("baseline").GetString());
        var bad = await api.Http.GetAsync($"/api/monitor/sessions/{b.Id}/cross-reference?baseline=2d");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var detail = await bad.Content.ReadAsStringAsync();
        foreach (var allowed in Baselines.All) Assert.Contains(allowed, detail);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Http.GetAsync("/api/monitor/sessions/nope/cross-reference")).StatusCode);

        // Asked again: served from the cache, not computed again.
        var service = app.Services.GetRequiredService<CrossReferenceService>();
        var computed = service.Computations;
        Assert.Same(report, await service.GetAsync(b.Id, Baselines.SixHours));
        Assert.Equal(computed, service.Computations);
        await fx.Server.CliAsync("ACL", "DELUSER", user);
    }

    [Fact]
    public async Task An_app_restart_in_the_middle_stores_every_slowlog_entry_once()
    {
        var dir = TestApp.NewDataDirectory();
        await using var work = await ClientAsync("xref-restart");
        try
        {
            await using (var first = new TestApp(fx.Url, dataDirectory: dir, settings: FastHistory) { KeepDataDirectory = true })
            {
                _ = first.CreateClient();
                var collectors = first.Services.GetRequiredService<HistoryCollectors>();
                await Poll.UntilAsync(() => Task.FromResult(collectors.Status("default")), s => s is { Connected: true }, "the first app's collectors");
                await RepeatAsync(work, 20, "SET", "rs:before", "v");
                Assert.True(await collectors.PollNowAsync("default", TimeSpan.FromSeconds(10), CollectorNames.Slowlog));
            }
            // While no app runs, the slowlog goes on.
            await RepeatAsync(work, 15, "SET", "rs:between", "v");
            await using (var second = new TestApp(fx.Url, dataDirectory: dir, settings: FastHistory))
            {
                _ = second.CreateClient();
                var collectors = second.Services.GetRequiredService<HistoryCollectors>();
                await Poll.UntilAsync(() => Task.FromResult(collectors.Status("default")), s => s is { Connected: true }, "the second app's collectors");
                await RepeatAsync(work, 10, "SET", "rs:after", "v");
                Assert.True(await collectors.PollNowAsync("default", TimeSpan.FromSeconds(10), CollectorNames.Slowlog));
                Assert.True(await collectors.PollNowAsync("default", TimeSpan.FromSeconds(10), CollectorNames.Slowlog));

                var contexts = second.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
                await using var db = await contexts.CreateDbContextAsync();
                var rows = await db.CommandLogEntries.AsNoTracking().Where(e => e.Log == "slowlog").ToListAsync();
                Assert.Equal(rows.Count, rows.Select(r => (r.RunId, r.EntryId)).Distinct().Count());
                var reader = second.Services.GetRequiredService<HistoryReader>();
                var mine = (await reader.LogAsync("default", ["slowlog"], null, null, 1000, 0)).Where(e => e.Kind != "gap" && e.Args is { Count: > 1 }).ToList();
                Assert.Equal(20, mine.Count(e => e.Args![1] == "rs:before"));
                Assert.Equal(15, mine.Count(e => e.Args![1] == "rs:between"));
                Assert.Equal(10, mine.Count(e => e.Args![1] == "rs:after"));
                // Every id from the first to the last is there: nothing missed, no gap recorded.
                var ids = rows.Select(r => r.EntryId).Order().ToList();
                Assert.Equal(ids.Count, ids[^1] - ids[0] + 1);
                Assert.Empty(await reader.GapsAsync("default", ["slowlog"], 0, long.MaxValue));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TestApp.TryDelete(dir);
        }
    }
}
