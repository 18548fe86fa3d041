using BetterDb.Core.Connections;
using System.Diagnostics;
using BetterDb.Core.Capture;
using BetterDb.Core.Preflight;
using BetterDb.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BetterDb.Tests.Preflight;

/// <summary>The pre-flight against real redis-server instances (see <see cref="PreflightServersFixture"/>).</summary>
[Collection(PreflightServersCollection.Name)]
public sealed class PreflightServerTests(PreflightServersFixture fx)
{
    [Fact]
    public async Task A_healthy_self_hosted_server_with_the_default_user_is_ready()
    {
        var report = await fx.Preflight.RunAsync(new PreflightRequest("default", 60_000));

        Assert.Equal("self-hosted", report.Provider.Name);
        Assert.Empty(report.Provider.Restrictions);
        Assert.Equal("default", report.Acl.User);
        Assert.True(report.Acl.HasMonitor);
        Assert.Equal("+@all", report.Acl.Rules);
        Assert.Null(report.Acl.SetUserSnippet);
        Assert.True(report.MonitorSupported);
        Assert.True(report.HealthGate.Allow, string.Join(" ", report.HealthGate.Detail));
        Assert.Equal("total_system_memory", report.HealthGate.Signals.MemoryBasis); // no maxmemory on Main
        Assert.Equal("master", report.HealthGate.Signals.Role);
        Assert.Equal(0.85, report.HealthGate.Thresholds.MemoryPctThreshold);
        Assert.Equal(60_000, report.Estimate.DurationMs);
        Assert.True(report.Estimate.OpsMeasured);
        Assert.True(report.ConfigChecked);
        Assert.Empty(report.ConfigHazards);
        Assert.Equal("redis", report.ServerName);
        Assert.DoesNotContain(report.WarningDetails, w => w.Code is PreflightWarning.AclMonitorDenied or PreflightWarning.HealthGateClosed);
    }

    [Fact]
    public async Task A_user_without_monitor_gets_the_snippet_naming_that_user_and_the_snippet_works()
    {
        var report = await fx.Preflight.RunAsync(new PreflightRequest(fx.CaptureUserId));
        Assert.Equal(PreflightServersFixture.CaptureUser, report.Acl.User);
        Assert.False(report.Acl.HasMonitor);
        Assert.True(report.Acl.Verified);
        Assert.Contains("-monitor", report.Acl.Rules);
        Assert.Equal("ACL SETUSER capture +monitor", report.Acl.SetUserSnippet);
        Assert.Contains(report.WarningDetails, w => w.Code == PreflightWarning.AclMonitorDenied && w.Message.Contains("ACL SETUSER capture +monitor"));

        // Running exactly that snippet is what makes MONITOR allowed.
        var snippet = report.Acl.SetUserSnippet!.Split(' ');
        await PreflightServersFixture.Expect(fx.Main.CliAsync(snippet), "OK");
        try
        {
            var after = await fx.Preflight.RunAsync(new PreflightRequest(fx.CaptureUserId));
            Assert.True(after.Acl.HasMonitor);
            Assert.Null(after.Acl.SetUserSnippet);
        }
        finally
        {
            await PreflightServersFixture.Expect(fx.Main.CliAsync("ACL", "SETUSER", PreflightServersFixture.CaptureUser, "-monitor"), "OK");
        }
    }

    [Fact]
    public async Task A_monitor_only_user_cannot_be_verified_and_the_live_probe_settles_it()
    {
        var report = await fx.Preflight.RunAsync(new PreflightRequest(fx.TapperUserId));

        // ACL WHOAMI, ACL GETUSER, COMMAND, INFO and CONFIG are all refused to this user.
        Assert.Equal(PreflightServersFixture.TapperUser, report.Acl.User);
        Assert.Null(report.Acl.HasMonitor);
        Assert.False(report.Acl.Verified);
        Assert.Equal("ACL SETUSER tapper +monitor", report.Acl.SetUserSnippet);
        Assert.Contains("NOPERM", report.Acl.Note);
        Assert.Null(report.MonitorSupported);
        Assert.False(report.HealthGate.Signals.Measured);
        Assert.True(report.HealthGate.Allow);
        Assert.False(report.Estimate.OpsMeasured);
        Assert.False(report.ConfigChecked);
        Assert.Contains(report.WarningDetails, w => w.Code == PreflightWarning.ConfigUnreadable && w.Message.Contains("NOPERM"));
        Assert.Contains(report.WarningDetails, w => w.Code == PreflightWarning.HealthUnmeasured);
        Assert.Contains(report.WarningDetails, w => w.Code == PreflightWarning.AclUnverified);

        var live = await fx.MonitorSupport.ConfirmBeforeStartAsync(fx.TapperUserId);
        Assert.Equal(MonitorSupport.Supported, live.State);
        Assert.Equal(MonitorSupportClassifier.LiveProbe, live.Source);
        var again = await fx.MonitorSupport.ConfirmBeforeStartAsync(fx.TapperUserId);
        Assert.Equal(MonitorSupport.Supported, again.State);
        Assert.Equal(MonitorSupportClassifier.Cache, again.Source);
    }

