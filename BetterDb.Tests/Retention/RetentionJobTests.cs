using System.Security.Cryptography;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Retention;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Retention;

/// <summary>
/// Issue 19 item 6: the retention job on a seeded SQLite database, run by Hangfire as the recurring job <c>retention</c>:
/// exactly the sessions over the age, then the oldest over the total size, with their chunks and analyses; old finished
/// webhook deliveries; history past its retention. Never a kept or running session, nor a schedule. The file compacted after.
/// </summary>
public sealed class RetentionJobTests
{
    private const int Unit = 100_000; // stored bytes of one chunk (random, so compression does not shrink it)

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_seeded_database_is_pruned_exactly_as_configured_and_compacted(bool databaseFromBeforeAutoVacuum)
    {
        var dataDirectory = TestApp.NewDataDirectory();
        if (databaseFromBeforeAutoVacuum)
        {
            // A file made before auto_vacuum was set: the job converts it once with VACUUM.
            Directory.CreateDirectory(dataDirectory);
            await using var legacy = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "betterdb.db")};Pooling=false");
            await legacy.OpenAsync();
            await using var cmd = legacy.CreateCommand();
            cmd.CommandText = "PRAGMA auto_vacuum=NONE; CREATE TABLE legacy(a); DROP TABLE legacy;";
            await cmd.ExecuteNonQueryAsync();
        }
        var settings = new Dictionary<string, string?>
        {
            ["BetterDb:History:Enabled"] = "false",
            ["BetterDb:Retention:SessionMaxAgeDays"] = "7",
            ["BetterDb:Retention:SessionMaxTotalBytes"] = (Unit * 4.5).ToString("0"),
            ["BetterDb:Retention:WebhookDeliveryMaxAgeDays"] = "10",
            ["BetterDb:Retention:CompactAfterFreeBytes"] = Unit.ToString(),
            ["BetterDb:Retention:Cron"] = "0 0 1 1 *", // only when the test triggers it
            ["Logging:LogLevel:BetterDb.Core.Retention"] = "Information",
        };
        await using var app = new TestApp(null, dataDirectory, settings: settings);
        _ = app.CreateClient();
        var contexts = app.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
        var now = DateTime.UtcNow;
        var instance = app.Services.GetRequiredService<AppInstance>().Id;

        await using (var db = await contexts.CreateDbContextAsync())
        {
            db.Schedules.Add(new ScheduleEntity { Id = "sched", ConnectionId = "gone", IntervalSeconds = 3600, TimeZone = "UTC", DurationMs = 1000, Enabled = true,
                CreatedAt = now.AddDays(-30), UpdatedAt = now.AddDays(-30), AnchorAt = now.AddDays(-30), LastSessionId = "old" });
            void Session(string id, double endedDaysAgo, int chunks = 1, bool keep = false, bool running = false, double? importedDaysAgo = null)
            {
                var ended = now.AddDays(-endedDaysAgo);
                db.Sessions.Add(new SessionEntity
                {
                    Id = id, Status = running ? CaptureStatus.Running.Word() : CaptureStatus.Completed.Word(),
                    Source = importedDaysAgo is null ? "schedule" : "import", ScheduleId = importedDaysAgo is null ? "sched" : null,
                    StartedAt = ended.AddMinutes(-1), EndedAt = running ? null : ended, Keep = keep,
                    ImportedAt = importedDaysAgo is { } d ? now.AddDays(-d) : null,
                    RunningKey = running ? "gone|" : null, OwnerInstance = running ? instance : null, HeartbeatAt = running ? now : null,
                });
                for (var i = 0; i < chunks; i++)
                    db.Chunks.Add(new ChunkEntity { SessionId = id, ChunkIndex = i, LineCount = 1, ByteCount = Unit, Data = RandomNumberGenerator.GetBytes(Unit) });
                db.Analyses.Add(new AnalysisEntity { SessionId = id, ComputedAt = ended, Json = "{}" });
            }
            Session("old", 20, chunks: 3);                  // over the age: goes
            Session("old-kept", 20, keep: true);            // kept: stays
            Session("old-running", 20, running: true);      // running: stays
            Session("old-file-new-import", 400, importedDaysAgo: 1); // an old file imported yesterday: its age is the import's
            Session("mid-1", 5);                            // under the age; the oldest over the size limit: goes
            Session("mid-2", 4);                            // next oldest: goes
            Session("new", 1);                              // fits once the two above are gone: stays
            db.Webhooks.Add(new WebhookEntity { Id = "wh", Url = "http://127.0.0.1:1/", Events = "monitor.session.completed", Enabled = true, CreatedAt = now, UpdatedAt = now });
            void Delivery(string id, double daysAgo, string status) =>
                db.WebhookDeliveries.Add(new WebhookDeliveryEntity { Id = id, WebhookId = "wh", EventType = "monitor.session.completed", Body = "{}", Status = status, CreatedAt = now.AddDays(-daysAgo) });
            Delivery("d-old", 15, "succeeded");
            Delivery("d-old-failed", 11, "failed");
            Delivery("d-old-pending", 15, "pending"); // still being delivered: stays
            Delivery("d-new", 1, "failed");
            db.InfoSamples.Add(new InfoSampleEntity { ConnectionId = "gone", Ts = new DateTimeOffset(now.AddDays(-8)).ToUnixTimeMilliseconds() });
            db.InfoSamples.Add(new InfoSampleEntity { ConnectionId = "gone", Ts = new DateTimeOffset(now.AddDays(-1)).ToUnixTimeMilliseconds() });
            await db.SaveChangesAsync();
        }

        // The recurring job exists under its name, and Hangfire runs it.
        var storage = app.Services.GetRequiredService<JobStorage>();
        using (var connection = storage.GetConnection())
            Assert.Contains(connection.GetRecurringJobs(), j => j.Id == RetentionJob.RecurringId && j.Job.Type == typeof(RetentionJob));
        app.Services.GetRequiredService<IRecurringJobManager>().Trigger(RetentionJob.RecurringId);
        var result = await Poll.UntilAsync(
            () => Task.FromResult(storage.GetMonitoringApi().SucceededJobs(0, 50).Select(j => j.Value).FirstOrDefault(j => j.Job.Type == typeof(RetentionJob))?.Result as string),
            r => r is not null, "the retention job to succeed", TimeSpan.FromSeconds(30));

        await using (var db = await contexts.CreateDbContextAsync())
        {
            Assert.Equal(["new", "old-file-new-import", "old-kept", "old-running"], (await db.Sessions.Select(s => s.Id).ToListAsync()).Order());
            Assert.Equal(["new", "old-file-new-import", "old-kept", "old-running"], (await db.Chunks.Select(c => c.SessionId).Distinct().ToListAsync()).Order());
            Assert.Equal(["new", "old-file-new-import", "old-kept", "old-running"], (await db.Analyses.Select(a => a.SessionId).ToListAsync()).Order());
            Assert.Equal(["d-new", "d-old-pending"], (await db.WebhookDeliveries.Select(d => d.Id).ToListAsync()).Order());
            Assert.Equal(1, await db.InfoSamples.CountAsync());
            Assert.True(await db.Schedules.AnyAsync(s => s.Id == "sched" && s.Enabled));
            Assert.True(await db.Webhooks.AnyAsync());
        }
        // What it did, on the dashboard (the job's result) and in the log.
        Assert.Contains("Deleted 3 session(s) (1 by age, 2 by total size; 5 chunk(s), 500000 stored bytes, 3 analysis), 2 webhook delivery log(s), 1 history row(s).", result);
        Assert.Contains(app.Logs, m => m.Contains("Retention: Deleted 3 session(s)"));
        if (app.PostgresConnectionString is not null)
            Assert.Contains("Compaction: left to the database server (PostgreSQL autovacuum).", result);
        else
        {
            Assert.Contains(databaseFromBeforeAutoVacuum ? "Compaction: VACUUM (converted to auto_vacuum INCREMENTAL)" : "Compaction: incremental_vacuum", result);
            // The free pages went back to the file system, and the file now vacuums incrementally.
            await using (var db = await contexts.CreateDbContextAsync())
            {
                var connection = db.Database.GetDbConnection();
                await connection.OpenAsync();
                await using var cmd = connection.CreateCommand();
                cmd.CommandText = "PRAGMA freelist_count";
                Assert.Equal(0L, Convert.ToInt64(await cmd.ExecuteScalarAsync()));
                cmd.CommandText = "PRAGMA auto_vacuum";
                Assert.Equal(2L, Convert.ToInt64(await cmd.ExecuteScalarAsync()));
            }
            var length = new FileInfo(Path.Combine(dataDirectory, "betterdb.db")).Length;
            // 9 units were seeded; uncompacted, the file would still hold them all. Left: 4 units and the schema (about 60 tables and indexes).
            Assert.True(length < 7 * Unit, $"the file shrank: {length} bytes; {result}");
        }

        // A second run finds nothing more to delete.
        var again = await app.Services.GetRequiredService<RetentionJob>().PruneAsync(DateTime.UtcNow);
        Assert.Equal(0, again.Sessions);
        Assert.Equal(0, again.StillOverBytes); // 4 units left, under the 4.5 allowed
    }

    [Fact]
    public async Task Over_the_size_limit_with_only_kept_and_running_sessions_left_nothing_is_deleted_and_the_report_says_so()
    {
        var settings = new Dictionary<string, string?>
        {
            ["BetterDb:History:Enabled"] = "false",
            ["BetterDb:Retention:SessionMaxAgeDays"] = "1",
            ["BetterDb:Retention:SessionMaxTotalBytes"] = "1000",
            ["BetterDb:Retention:Enabled"] = "false",
        };
        await using var app = new TestApp(null, settings: settings);
        _ = app.CreateClient();
        using (var connection = app.Services.GetRequiredService<JobStorage>().GetConnection())
            Assert.DoesNotContain(connection.GetRecurringJobs(), j => j.Id == RetentionJob.RecurringId);
        var contexts = app.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
        var instance = app.Services.GetRequiredService<AppInstance>().Id;
        await using (var db = await contexts.CreateDbContextAsync())
        {
            db.Sessions.Add(new SessionEntity { Id = "kept", Status = CaptureStatus.Completed.Word(), Source = "manual", StartedAt = DateTime.UtcNow.AddDays(-50), EndedAt = DateTime.UtcNow.AddDays(-50), Keep = true });
            db.Sessions.Add(new SessionEntity { Id = "running", Status = CaptureStatus.Running.Word(), Source = "manual", StartedAt = DateTime.UtcNow.AddDays(-50), RunningKey = "x|", OwnerInstance = instance, HeartbeatAt = DateTime.UtcNow });
            foreach (var id in new[] { "kept", "running" })
                db.Chunks.Add(new ChunkEntity { SessionId = id, ChunkIndex = 0, LineCount = 1, ByteCount = 3000, Data = RandomNumberGenerator.GetBytes(3000) });
            await db.SaveChangesAsync();
        }
        var report = await app.Services.GetRequiredService<RetentionJob>().PruneAsync(DateTime.UtcNow);
        Assert.Equal(0, report.Sessions);
        Assert.Equal(5000, report.StillOverBytes);
        Assert.Contains("Still 5000 bytes over the size limit", report.Summary);
        await using (var db = await contexts.CreateDbContextAsync())
            Assert.Equal(2, await db.Sessions.CountAsync());
    }

    [Fact]
    public async Task A_bad_retention_value_stops_the_app_naming_the_key()
    {
        await using var app = new TestApp(null, settings: new Dictionary<string, string?> { ["BetterDb:Retention:SessionMaxAgeDays"] = "-1" });
        var ex = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("BetterDb:Retention:SessionMaxAgeDays", ex.ToString());
    }
}
