using System.Net;
using BetterDb.Testing;
using StackExchange.Redis;

namespace BetterDb.Tests.Cluster;

/// <summary>
/// A test of the shared cluster through the app: its connection <c>default</c> points at the seed, and a cluster-aware
/// client (it follows MOVED) writes the traffic. Each test waits for a healthy cluster first (another may have failed over).
/// </summary>
public abstract class ClusterAppTest(RedisClusterFixture fx) : IAsyncLifetime
{
    protected RedisClusterFixture Fx { get; } = fx;
    protected TestApp App { get; private set; } = null!;
    protected BetterDbApi Api { get; private set; } = null!;
    protected ConnectionMultiplexer Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Fx.Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        App = new TestApp(Fx.SeedUrl);
        Api = new BetterDbApi(App.CreateClient());
        Client = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Fx.Cluster.Seed.Port},abortConnect=false,connectTimeout=5000");
    }

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        await App.DisposeAsync();
    }

    /// <summary>The port of the primary that serves <paramref name="key"/>'s slot, as the client sees the cluster.</summary>
    protected int OwnerPort(string key) =>
        ((IPEndPoint)Client.GetServer(Client.GetEndPoints()[0]).ClusterConfiguration!.GetBySlot(key)!.EndPoint!).Port;
}
