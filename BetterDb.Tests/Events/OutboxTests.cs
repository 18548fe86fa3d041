using System.Collections.Concurrent;
using BetterDb.Core.Events;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Events;

/// <summary>Records what the outbox hands it; can be told to fail the first time it sees an event.</summary>
public sealed class RecordingHandler : IOutboxHandler
{
    public ConcurrentQueue<OutboxEvent> Seen { get; } = new();
    public HashSet<long> FailOnce { get; } = [];

    public Task HandleAsync(OutboxEvent e, CancellationToken ct)
    {
        Seen.Enqueue(e);
        lock (FailOnce)
            if (FailOnce.Remove(e.Id)) throw new InvalidOperationException("the subscriber is down");
        return Task.CompletedTask;
    }
}

/// <summary>
/// Issue 11 item 4: the session lifecycle's events are written with the state change and reach every
/// subscriber at least once, in order, across a failure and a restart; analysis is one such subscriber,
/// a Hangfire job.
/// </summary>
[Collection(RestartCollection.Name)]
public sealed class OutboxTests(RedisFixture fx) : IAsyncLifetime
{
    private readonly string _dir = TestApp.NewDataDirectory();

    public Task InitializeAsync() => RedisProbe.WaitForNoMonitorAsync(fx.Client);

    public Task DisposeAsync()
    {
        TestApp.TryDelete(_dir);
        return Task.CompletedTask;
    }

    private TestApp App(RecordingHandler handler) =>
        new(fx.Url, _dir, services: s => s.AddSingleton<IOutboxHandler>(handler)) { KeepDataDirectory = true };

    [Fact]
    public async Task A_capture_writes_started_and_ended_events_and_its_analysis_runs_as_a_hangfire_job()
    {
        var handler = new RecordingHandler();
        await using var app = App(handler);
        var api = new BetterDbApi(app.CreateClient());
        var session = await api.StartCaptureAsync(durationMs: 1_000);
        var final = await api.WaitForEndAsync(session.Id);

        await Poll.UntilAsync(() => handler.Seen.Count(e => e.SessionId == session.Id) >= 2, "both events");
        var events = handler.Seen.Where(e => e.SessionId == session.Id).ToList();
        Assert.Equal([SessionEventType.Started, SessionEventType.Ended], events.Select(e => e.Type).Distinct());
        Assert.Equal("running", events[0].PayloadAs<SessionDto>()!.Status);
        Assert.Equal((final.Status, final.TerminationReason), (events[^1].PayloadAs<SessionDto>()!.Status, events[^1].PayloadAs<SessionDto>()!.TerminationReason));

        // The analysis subscriber queued a Hangfire job that stored the analysis.
        var contexts = app.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
        await Poll.UntilAsync(async () =>
        {
            await using var db = await contexts.CreateDbContextAsync();
            return await db.Analyses.AnyAsync(a => a.SessionId == session.Id);
        }, stored => stored, "the analysis job to store the analysis", TimeSpan.FromSeconds(30));
        var monitoring = app.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        // The job may still be finishing (it also stores the session's command shapes) when the analysis becomes visible.
        var job = (await Poll.UntilAsync(() => Task.FromResult(monitoring.SucceededJobs(0, 100).Select(j => j.Value).Where(j => j.Job.Args.Contains(session.Id)).ToList()),
            jobs => jobs.Count > 0, "the analysis job to succeed", TimeSpan.FromSeconds(30))).Single();
        Assert.Equal("RunAsync", job.Job.Method.Name);
        Assert.Equal("AnalysisJob", job.Job.Type.Name);
    }

