using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.E2E.Infrastructure;
using BetterDb.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>Issue 18 item 1 in the browser: a cluster connection's test counts its nodes, and its nodes are listed in a dialog.</summary>
public sealed class ClusterNodesFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    [Fact]
    public async Task A_cluster_connection_is_tested_and_its_nodes_are_shown()
    {
        await using var cluster = await RedisCluster.StartAsync(TimeSpan.FromMinutes(10));
        var created = await App.Http.PostAsJsonAsync("/api/connections", new { name = $"cluster-{Run}", host = "127.0.0.1", port = cluster.Seed.Port });
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        try
        {
            // A replica says "loading" until it has synced: wait for a cluster whose every node is online.
            await EventuallyAsync(async () => (await App.Http.GetFromJsonAsync<JsonElement>($"/api/connections/{id}/nodes")).GetProperty("unhealthy").GetInt32() == 0,
                TimeSpan.FromSeconds(30), "every node online");
            var p = await OpenAsync();
            await p.GotoAsync("/connections");
            var row = p.Page.Locator($"[data-testid=connection-row][data-connection-id='{id}']");

            await row.GetByTestId("test-connection").ClickAsync();
            await Expect(row.GetByTestId("test-result")).ToContainTextAsync("cluster, 3 primaries, 3 replicas");
            await ShotBothThemesAsync(p, "01-tested");

            await row.GetByTestId("connection-nodes").ClickAsync();
            var nodes = p.TestId("cluster-node");
            await Expect(nodes).ToHaveCountAsync(6);
            await Expect(p.TestId("nodes-summary")).ToContainTextAsync("3 primaries, 3 replicas");
            Assert.Equal(["primary", "replica", "primary", "replica", "primary", "replica"],
                await nodes.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.role)"));
            await Expect(nodes.First.GetByTestId("node-slots")).ToContainTextAsync("0-5460 (5,461 slots)");
            await Expect(p.TestId("node-health").Filter(new() { HasText = "online" })).ToHaveCountAsync(6);
            await ShotBothThemesAsync(p, "02-nodes");
            Assert.Empty(p.Problems);
        }
        finally
        {
            await App.Http.DeleteAsync($"/api/connections/{id}");
        }
    }
}
