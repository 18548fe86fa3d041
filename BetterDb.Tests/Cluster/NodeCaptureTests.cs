using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Testing;
using StackExchange.Redis;

namespace BetterDb.Tests.Cluster;

/// <summary>
/// Issue 18 item 2 on a real six-node cluster: a capture of one node (<c>targetNodeId</c>) reads that node's MONITOR
/// with the connection's credentials, records <c>targetNode</c> and attributes its lines to it; one running capture per
/// node; pre-flight checks the node itself. Roles are looked up afresh (another test of the collection may fail over).
/// </summary>
[Collection("redis-cluster")]
public sealed class NodeCaptureTests(RedisClusterFixture fx) : ClusterAppTest(fx)
{
    [Fact]
    public async Task A_capture_of_one_primary_sees_exactly_the_writes_to_its_slots()
    {
        var primary = (await Fx.Cluster.PrimariesAsync())[1];
        var nodeId = await RedisCluster.NodeIdAsync(primary);
        var session = await Api.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, targetNodeId = nodeId });
        await RedisCluster.WaitForMonitorsAsync(primary, 1);

        var keys = Enumerable.Range(0, 60).Select(i => $"nc:{i}").ToArray();
        var db = Client.GetDatabase();
        foreach (var k in keys) await db.StringSetAsync(k, "v");
        var owned = keys.Where(k => OwnerPort(k) == primary.Port).ToHashSet();
        Assert.InRange(owned.Count, 5, 55); // the keys spread over the three primaries

        var lines = await Api.WaitForLinesAsync(session.Id, ls => ls.Count(l => l.Cmd == "SET" && l.Keys.Any(owned.Contains)) >= owned.Count, "the node's writes");
        await Api.StopAsync(session.Id);

        var captured = lines.Where(l => l.Cmd == "SET").SelectMany(l => l.Keys).Where(k => k.StartsWith("nc:")).ToList();
        Assert.Equal(owned.Order(), captured.Order());
        Assert.All(lines, l => Assert.Equal(nodeId, l.NodeId));
        var stored = await Api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{session.Id}");
        Assert.Equal(nodeId, stored.GetProperty("targetNode").GetString());
        Assert.Equal("completed", stored.GetProperty("status").GetString());
    }

    [Fact]
    public async Task One_capture_per_node_while_another_node_can_start_and_a_node_can_be_named_by_address()
    {
        var primaries = await Fx.Cluster.PrimariesAsync();
        var first = await RedisCluster.NodeIdAsync(primaries[0]);
        var a = await Api.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, targetNodeId = first });
        try
        {
            using (var again = await Api.PostJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 60_000, targetNodeId = first }))
            {
                await BetterDbApi.ExpectAsync(again, HttpStatusCode.Conflict);
                var problem = await again.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(a.Id, problem.GetProperty("runningSessionId").GetString());
                Assert.Contains(first, problem.GetProperty("detail").GetString());
            }
            // Another node, named by the address the cluster announces, is free.
            var b = await Api.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, targetNodeId = $"127.0.0.1:{primaries[2].Port}" });
            Assert.Equal(await RedisCluster.NodeIdAsync(primaries[2]), (await Api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{b.Id}")).GetProperty("targetNode").GetString());
            await RedisCluster.WaitForMonitorsAsync(primaries[2], 1);
            Assert.Equal(1, await RedisCluster.MonitorsAsync(primaries[0]));
            await Api.StopAsync(b.Id);
        }
        finally
        {
            await Api.StopAsync(a.Id);
        }
    }

    [Fact]
    public async Task A_replica_is_captured_when_named_and_its_lines_are_the_replicated_writes()
    {
        var primaries = await Fx.Cluster.PrimariesAsync();
        var replica = Fx.Cluster.Servers.First(s => !s.HasExited && !primaries.Contains(s));
        var nodeId = await RedisCluster.NodeIdAsync(replica);
        var session = await Api.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, targetNodeId = nodeId });
        await RedisCluster.WaitForMonitorsAsync(replica, 1);
        // A write to a key its primary owns reaches the replica through replication, and its MONITOR shows it.
        var primaryPort = int.Parse((await replica.CliAsync("ROLE")).Split('\n')[2].Trim());
        var key = Enumerable.Range(0, 500).Select(i => $"nr:{i}").First(k => OwnerPort(k) == primaryPort);
        await Client.GetDatabase().StringSetAsync(key, "replicated");
        var lines = await Api.WaitForLinesAsync(session.Id, ls => ls.Any(l => l.Keys.Contains(key)), "the replicated write");
        await Api.StopAsync(session.Id);
        Assert.Contains(lines, l => l.Cmd == "SET" && l.Args.SequenceEqual([key, "replicated"]));
    }

    [Fact]
    public async Task A_node_that_is_not_in_the_cluster_or_a_standalone_server_is_a_clear_400()
    {
        using (var unknown = await Api.PostJsonAsync("/api/monitor/sessions", new { connectionId = "default", targetNodeId = "0123456789abcdef" }))
        {
            await BetterDbApi.ExpectAsync(unknown, HttpStatusCode.BadRequest);
            var problem = await unknown.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("targetNodeId", problem.GetProperty("field").GetString());
            Assert.Contains("has no node '0123456789abcdef'", problem.GetProperty("detail").GetString());
            Assert.Contains(await RedisCluster.NodeIdAsync(Fx.Cluster.Seed), problem.GetProperty("detail").GetString()); // lists the nodes
        }

        await using var standalone = await RedisServer.StartAsync(TimeSpan.FromMinutes(5));
        var connection = await Api.CreateConnectionAsync("standalone", standalone.Port);
        using var refused = await Api.PostJsonAsync("/api/monitor/sessions", new { connectionId = connection.Id, targetNodeId = "0123456789abcdef" });
        await BetterDbApi.ExpectAsync(refused, HttpStatusCode.BadRequest);
        var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains("is not a cluster", detail);
        Assert.Empty(await Api.Http.GetFromJsonAsync<JsonElement[]>($"/api/monitor/sessions?connectionId={connection.Id}") ?? []);
    }

    [Fact]
    public async Task The_preflight_of_a_node_reads_that_node()
    {
        var primary = (await Fx.Cluster.PrimariesAsync())[2];
        var nodeId = await RedisCluster.NodeIdAsync(primary);
        // Only this node is busy: its INFO (not the seed's) carries the writes.
        var db = Client.GetDatabase();
        var key = Enumerable.Range(0, 500).Select(i => $"np:{i}").First(k => OwnerPort(k) == primary.Port);
        using var load = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var writer = Task.Run(async () =>
        {
            while (!load.IsCancellationRequested) await db.StringIncrementAsync(key);
        });
        try
        {
            using var response = await Api.PostJsonAsync("/api/monitor/sessions/preflight", new { connectionId = "default", targetNodeId = nodeId });
            await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
            var report = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(nodeId, report.GetProperty("targetNode").GetString());
            Assert.True(report.GetProperty("estimate").GetProperty("opsPerSec").GetDouble() > 50, report.GetProperty("estimate").ToString());
        }
        finally
        {
            await load.CancelAsync();
            await writer;
        }
    }

}

