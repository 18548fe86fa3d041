using System.Text;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Tests.Integration;

/// <summary>
/// The app stopped while a capture runs: gracefully (it flushes and records <c>app_shutdown</c>) or
/// killed (the next start finds the session still running and records <c>process_restart</c>).
/// Either way what was stored stays readable after the restart on the same data directory.
/// </summary>
[Collection(RestartCollection.Name)]
public sealed class AppRestartTests(RedisFixture fx) : IAsyncLifetime
{
    private readonly string _tag = "t" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _dataDirectory = TestApp.NewDataDirectory();

    public Task InitializeAsync() => RedisProbe.WaitForNoMonitorAsync(fx.Client);

    public Task DisposeAsync()
    {
        TestApp.TryDelete(_dataDirectory);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Graceful_shutdown_flushes_and_ends_the_capture_interrupted_app_shutdown()
    {
        string id;
        // A flush interval longer than the test: the lines are only in the writer's memory when the app stops.
        await using (var app = new TestApp(fx.Url, _dataDirectory, flushInterval: TimeSpan.FromHours(1)))
        {
            var api = new BetterDbApi(app.CreateClient());
            var session = await api.StartCaptureAsync(durationMs: 600_000);
            id = session.Id;
            await RedisProbe.WaitForMonitorAsync(fx.Client);
            var db = fx.Client.GetDatabase();
            for (var i = 0; i < 100; i++) await db.StringSetAsync($"{_tag}:{i}", i);
            await Poll.UntilAsync(() => api.GetSessionAsync(id), s => s.LineCount >= 100, "the capture to receive 100 lines");
            Assert.Empty(await api.ReadAllLinesAsync(id));
        } // stops the host: StoppingAsync ends running captures

        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        await using (var app = new TestApp(fx.Url, _dataDirectory))
        {
            var api = new BetterDbApi(app.CreateClient());
            var session = await api.GetSessionAsync(id);
            Assert.Equal(("interrupted", "app_shutdown"), (session.Status, session.TerminationReason));
            Assert.NotNull(session.EndedAt);
            var lines = await api.ReadAllLinesAsync(id);
            Assert.Equal(session.LineCount, lines.Count);
            Assert.Equal(session.ByteCount, lines.Sum(l => Encoding.UTF8.GetByteCount(l.Raw) + 1));
            Assert.Equal(Enumerable.Range(0, 100).Select(i => $"{_tag}:{i}"),
                lines.Where(l => l.Cmd == "SET" && l.Args[0].StartsWith(_tag)).Select(l => l.Args[0]));
        }
    }

    [Fact]
    public async Task A_crash_leaves_the_session_interrupted_process_restart_with_what_was_flushed()
    {
        string id;
        await using (var app = await AppProcess.StartAsync(_dataDirectory, fx.Url))
        {
            using var http = app.CreateClient();
            var api = new BetterDbApi(http);
            var session = await api.StartCaptureAsync(durationMs: 600_000);
            id = session.Id;
            await RedisProbe.WaitForMonitorAsync(fx.Client);
            var db = fx.Client.GetDatabase();
            for (var i = 0; i < 100; i++) await db.StringSetAsync($"{_tag}:{i}", i);
            // The app flushes within a second of a line arriving: wait until everything sent is stored...
            await api.WaitForLinesAsync(id, ls => ls.Count(l => l.Args.FirstOrDefault()?.StartsWith(_tag) == true) == 100,
                "the 100 lines to be flushed", TimeSpan.FromSeconds(30));
            // ...then some more that may or may not be flushed when the process dies.
            for (var i = 100; i < 150; i++) await db.StringSetAsync($"{_tag}:{i}", i);
            app.Kill();
            Assert.True(app.HasExited);
        }

        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        await using (var app = await AppProcess.StartAsync(_dataDirectory, fx.Url))
        {
            using var http = app.CreateClient();
            var api = new BetterDbApi(http);
            // Reclaimed at start, or at the next ownership sweep (5 s) when the killed process was still exiting then. On
            // PostgreSQL (a database other machines may share) only once the dead owner's heartbeat is 30 s old.
            var session = await Poll.UntilAsync(() => api.GetSessionAsync(id), s => s.Status != "running", "the dead owner's capture to be reclaimed",
                TimeSpan.FromSeconds(PostgresServer.Requested ? 50 : 20));
            Assert.Equal(("interrupted", "process_restart"), (session.Status, session.TerminationReason));
            Assert.NotNull(session.EndedAt);
            var lines = await api.ReadAllLinesAsync(id);
            Assert.Equal(session.LineCount, lines.Count);
            Assert.Equal(session.ByteCount, lines.Sum(l => Encoding.UTF8.GetByteCount(l.Raw) + 1));
            var mine = lines.Where(l => l.Cmd == "SET" && l.Args[0].StartsWith(_tag)).Select(l => l.Args[0]).ToList();
            Assert.InRange(mine.Count, 100, 150);
            Assert.Equal(Enumerable.Range(0, mine.Count).Select(i => $"{_tag}:{i}"), mine);

            // The connection is free again after the restart.
            var next = await api.StartCaptureAsync(durationMs: 60_000);
            Assert.Equal("completed", (await api.StopAsync(next.Id)).Status);
        }
    }
    // Seeds the SQLite file directly.
    [Fact, Trait(StorageTrait.Name, StorageTrait.SqliteOnly)]
    public async Task Sessions_a_crash_left_running_get_the_counts_of_what_was_stored()
    {
        // The state a crash leaves: sessions marked running, some with flushed chunks, one with none.
        var options = new DbContextOptionsBuilder<BetterDbContext>()
            .UseSqlite($"Data Source={Path.Combine(_dataDirectory, "betterdb.db")};Pooling=False").Options;
        await using (var db = new BetterDbContext(options))
        {
            await db.Database.MigrateAsync();
            foreach (var id in new[] { "crashed-with-lines", "crashed-empty" })
                db.Sessions.Add(new SessionEntity
                {
                    Id = id, ConnectionId = "default", Status = "running", Source = "manual",
                    StartedAt = DateTime.UtcNow.AddMinutes(-1), DurationMs = 60_000, ByteCap = 1_000_000, LineCap = 1_000,
                    LineCount = 999, ByteCount = 999_999, // live counters a crash may leave behind: not trusted
                });
            db.Sessions.Add(new SessionEntity
            {
                Id = "finished", ConnectionId = "default", Status = "completed", Source = "manual", TerminationReason = "duration_cap",
                StartedAt = DateTime.UtcNow.AddMinutes(-2), EndedAt = DateTime.UtcNow.AddMinutes(-1), DurationMs = 60_000, LineCount = 0,
            });
            for (var c = 0; c < 3; c++)
            {
                var raw = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(c * 10, 10).Select(i => Capture.CaptureTestLines.Text(i) + "\n")));
                db.Chunks.Add(new ChunkEntity
                {
                    SessionId = "crashed-with-lines", ChunkIndex = c, FirstLine = c * 10, LineCount = 10, ByteCount = raw.Length,
                    Codec = ChunkCodec.Zstd, Data = ChunkCodec.Compress(raw),
                });
            }
            await db.SaveChangesAsync();
        }

        await using var app = new TestApp(fx.Url, _dataDirectory);
        var api = new BetterDbApi(app.CreateClient());
        var withLines = await api.GetSessionAsync("crashed-with-lines");
        Assert.Equal(("interrupted", "process_restart", 30L), (withLines.Status, withLines.TerminationReason, withLines.LineCount));
        Assert.Equal((await api.ReadAllLinesAsync("crashed-with-lines")).Sum(l => l.Raw.Length + 1), withLines.ByteCount);
        Assert.NotNull(withLines.EndedAt);
        var empty = await api.GetSessionAsync("crashed-empty");
        Assert.Equal(("interrupted", "process_restart", 0L, 0L), (empty.Status, empty.TerminationReason, empty.LineCount, empty.ByteCount));
        Assert.Empty(await api.ReadAllLinesAsync("crashed-empty"));
        var finished = await api.GetSessionAsync("finished");
        Assert.Equal(("completed", "duration_cap"), (finished.Status, finished.TerminationReason));
    }
}
