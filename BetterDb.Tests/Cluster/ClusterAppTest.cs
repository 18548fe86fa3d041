using System.Net;
using BetterDb.Testing;
using StackExchange.Redis;

namespace BetterDb.Tests.Cluster;

/// <summary>
/// A test of the shared cluster through the app: its connection <c>default</c> points at the seed, and a cluster-aware
/// client (it follows MOVED) writes the traffic; on a TLS cluster both go over TLS, trusting the cluster's CA. Each test
/// waits for a healthy cluster first (another may have failed over).
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
        App = new TestApp(Fx.SeedUrl, settings: Fx.AppSettings);
        Api = new BetterDbApi(App.CreateClient());
        var options = ConfigurationOptions.Parse($"127.0.0.1:{Fx.Cluster.ClientPortOf(Fx.Cluster.Seed)},abortConnect=false,connectTimeout=5000");
        if (Fx.Cluster.Tls is { } tls)
        {
            options.Ssl = true;
            options.TrustIssuer(tls.CaPath);
        }
        Client = await ConnectionMultiplexer.ConnectAsync(options);
    }

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        await App.DisposeAsync();
    }

    /// <summary>The port of the primary that serves <paramref name="key"/>'s slot, as the client sees the cluster (a TLS port on a TLS cluster).</summary>
    protected int OwnerPort(string key) =>
        ((IPEndPoint)Client.GetServer(Client.GetEndPoints()[0]).ClusterConfiguration!.GetBySlot(key)!.EndPoint!).Port;
}
