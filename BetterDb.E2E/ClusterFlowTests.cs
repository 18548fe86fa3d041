using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BetterDb.E2E.Infrastructure;
using BetterDb.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>Issue 18 item 2 in Chromium: on a cluster connection the start dialog picks the node, and the capture shows that node's commands.</summary>
public sealed class ClusterFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    /// <summary>A connection to the cluster's seed; its id.</summary>
    private async Task<string> AddConnectionAsync(string name, RedisCluster cluster)
    {
        using var created = await App.Http.PostAsJsonAsync("/api/connections", new { name, host = "127.0.0.1", port = cluster.Seed.Port });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task The_start_dialog_of_a_cluster_connection_captures_the_node_chosen()
    {
        await using var cluster = await RedisCluster.StartAsync(TimeSpan.FromMinutes(10));
        var connectionId = await AddConnectionAsync($"cluster-{Run}", cluster);
        var target = (await cluster.PrimariesAsync())[1];
        var nodeId = await RedisCluster.NodeIdAsync(target);

        var p = await OpenAsync();
        await p.GotoAsync($"/monitor?c={connectionId}");
        await p.TestId("start-session").ClickAsync();
        await Expect(p.TestId("target-node")).ToBeVisibleAsync();
        await p.TestId("target-node").ClickAsync();
        await Expect(p.TestId("target-node-option")).ToHaveCountAsync(7); // every primary at once, then the six nodes
        await ShotBothThemesAsync(p, "01-node-list");
        await p.Page.Locator($"[data-testid=target-node-option][data-node-id='{nodeId}']").ClickAsync();
        await Expect(p.TestId("target-node")).ToContainTextAsync($"127.0.0.1:{target.Port}");
        await Expect(p.TestId("start-confirm")).ToBeEnabledAsync(new() { Timeout = 20_000 });
        await ShotBothThemesAsync(p, "02-node-chosen");
        await p.TestId("start-confirm").ClickAsync();

        await p.Page.WaitForURLAsync(new Regex(@"/monitor/sessions/[^/?#]+$"));
        var id = new Uri(p.Page.Url).Segments[^1];
        await Expect(p.TestId("session-node")).ToHaveAttributeAsync("data-node-id", nodeId);
        await Expect(p.TestId("session-node")).ToContainTextAsync($"node {nodeId[..8]} at 127.0.0.1:{target.Port}");
        // A key this node serves appears in the tail; one another primary serves does not.
        var keys = Enumerable.Range(0, 200).Select(i => $"e2e:{Run}:node:{i}").ToList();
        string? mine = null, other = null;
        foreach (var k in keys)
        {
            var owner = await cluster.OwnerOfAsync(k);
            if (owner == target) mine ??= k;
            else other ??= k;
            if (mine is not null && other is not null) break;
        }
        await cluster.ClusterCliAsync("SET", other!, "elsewhere");
        await cluster.ClusterCliAsync("SET", mine!, "here");
        await Expect(p.TestId("tail-line").Filter(new() { HasText = mine }).Filter(new() { HasText = "here" })).ToHaveCountAsync(1);
        await Expect(p.TestId("tail-line").Filter(new() { HasText = mine })).ToHaveCountAsync(1);
        await Expect(p.TestId("tail-line").Filter(new() { HasText = other })).ToHaveCountAsync(0);
        await ShotBothThemesAsync(p, "03-node-capture");
        await p.TestId("stop-session").ClickAsync();
        var stored = await App.GetSessionAsync(id);
        Assert.Equal(nodeId, stored.GetProperty("targetNode").GetString());
    }

    [Fact]
    public async Task A_fan_out_started_in_the_browser_shows_each_lines_node_and_a_segment_per_primary()
    {
        await using var cluster = await RedisCluster.StartAsync(TimeSpan.FromMinutes(10));
        var connectionId = await AddConnectionAsync($"fan-out-{Run}", cluster);
        var primaries = await cluster.PrimariesAsync();

        var p = await OpenAsync();
        await p.GotoAsync($"/monitor?c={connectionId}");
        await p.TestId("start-session").ClickAsync();
        await p.TestId("target-node").ClickAsync();
        await p.Page.Locator("[data-testid=target-node-option][data-node-id='*']").ClickAsync();
        await Expect(p.TestId("target-node")).ToContainTextAsync("Every primary at once");
        await Expect(p.TestId("start-confirm")).ToBeEnabledAsync(new() { Timeout = 20_000 });
        await p.TestId("start-confirm").ClickAsync();

        await p.Page.WaitForURLAsync(new Regex(@"/monitor/sessions/[^/?#]+$"));
        var id = new Uri(p.Page.Url).Segments[^1];
        await Expect(p.TestId("node-segment")).ToHaveCountAsync(3);
        foreach (var primary in primaries) await RedisCluster.WaitForMonitorsAsync(primary, 1);
        // One key on each primary: each line shows the node that ran it.
        var written = new Dictionary<string, string>();
        for (var i = 0; written.Count < 3; i++)
        {
            var key = $"e2e:{Run}:fan:{i}";
            var owner = await cluster.OwnerOfAsync(key);
            var ownerId = await RedisCluster.NodeIdAsync(owner);
            if (written.ContainsValue(ownerId)) continue;
            await owner.CliAsync("SET", key, "v");
            written[key] = ownerId;
        }
        foreach (var (key, owner) in written)
            await Expect(p.TestId("tail-line").Filter(new() { HasText = key }).GetByTestId("tail-line-node")).ToHaveTextAsync(owner[..8]);
        await ShotBothThemesAsync(p, "04-fan-out-live");
        await p.TestId("stop-session").ClickAsync();
        await Expect(p.Page.Locator("[data-testid=node-segment][data-status=completed]")).ToHaveCountAsync(3);
        await ShotBothThemesAsync(p, "05-fan-out-stopped");
        // One node's lines: picked in the filter bar, every row then shows that node.
        var (oneKey, oneNode) = written.First();
        await p.TestId("filter-node").ClickAsync();
        await p.Page.Locator($"[data-testid=filter-node-option][data-node-id='{oneNode}']").ClickAsync();
        await p.TestId("filter-apply").ClickAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex($"node={oneNode}"));
        await Expect(p.TestId("tail-line").Filter(new() { HasText = oneKey })).ToHaveCountAsync(1);
        foreach (var other in written.Where(w => w.Value != oneNode))
            await Expect(p.TestId("tail-line").Filter(new() { HasText = other.Key })).ToHaveCountAsync(0);
        var nodes = await p.TestId("tail-line-node").AllInnerTextsAsync();
        Assert.NotEmpty(nodes);
        Assert.All(nodes, n => Assert.Equal(oneNode[..8], n.Trim()));
        await ShotBothThemesAsync(p, "06-fan-out-one-node");
        var stored = await App.GetSessionAsync(id);
        Assert.Equal(3, stored.GetProperty("nodeSegments").GetArrayLength());
    }
}
