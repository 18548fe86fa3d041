using System.Net.Http.Json;
using BetterDb.Core.Preflight;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BetterDb.Tests.Automation;

/// <summary>A real redis-server and the app in-process (Hangfire running, polling every 2 s) whose <c>default</c> is that server.</summary>
public class ScheduleAppFixture : RedisFixture
{
    public TestApp App { get; private set; } = null!;
    public ScheduleClient Api { get; private set; } = null!;
    public BetterDbApi Sessions { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        App = new TestApp(Url, settings: new Dictionary<string, string?> { ["Logging:LogLevel:BetterDb.Core.Automation"] = "Information" });
        var http = App.CreateClient();
        Api = new ScheduleClient(http, App.Services);
        Sessions = new BetterDbApi(http);
    }

    public override async Task DisposeAsync()
    {
        if (App is not null) await App.DisposeAsync();
        await base.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ScheduleTickCollection : ICollectionFixture<ScheduleAppFixture>
{
    public const string Name = "schedule ticks (redis + app)";
}

/// <summary>
/// Issue 15 items 2, 3 and 5 against a real redis-server and the app with Hangfire running: a 10 s schedule producing
/// its own sessions (and the session list's source and scheduleId filters), the schedule and its next fire across an
/// app restart, the health gate closing (maxmemory) turning a tick into a skip, the one-capture rule
/// (<c>session_already_active</c>), delayed-job cadences. Validation (400s naming the field) is in <see cref="ScheduleApiTests"/>.
/// </summary>
[Collection(ScheduleTickCollection.Name)]
public sealed class ScheduleTickTests(ScheduleAppFixture fx, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan TickWait = TimeSpan.FromSeconds(40);
    private readonly List<string> _created = [];

    public Task InitializeAsync() => RedisProbe.WaitForNoMonitorAsync(fx.Client);

    public async Task DisposeAsync()
    {
        // What the schedules did (shown when a test fails).
        foreach (var line in fx.App.Logs.Where(l => !l.StartsWith("Information", StringComparison.Ordinal) || l.Contains("Automation")).TakeLast(40))
            output.WriteLine(line);
        foreach (var id in _created) await fx.Api.Http.DeleteAsync($"/api/monitor/schedules/{id}");
        foreach (var s in await fx.Api.Http.GetFromJsonAsync<List<ScheduledSessionDto>>("/api/monitor/sessions?status=running", BetterDbApi.Json) ?? [])
            await fx.Api.Http.PostAsync($"/api/monitor/sessions/{s.Id}/stop", null);
    }

    private async Task<ScheduleDto> CreateAsync(object body)
    {
        var s = await fx.Api.CreateAsync(body);
        _created.Add(s.Id);
        return s;
    }

    [Fact]
    public async Task A_10_second_schedule_produces_sessions_marked_as_its_own()
    {
        var schedule = await CreateAsync(new { connectionId = "default", intervalSeconds = 10, durationMs = 2_000, createdBy = "tests" });
        Assert.Equal("recurring", schedule.JobKind);
        var first = schedule.NextFireAt!.Value;

        var sessions = await Poll.UntilAsync(async () => await fx.Api.SessionsAsync(schedule.Id), l => l.Count(s => s.Status != "running") >= 2,
            "two finished sessions of the 10 s schedule", TickWait, TimeSpan.FromMilliseconds(250));
        var done = sessions.Where(s => s.Status != "running").OrderBy(s => s.StartedAt).ToList();
        Assert.All(done, s =>
        {
            Assert.Equal(("schedule", schedule.Id, "completed", "duration_cap", 2_000L), (s.Source, s.ScheduleId, s.Status, s.TerminationReason, s.DurationMs));
        });
        // On the grid: the first at the first announced fire time (Hangfire picks it up within its 2 s polls), then 10 s apart.
        Assert.InRange(done[0].StartedAt, first.AddMilliseconds(-100), first.AddSeconds(6));
        Assert.InRange((done[1].StartedAt - done[0].StartedAt).TotalSeconds, 6, 14);
        var requester = await fx.Sessions.GetSessionAsync(done[0].Id);
        Assert.Equal("tests", requester.RequestedBy);

        var now = await fx.Api.GetAsync(schedule.Id);
        var latest = (await fx.Api.SessionsAsync(schedule.Id)).OrderByDescending(s => s.StartedAt).First();
        Assert.Equal(latest.Id, now.LastSessionId);
        Assert.NotNull(now.LastFiredAt);
        Assert.InRange(now.LastFiredAt.Value, latest.StartedAt.AddSeconds(-1), latest.StartedAt.AddSeconds(1));
        Assert.Null(now.LastSkipReason);
        Assert.True(now.NextFireAt > DateTime.UtcNow.AddSeconds(-3));
        Assert.Equal(0, (now.NextFireAt!.Value - first).TotalSeconds % 10);

        // The list filters by schedule and by source.
        Assert.Empty(await fx.Api.SessionsAsync(schedule.Id, source: "manual"));
        Assert.Equal((await fx.Api.SessionsAsync(schedule.Id)).Select(s => s.Id), (await fx.Api.SessionsAsync(schedule.Id, source: null)).Select(s => s.Id));
        var all = await fx.Api.Http.GetFromJsonAsync<List<ScheduledSessionDto>>("/api/monitor/sessions?source=schedule&limit=1000", BetterDbApi.Json);
        Assert.All(all!, s => Assert.Equal("schedule", s.Source));
        Assert.Contains(all!, s => s.Id == latest.Id);
    }

    [Fact]
    public async Task A_tick_while_a_manual_capture_runs_is_skipped_session_already_active()
    {
        var manual = await fx.Sessions.StartCaptureAsync(durationMs: 120_000);
        var schedule = await CreateAsync(new { connectionId = "default", cronExpression = "*/10 * * * * *", durationMs = 2_000 });

        var skipped = await Poll.UntilAsync(() => fx.Api.GetAsync(schedule.Id), s => s.LastSkipReason is not null,
            "a tick of the schedule", TickWait, TimeSpan.FromMilliseconds(250));
        Assert.Equal("session_already_active", skipped.LastSkipReason);
        Assert.NotNull(skipped.LastSkippedAt);
        Assert.Null(skipped.LastFiredAt);
        Assert.Null(skipped.LastSessionId);
        // The attempt is on the record as a skipped session of the schedule; the manual capture runs on.
        var session = Assert.Single(await fx.Api.SessionsAsync(schedule.Id));
        Assert.Equal(("skipped", "session_already_active", "schedule"), (session.Status, session.TerminationReason, session.Source));
        Assert.Equal("running", (await fx.Sessions.GetSessionAsync(manual.Id)).Status);

        // Once the manual capture is over, the next tick captures.
        await fx.Sessions.StopAsync(manual.Id);
        var fired = await Poll.UntilAsync(() => fx.Api.GetAsync(schedule.Id), s => s.LastSessionId is not null,
            "the tick after the manual capture", TickWait, TimeSpan.FromMilliseconds(250));
        Assert.Equal("schedule", (await fx.Sessions.GetSessionAsync(fired.LastSessionId!)).Source);
        Assert.Equal("session_already_active", fired.LastSkipReason); // the last skip stays on view, with its time
    }

    [Fact]
    public async Task An_interval_no_cron_can_say_ticks_by_a_chain_of_delayed_jobs()
    {
        var schedule = await CreateAsync(new { connectionId = "default", intervalSeconds = 45 * 60, durationMs = 1_000 });
        Assert.Equal("delayed", schedule.JobKind);
        var pending = (await RowAsync(schedule.Id)).PendingJobId!;

        // Run the pending tick now instead of in 45 minutes: it claims its turn, places the next tick and captures.
        fx.App.Services.GetRequiredService<IBackgroundJobClient>().Requeue(pending);
        var fired = await Poll.UntilAsync(() => fx.Api.GetAsync(schedule.Id), s => s.LastSessionId is not null,
            "the requeued delayed tick to capture", TickWait, TimeSpan.FromMilliseconds(250));
        var row = await RowAsync(schedule.Id);
        Assert.NotNull(row.PendingJobId);
        Assert.NotEqual(pending, row.PendingJobId);
        Assert.Equal("Scheduled", fx.Api.JobState(row.PendingJobId));
        Assert.Equal(fired.NextFireAt, row.PendingDueAt);
        var session = await fx.Sessions.GetSessionAsync(fired.LastSessionId!);
        Assert.Equal("schedule", session.Source);

        // The old tick run again (a second delivery) does nothing: it no longer holds the turn.
        fx.App.Services.GetRequiredService<IBackgroundJobClient>().Requeue(pending);
        await Poll.UntilAsync(async () => fx.Api.JobState(pending), s => s == "Succeeded", "the stale tick to finish", TickWait, TimeSpan.FromMilliseconds(250));
        Assert.Equal(row.PendingJobId, (await RowAsync(schedule.Id)).PendingJobId);
        Assert.Single(await fx.Api.SessionsAsync(schedule.Id));
    }

    [Fact]
    public async Task The_gate_closing_turns_a_tick_into_a_skip_with_its_reason_and_a_skipped_session()
    {
        var info = await fx.Server.CliAsync("INFO", "memory");
        var used = long.Parse(info.Split('\n').First(l => l.StartsWith("used_memory:", StringComparison.Ordinal)).Split(':')[1].Trim());
        // Headroom of 100 kB: used_memory is above the gate's 0.85 of maxmemory.
        Assert.Equal("OK", (await fx.Server.CliAsync("CONFIG", "SET", "maxmemory", (used + 100_000).ToString())).Trim());
        try
        {
            var gate = await fx.App.Services.GetRequiredService<HealthGateService>().CheckAsync("default");
            Assert.False(gate.Allow);
            var schedule = await CreateAsync(new { connectionId = "default", intervalSeconds = 10, durationMs = 2_000 });

            var skipped = await Poll.UntilAsync(() => fx.Api.GetAsync(schedule.Id), s => s.LastSkipReason is not null,
                "a tick of the schedule", TickWait, TimeSpan.FromMilliseconds(250));
            Assert.Equal(gate.SkipReason, skipped.LastSkipReason);
            Assert.Equal("memory_above_threshold", skipped.LastSkipReason);
            Assert.Null(skipped.LastFiredAt);
            Assert.Null(skipped.LastSessionId);
            Assert.NotNull(skipped.NextFireAt); // it keeps its cadence: the next tick asks the gate again

            // The attempt is on the record: a skipped session of the schedule, with the gate's reason, that never captured.
            var session = Assert.Single(await fx.Api.SessionsAsync(schedule.Id));
            Assert.Equal(("skipped", "memory_above_threshold", "schedule", schedule.Id), (session.Status, session.TerminationReason, session.Source, session.ScheduleId));
            Assert.Single(await fx.Api.SessionsAsync(schedule.Id, source: null));
            Assert.Empty(await fx.Api.Http.GetFromJsonAsync<List<ScheduledSessionDto>>(
                $"/api/monitor/sessions?scheduleId={schedule.Id}&status=running", BetterDbApi.Json) ?? []);
        }
        finally
        {
            await fx.Server.CliAsync("CONFIG", "SET", "maxmemory", "0");
        }
    }

    [Fact]
    public async Task A_schedule_and_its_next_fire_survive_an_app_restart()
    {
        var dir = TestApp.NewDataDirectory();
        string id;
        DateTime announced;
        ScheduledSessionDto before;
        await using (var first = new TestApp(fx.Url, dataDirectory: dir))
        {
            var api = new ScheduleClient(first.CreateClient(), first.Services);
            var created = await api.CreateAsync(new { connectionId = "default", intervalSeconds = 10, durationMs = 1_000, createdBy = "before restart" });
            id = created.Id;
            before = (await Poll.UntilAsync(() => api.SessionsAsync(id), l => l.Any(s => s.Status == "completed"),
                "a capture of the schedule before the restart", TickWait, TimeSpan.FromMilliseconds(250))).First(s => s.Status == "completed");
            announced = (await api.GetAsync(id)).NextFireAt!.Value;
        }

        var restartedAt = DateTime.UtcNow;
        await using var second = new TestApp(fx.Url, dataDirectory: dir);
        try
        {
            var api = new ScheduleClient(second.CreateClient(), second.Services);
            var kept = await api.GetAsync(id);
            Assert.Equal((10, "before restart", true, 1_000L), (kept.IntervalSeconds, kept.CreatedBy, kept.Enabled, kept.DurationMs));
            Assert.Equal(before.Id, kept.LastSessionId);
            // The same grid: the fire announced before the restart (or one 10 s step on, if it passed meanwhile)...
            Assert.NotNull(kept.NextFireAt);
            Assert.True(kept.NextFireAt >= announced, $"next fire {kept.NextFireAt:O} before the announced {announced:O}");
            Assert.Equal(0, (kept.NextFireAt!.Value - announced).TotalSeconds % 10);
            // ...which is when Hangfire, started again, will run the recurring job.
            var job = api.RecurringJob(id);
            Assert.NotNull(job);
            Assert.Equal(kept.NextFireAt, job.NextExecution);

            var after = await Poll.UntilAsync(() => api.SessionsAsync(id), l => l.Any(s => s.StartedAt > restartedAt && s.Status == "completed"),
                "a capture of the schedule after the restart", TickWait, TimeSpan.FromMilliseconds(250));
            var fired = after.Where(s => s.StartedAt > restartedAt).MinBy(s => s.StartedAt)!;
            Assert.Equal(("schedule", id), (fired.Source, fired.ScheduleId));
            // At the kept next fire (Hangfire picks it up within its 2 s polls), not at once on start nor a tick late.
            Assert.InRange(fired.StartedAt, kept.NextFireAt.Value.AddMilliseconds(-100), kept.NextFireAt.Value.AddSeconds(6));
        }
        finally
        {
            await second.Services.GetRequiredService<BetterDb.Core.Automation.ScheduleService>().DeleteAsync(id);
        }
    }

    private async Task<ScheduleEntity> RowAsync(string id)
    {
        await using var db = await fx.App.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>().CreateDbContextAsync();
        return await db.Schedules.AsNoTracking().SingleAsync(s => s.Id == id);
    }
}
