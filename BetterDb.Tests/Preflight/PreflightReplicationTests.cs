using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;
using BetterDb.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BetterDb.Tests.Preflight;

/// <summary>
/// A primary, a replica following it on another port, and an orphan replica whose primary
/// does not exist; the app's connection <c>default</c> is the primary. The replication-lag
/// threshold is lowered to 256 KB so a stalled replica crosses it with a few writes.
/// </summary>
public sealed class ReplicationFixture : IAsyncLifetime
{
    public const long LagThreshold = 262_144;

    public RedisServer Primary { get; private set; } = null!;
    public RedisServer Replica { get; private set; } = null!;
    public RedisServer Orphan { get; private set; } = null!;
    public TestApp App { get; private set; } = null!;
    public ConnectionMultiplexer PrimaryClient { get; private set; } = null!;
    public string ReplicaId { get; private set; } = "";
    public string OrphanId { get; private set; } = "";

    public HealthGateService Health => App.Services.GetRequiredService<HealthGateService>();
    public PreflightService Preflight => App.Services.GetRequiredService<PreflightService>();

    public async Task InitializeAsync()
    {
        var lifetime = TimeSpan.FromMinutes(15);
        Primary = await RedisServer.StartAsync(lifetime, "--repl-diskless-sync-delay", "0");
        var replica = RedisServer.StartAsync(lifetime, "--replicaof", "127.0.0.1", Primary.Port.ToString(), "--enable-debug-command", "yes");
        var orphan = RedisServer.StartAsync(lifetime, "--replicaof", "127.0.0.1", RedisServer.FreePort().ToString());
        (Replica, Orphan) = (await replica, await orphan);
        PrimaryClient = RedisFixture.Connect(Primary);

        App = new TestApp(Primary.Url, settings: new Dictionary<string, string?>
        {
            ["BetterDb:HealthGate:ReplicationLagBytes"] = LagThreshold.ToString(),
        });
        _ = App.Services;
        Preflight.SampleWindow = TimeSpan.FromMilliseconds(300);
        var connections = App.Services.GetRequiredService<ConnectionService>();
        ReplicaId = (await connections.CreateAsync(new ConnectionInput("replica", "127.0.0.1", Replica.Port, null, null, false, 0))).Id;
        OrphanId = (await connections.CreateAsync(new ConnectionInput("orphan", "127.0.0.1", Orphan.Port, null, null, false, 0))).Id;

        await Poll.UntilAsync(() => Replica.CliAsync("INFO", "replication"), i => i.Contains("master_link_status:up"),
            "the replica to sync with its primary", TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        if (App is not null) await App.DisposeAsync();
        if (PrimaryClient is not null) await PrimaryClient.DisposeAsync();
        foreach (var s in new[] { Primary, Replica, Orphan })
            if (s is not null) await s.DisposeAsync();
    }
}

public sealed class PreflightReplicationTests(ReplicationFixture fx) : IClassFixture<ReplicationFixture>
{
    [Fact]
    public async Task A_replica_reads_its_link_status_and_its_lag_from_the_primary()
    {
        await fx.PrimaryClient.GetDatabase().StringSetAsync("preflight:repl", "x");
        var gate = await fx.Health.CheckAsync(fx.ReplicaId);

        Assert.Equal("slave", gate.Signals.Role);
        Assert.False(gate.Signals.FailoverInProgress, gate.Signals.FailoverDetail);
        Assert.Equal("primary_offset", gate.Signals.ReplicationLagSource);
        Assert.InRange(gate.Signals.ReplicationLagBytes, 0, ReplicationFixture.LagThreshold - 1);
        Assert.True(gate.Allow, string.Join(" ", gate.Detail));

        var report = await fx.Preflight.RunAsync(new PreflightRequest(fx.ReplicaId));
        Assert.Equal("primary_offset", report.HealthGate.Signals.ReplicationLagSource);
        Assert.DoesNotContain(report.Notes, n => n.Contains("could not be asked"));
    }

    [Fact]
    public async Task The_primary_sees_a_stalled_replica_fall_behind_and_closes_the_gate()
    {
        // The replica sleeps: it cannot acknowledge, so the primary's view of its offset stands still.
        var sleeping = fx.Replica.CliAsync("DEBUG", "SLEEP", "4");
        try
        {
            await Task.Delay(300);
            var db = fx.PrimaryClient.GetDatabase();
            var value = new string('r', 100_000);
            await Task.WhenAll(Enumerable.Range(0, 8).Select(i => db.StringSetAsync($"preflight:lag:{i}", value)));

            var gate = await fx.Health.CheckAsync("default");
            Assert.Equal("master", gate.Signals.Role);
            Assert.Equal("replicas", gate.Signals.ReplicationLagSource);
            Assert.True(gate.Signals.ReplicationLagBytes >= 800_000, $"lag {gate.Signals.ReplicationLagBytes}");
            Assert.False(gate.Allow);
            Assert.Equal(SkipReasons.ReplicationLagAboveThreshold, gate.SkipReason);
            Assert.Equal(ReplicationFixture.LagThreshold, gate.Thresholds.ReplicationLagThresholdBytes);
        }
        finally
        {
            await sleeping;
        }
        // Awake again, it catches up and the gate opens.
        await Poll.UntilAsync(() => fx.Health.CheckAsync("default"), g => g.Allow, "the replica to catch up", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_replica_without_its_primary_is_a_failover_and_a_role_change_is_remembered()
    {
        var down = await fx.Health.CheckAsync(fx.OrphanId);
        Assert.True(down.Signals.FailoverInProgress);
        Assert.Contains("master_link_status:", down.Signals.FailoverDetail);
        Assert.Equal(SkipReasons.FailoverInProgress, down.SkipReason);
        Assert.Equal("primary_not_visible", down.Signals.ReplicationLagSource);

        // Promoted: the link is gone, but the role changed moments ago, which is a failover in progress.
        await PreflightServersFixture.Expect(fx.Orphan.CliAsync("REPLICAOF", "NO", "ONE"), "OK");
        var promoted = await fx.Health.CheckAsync(fx.OrphanId);
        Assert.Equal("master", promoted.Signals.Role);
        Assert.True(promoted.Signals.FailoverInProgress);
        Assert.Contains("role changed from replica to primary", promoted.Signals.FailoverDetail);
        Assert.Equal(SkipReasons.FailoverInProgress, promoted.SkipReason);
    }
}
