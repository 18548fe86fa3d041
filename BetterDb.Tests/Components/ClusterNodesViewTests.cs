using BetterDb.Blazor.Components.Connections;
using BetterDb.Blazor.Components.Pages;
using BetterDb.Core.Connections;
using BetterDb.Testing;
using BetterDb.Tests.Connections;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace BetterDb.Tests.Components;

/// <summary>The cluster nodes dialog of the Connections page, and the table it shows (the cluster itself: see ClusterNodesFlowTests in E2E).</summary>
public sealed class ClusterNodesViewTests : ComponentTestContext
{
    [Fact]
    public void After_a_failover_the_table_shows_who_follows_whom_the_slots_and_the_failed_primary()
    {
        var nodes = ClusterTopology.Order(ClusterShardsParser.Parse(ClusterTopologyParserTests.Recorded("shards-failover.resp"), tls: false));

        var cut = Ctx.Render<ClusterNodesTable>(p => p.Add(t => t.Nodes, nodes));

        var rows = cut.FindAll("[data-testid=cluster-node]");
        Assert.Equal(["primary", "replica", "primary", "primary", "replica", "primary"], rows.Select(r => r.GetAttribute("data-role")));
        var replica = rows[1].QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
        Assert.Equal(["1150aa7e", "127.0.0.1:17005", "replica", "3c21125c (127.0.0.1:17001)", ""], replica.Take(5));
        Assert.Equal("5461-10922 (5,462 slots)", rows[2].QuerySelector("[data-testid=node-slots]")!.TextContent.Trim());
        var failed = rows[^1];
        Assert.Equal(("fail", "none"), (failed.GetAttribute("data-health"), failed.QuerySelector("[data-testid=node-slots]")!.TextContent.Trim()));
        Assert.Contains("fail", failed.QuerySelector("[data-testid=node-health]")!.TextContent);
    }

    private IRenderedComponent<IComponent> RenderPage() => Ctx.Render(builder =>
    {
        builder.OpenComponent<MudPopoverProvider>(0);
        builder.CloseComponent();
        builder.OpenComponent<MudDialogProvider>(1);
        builder.CloseComponent();
        builder.OpenComponent<ConnectionsPage>(2);
        builder.CloseComponent();
    });

    private async Task<IRenderedComponent<IComponent>> OpenNodesAsync(string connectionId)
    {
        var cut = RenderPage();
        var row = await cut.WaitForElementAsync($"[data-testid=connection-row][data-connection-id='{connectionId}']", Patience);
        await row.QuerySelector("[data-testid=connection-nodes]")!.ClickAsync(new MouseEventArgs());
        return cut;
    }

    [Fact]
    public async Task An_unreachable_connection_says_why_its_nodes_could_not_be_read()
    {
        var cut = await OpenNodesAsync("default"); // a closed port

        var error = await cut.WaitForElementAsync("[data-testid=nodes-error]", Patience);
        Assert.Contains("refused", error.TextContent, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_standalone_server_is_said_to_have_no_nodes()
    {
        await using var server = await RedisServer.StartAsync(TimeSpan.FromMinutes(5));
        var created = await Service<ConnectionService>().CreateAsync(new ConnectionInput("single", "127.0.0.1", server.Port, null, null, false, 0));

        var cut = await OpenNodesAsync(created.Id);

        var text = await cut.WaitForElementAsync("[data-testid=nodes-standalone]", Patience);
        Assert.Contains("standalone server, not a cluster", text.TextContent);
        Assert.Empty(cut.FindAll("[data-testid=cluster-node]"));
    }
}