    [Fact]
    public async Task Maxmemory_just_above_used_memory_closes_the_gate_memory_first()
    {
        var info = await fx.Memory.CliAsync("INFO", "memory");
        var used = long.Parse(info.Split('\n').First(l => l.StartsWith("used_memory:")).Split(':')[1].Trim());
        await PreflightServersFixture.Expect(fx.Memory.CliAsync("CONFIG", "SET", "maxmemory", (used + 100_000).ToString()), "OK");
        try
        {
            // A write that needs more than the headroom is refused with OOM (counted in errorstats).
            await using (var client = RedisFixture.Connect(fx.Memory))
            {
                var oom = await Assert.ThrowsAsync<StackExchange.Redis.RedisServerException>(() => client.GetDatabase().StringSetAsync("big", new string('x', 300_000)));
                Assert.StartsWith("OOM", oom.Message);
            }

            var report = await fx.Preflight.RunAsync(new PreflightRequest(fx.MemoryId));
            var gate = report.HealthGate;
            Assert.False(gate.Allow);
            Assert.Equal(SkipReasons.MemoryAboveThreshold, gate.SkipReason);
            Assert.Equal([SkipReasons.MemoryAboveThreshold, SkipReasons.RecentOom], gate.Reasons);
            Assert.Equal("maxmemory", gate.Signals.MemoryBasis);
            Assert.True(gate.Signals.MemoryPct >= 0.85, $"memoryPct {gate.Signals.MemoryPct}"); // may exceed 1: noeviction lets used_memory pass the limit
            Assert.True(gate.Signals.OomEventsRecent >= 1);
            Assert.Contains(report.WarningDetails, w => w.Code == PreflightWarning.HealthGateClosed && w.Message.Contains("memory_above_threshold"));
            // maxmemory set with the stock "normal 0 0 0" buffer limit: a slow MONITOR reader eats into it.
            Assert.Contains(report.ConfigHazards, h => h.Code == ConfigHazards.UnboundedMonitorBuffer);

            var automated = await fx.Health.CheckAsync(fx.MemoryId);
            Assert.Equal(SkipReasons.MemoryAboveThreshold, automated.SkipReason);
        }
        finally
        {
            await PreflightServersFixture.Expect(fx.Memory.CliAsync("CONFIG", "SET", "maxmemory", "0"), "OK");
        }
    }

    [Fact]
    public async Task Configuration_hazards_are_read_from_the_server()
    {
        var report = await fx.Preflight.RunAsync(new PreflightRequest(fx.HazardsId));
        Assert.True(report.ConfigChecked);
        Assert.Equal("admin", report.Acl.User);
        Assert.True(report.Acl.HasMonitor);
        var codes = report.ConfigHazards.Select(h => h.Code).ToList();
        Assert.Contains(ConfigHazards.DefaultUserOffWithAof, codes);
        Assert.Contains(ConfigHazards.ClientEvictionEnabled, codes);
        Assert.DoesNotContain(ConfigHazards.UnboundedMonitorBuffer, codes); // no maxmemory there
        Assert.Contains(report.Warnings, w => w.Contains("maxmemory-clients is 10%"));

        // The stock servers have none of these.
        var main = await fx.Preflight.RunAsync(new PreflightRequest("default"));
        Assert.Empty(main.ConfigHazards);
    }