    [Fact]
    public async Task An_event_a_subscriber_fails_is_handed_again_and_holds_back_the_later_ones_and_an_undispatched_event_survives_a_restart()
    {
        var contexts = default(IDbContextFactory<BetterDbContext>);
        long first, second;
        var handler = new RecordingHandler();
        await using (var app = App(handler))
        {
            _ = app.CreateClient();
            contexts = app.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
            await using var db = await contexts.CreateDbContextAsync();
            // Written as a crash would leave them: in the outbox, not yet handed to anyone.
            var a = Outbox.Event("test.first", "s-1", null, new { n = 1 });
            var b = Outbox.Event("test.second", "s-2", null, new { n = 2 });
            db.Outbox.AddRange(a, b);
            await db.SaveChangesAsync();
            (first, second) = (a.Id, b.Id);
            lock (handler.FailOnce) handler.FailOnce.Add(first);
            app.Services.GetRequiredService<OutboxDispatcher>().Signal();
            await Poll.UntilAsync(() => handler.Seen.Count(e => e.Id == first) >= 1, "the first try");
            // It failed: the second waits behind it.
            Assert.DoesNotContain(handler.Seen, e => e.Id == second);
        }

        // A restart with the first still undispatched: both arrive, in order, the first a second time.
        var after = new RecordingHandler();
        await using (var app = App(after))
        {
            _ = app.CreateClient();
            await Poll.UntilAsync(() => after.Seen.Count(e => e.Id == first || e.Id == second) >= 2, "both events after the restart",
                TimeSpan.FromSeconds(30));
            Assert.Equal([first, second], after.Seen.Where(e => e.Id == first || e.Id == second).Select(e => e.Id));
            var ctx = app.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
            await Poll.UntilAsync(async () =>
            {
                await using var db = await ctx.CreateDbContextAsync();
                return await db.Outbox.CountAsync(e => (e.Id == first || e.Id == second) && e.DispatchedAt != null);
            }, n => n == 2, "both marked dispatched");
            await using var check = await ctx.CreateDbContextAsync();
            Assert.True((await check.Outbox.SingleAsync(e => e.Id == first)).Attempts >= 1);
        }
    }
}

/// <summary>
/// Two app processes' dispatchers on one PostgreSQL outbox, racing over the same pending events with a subscriber
/// slow enough that both load a batch before either marks an event dispatched: each event is handed over once.
/// </summary>
[Trait(StorageTrait.Name, StorageTrait.Postgres)]
public sealed class SharedOutboxTests : IDisposable
{
    private readonly string _database = PostgresServer.Shared.CreateDatabase();

    public void Dispose() => PostgresServer.Shared.DropDatabase(_database);

    private sealed class SlowCounter : IOutboxHandler
    {
        public ConcurrentDictionary<long, int> Counts { get; } = new();
        public ConcurrentQueue<long> Order { get; } = new();

        public async Task HandleAsync(OutboxEvent e, CancellationToken ct)
        {
            Counts.AddOrUpdate(e.Id, 1, (_, n) => n + 1);
            Order.Enqueue(e.Id);
            await Task.Delay(50, ct);
        }
    }

    private sealed class Factory(string connectionString) : IDbContextFactory<BetterDbContext>
    {
        private readonly DbContextOptions<BetterDbContext> _options = new DbContextOptionsBuilder<BetterDbContext>().UseNpgsql(connectionString).Options;
        public BetterDbContext CreateDbContext() => new Core.Storage.Postgres.PostgresBetterDbContext(_options);
    }

    [Fact]
    public async Task Two_dispatchers_on_one_outbox_hand_each_event_over_once_and_in_order()
    {
        var contexts = new Factory(_database);
        await using (var db = contexts.CreateDbContext())
        {
            for (var i = 0; i < 20; i++) db.Outbox.Add(Outbox.Event(SessionEventType.Started, $"s{i}", "default", new { i }));
            await db.SaveChangesAsync();
        }
        var handler = new SlowCounter();
        OutboxDispatcher Dispatcher(string name) => new(contexts, [handler], new Core.Capture.AppInstance(name),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<OutboxDispatcher>.Instance);
        var (a, b) = (Dispatcher("a/1/x"), Dispatcher("b/2/y"));
        // Both poll until the outbox is empty, as two processes' background loops would.
        async Task Drain(OutboxDispatcher d)
        {
            for (var round = 0; round < 200; round++)
            {
                await d.DispatchPendingAsync(CancellationToken.None);
                await using var db = contexts.CreateDbContext();
                if (!await db.Outbox.AnyAsync(e => e.DispatchedAt == null)) return;
                await Task.Delay(10);
            }
        }
        await Task.WhenAll(Drain(a), Drain(b));

        Assert.Equal(20, handler.Counts.Count);
        Assert.All(handler.Counts, c => Assert.True(c.Value == 1, $"event {c.Key} was handed over {c.Value} times"));
        Assert.Equal(handler.Order.Order(), handler.Order);
        await using (var db = contexts.CreateDbContext())
            Assert.Equal(20, await db.Outbox.CountAsync(e => e.DispatchedAt != null));
    }
}
