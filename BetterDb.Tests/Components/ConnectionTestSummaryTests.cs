using BetterDb.Blazor.Ui;
using BetterDb.Core.Connections;

namespace BetterDb.Tests.Components;

/// <summary>The one-line answer of a connection test, as the Connections page and the form show it.</summary>
public sealed class ConnectionTestSummaryTests
{
    [Theory]
    [InlineData(3, 3, 0, "redis 7.0.15 · cluster, 3 primaries, 3 replicas · 0.5 ms")]
    [InlineData(3, 2, 1, "redis 7.0.15 · cluster, 3 primaries, 2 replicas, 1 node unhealthy · 0.5 ms")]
    [InlineData(1, 1, 2, "redis 7.0.15 · cluster, 1 primary, 1 replica, 2 nodes unhealthy · 0.5 ms")]
    public void The_connection_test_summary_counts_a_clusters_nodes(int primaries, int replicas, int unhealthy, string summary)
    {
        var result = new ConnectionTestResult(true, 0.5, "7.0.15", "redis", "cluster", null)
        {
            MonitorAllowed = true,
            Primaries = primaries,
            Replicas = replicas,
            UnhealthyNodes = unhealthy,
        };

        Assert.Equal(summary, new ConnectionTestState(result).Summary);
        Assert.Equal("redis 7.0.15 · cluster · 0.5 ms", new ConnectionTestState(result with { Primaries = null }).Summary); // nodes not readable
    }
}