/// <summary>Fault injection on a cluster of its own (three primaries): the node a capture reads is killed mid-capture.</summary>
public sealed class NodeCaptureFaultTests
{
    [Fact]
    public async Task Killing_the_captured_node_ends_its_session_failed_naming_the_node_and_keeps_every_line_it_sent()
    {
        await using var cluster = await RedisCluster.StartAsync(TimeSpan.FromMinutes(5), nodes: 3);
        await using var app = new TestApp(cluster.Seed.Url);
        var api = new BetterDbApi(app.CreateClient());
        var victim = cluster.Servers[2];
        var nodeId = await RedisCluster.NodeIdAsync(victim);
        var session = await api.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, targetNodeId = nodeId });

        var keys = new List<string>();
        for (var i = 0; keys.Count < 20; i++)
        {
            var key = $"nk:{i}";
            if (await cluster.OwnerOfAsync(key) != victim) continue;
            await victim.CliAsync("SET", key, "before-the-crash");
            keys.Add(key);
        }
        await api.WaitForLinesAsync(session.Id, ls => ls.Count(l => l.Cmd == "SET") >= keys.Count, "the writes before the crash");
        victim.Kill();

        var ended = await api.WaitForEndAsync(session.Id, TimeSpan.FromSeconds(30));
        Assert.Equal("failed", ended.Status);
        Assert.StartsWith("source_error", ended.TerminationReason);
        var lines = await api.ReadAllLinesAsync(session.Id);
        Assert.Equal(keys.Order(), lines.Where(l => l.Cmd == "SET").SelectMany(l => l.Keys).Order());
        // The other nodes are untouched: a capture of one of them starts at once.
        var other = await RedisCluster.NodeIdAsync(cluster.Servers[0]);
        var next = await api.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, targetNodeId = other });
        Assert.Equal("running", next.Status);
        await api.StopAsync(next.Id);
    }
}
