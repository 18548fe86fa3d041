namespace BetterDb.Testing;

/// <summary>
/// One TLS <see cref="RedisCluster"/> (six nodes, <see cref="RedisCluster.StartTlsAsync"/>) for a whole test collection,
/// with certificates of its own from <see cref="TestCertificates"/>: the nodes serve the server certificate and dial each
/// other with the client certificate. An app's connection <c>default</c> is the <c>rediss://</c> seed trusting the CA
/// through <c>BetterDb:DefaultConnectionTls:CaCertificate</c> (a file path), as an operator would configure it.
/// </summary>
public sealed class TlsRedisClusterFixture : RedisClusterFixture
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "betterdb-tls-cluster-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<string, string?> _appSettings = new();

    public TestCertificates Certificates { get; private set; } = null!;

    public override IReadOnlyDictionary<string, string?> AppSettings => _appSettings;

    protected override async Task<RedisCluster> StartClusterAsync()
    {
        Certificates = await TestCertificates.CreateAsync(_directory);
        _appSettings["BetterDb:DefaultConnectionTls:CaCertificate"] = Certificates.CaPath;
        return await RedisCluster.StartTlsAsync(Certificates.ForCluster());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        TestApp.TryDelete(_directory);
    }
}

/// <summary>Tests on the shared TLS cluster run one after another (it starts once for them all).</summary>
[CollectionDefinition(Name)]
public sealed class TlsRedisClusterCollection : ICollectionFixture<TlsRedisClusterFixture>
{
    public const string Name = "redis-cluster-tls";
}