    [Fact]
    public async Task A_renamed_MONITOR_is_unsupported_cached_and_forgotten_when_connections_change()
    {
        var report = await fx.Preflight.RunAsync(new PreflightRequest(fx.RenamedId));
        Assert.False(report.MonitorSupported);
        Assert.Contains(report.WarningDetails, w => w.Code == PreflightWarning.MonitorUnsupported);

        var profile = (await fx.Connections.GetAsync(fx.RenamedId))!;
        Assert.Equal(MonitorSupport.Unsupported, fx.MonitorSupport.GetCached(profile)?.State);

        // The live probe agrees: the server does not know the command.
        var live = await fx.MonitorSupport.ProbeLiveAsync(profile);
        Assert.Equal(MonitorSupport.Unsupported, live.State);
        Assert.Contains("unknown command", live.Detail);

        await fx.Create("another connection " + Guid.NewGuid().ToString("N")[..6], fx.Main.Port);
        Assert.Null(fx.MonitorSupport.GetCached(profile));
    }

    [Fact]
    public async Task An_unreachable_server_is_an_error_with_its_text_and_is_never_cached()
    {
        var ex = await Assert.ThrowsAsync<TargetUnreachableException>(() => fx.Preflight.RunAsync(new PreflightRequest(fx.DeadId)));
        Assert.Contains($"127.0.0.1:{fx.DeadPort}", ex.Message);
        Assert.Contains("refused", ex.Message, StringComparison.OrdinalIgnoreCase);

        var probe = await fx.MonitorSupport.ConfirmBeforeStartAsync(fx.DeadId);
        Assert.Equal(MonitorSupport.Unknown, probe.State);
        Assert.Contains("refused", probe.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Null(fx.MonitorSupport.GetCached((await fx.Connections.GetAsync(fx.DeadId))!));
    }

    [Fact]
    public async Task Ops_per_sec_is_measured_from_real_traffic()
    {
        var db = fx.MainClient.GetDatabase();
        using var stop = new CancellationTokenSource();
        var sent = 0L;
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var batch = Enumerable.Range(0, 200).Select(_ => db.StringIncrementAsync("preflight:ops")).ToArray();
                await Task.WhenAll(batch);
                Interlocked.Add(ref sent, batch.Length);
            }
        });
        try
        {
            await Poll.UntilAsync(() => Interlocked.Read(ref sent) > 1000, "the load to run");
            var sw = Stopwatch.StartNew();
            var before = Interlocked.Read(ref sent);
            var estimate = await fx.Preflight.EstimateAsync(new PreflightRequest("default", 10_000));
            var clientRate = (Interlocked.Read(ref sent) - before) / sw.Elapsed.TotalSeconds;
            Assert.True(estimate.OpsPerSec > 500, $"measured {estimate.OpsPerSec} ops/s while the client sent ~{clientRate:0}/s");
            Assert.InRange(estimate.OpsPerSec, clientRate * 0.3, clientRate * 3);
            Assert.Equal((long)Math.Round(estimate.OpsPerSec * 10), estimate.EstimatedLines);
        }
        finally
        {
            stop.Cancel();
            await load;
        }
        var idle = await fx.Preflight.EstimateAsync(new PreflightRequest("default", 10_000));
        Assert.True(idle.OpsPerSec < 50, $"an idle server measured {idle.OpsPerSec} ops/s");
    }

    [Fact]
    public async Task Line_size_comes_from_the_last_capture_on_the_connection()
    {
        var sessions = fx.App.Services.GetRequiredService<CaptureSessionService>();
        var session = await sessions.StartAsync(new StartCaptureRequest { ConnectionId = fx.MemoryId, DurationMs = 60_000, RequestedBy = "preflight tests" });
        await using (var client = RedisFixture.Connect(fx.Memory))
        {
            await RedisProbe.WaitForMonitorAsync(client);
            var db = client.GetDatabase();
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i => db.StringSetAsync($"preflight:line:{i}", new string('v', 40 + i % 7))));
        }
        await Poll.UntilAsync(() => sessions.GetAsync(session.Id), s => s!.LineCount >= 200, "the capture to see the writes");
        var done = (await sessions.StopAsync(session.Id))!;
        Assert.False(done.IsRunning);

        var estimate = await fx.Preflight.EstimateAsync(new PreflightRequest(fx.MemoryId, 60_000));
        Assert.Equal(ThroughputProjection.LineSizeFromLastCapture, estimate.LineSizeSource);
        Assert.Equal(session.Id, estimate.LineSizeSessionId);
        Assert.Equal(Math.Round((double)done.ByteCount / done.LineCount, 1), estimate.AvgLineBytes);
    }
}
