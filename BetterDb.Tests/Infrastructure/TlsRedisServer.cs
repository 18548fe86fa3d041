using BetterDb.Core.Connections;
using StackExchange.Redis;

namespace BetterDb.Testing;

/// <summary>
/// A real redis-server with a TLS port next to its plain one: the plain port serves the readiness check,
/// admin probes and the "TLS against a plain port" case; the TLS port uses a certificate from
/// <see cref="TestCertificates"/>. Like <see cref="RedisServer"/> it runs under <c>timeout</c>.
/// </summary>
public sealed class TlsRedisServer : IAsyncDisposable
{
    private TlsRedisServer(RedisServer server, int tlsPort, TestCertificates certificates, bool requireClientCertificates)
    {
        Server = server;
        TlsPort = tlsPort;
        Certificates = certificates;
        RequiresClientCertificates = requireClientCertificates;
    }

    /// <summary>The server with its plain-text <see cref="RedisServer.Port"/>.</summary>
    public RedisServer Server { get; }
    public int TlsPort { get; }
    public int PlainPort => Server.Port;
    public TestCertificates Certificates { get; }
    public bool RequiresClientCertificates { get; }

    /// <param name="requireClientCertificates"><c>tls-auth-clients yes</c> when true, <c>no</c> otherwise.</param>
    public static async Task<TlsRedisServer> StartAsync(TestCertificates certificates, bool requireClientCertificates, TimeSpan? maxLifetime = null)
    {
        var tlsPort = RedisServer.FreePort();
        var server = await RedisServer.StartAsync(maxLifetime ?? TimeSpan.FromMinutes(20),
            RedisServer.TlsArgs(tlsPort, certificates.CaPath, certificates.ServerCertificatePath, certificates.ServerKeyPath, requireClientCertificates));
        return new TlsRedisServer(server, tlsPort, certificates, requireClientCertificates);
    }

    /// <summary>A profile for the TLS port trusting the test CA (and presenting the client certificate when the server requires one).</summary>
    public ConnectionProfile Profile(string host = "localhost") => new()
    {
        Id = "tls-" + Guid.NewGuid().ToString("N")[..8],
        Name = "tls",
        Host = host,
        Port = TlsPort,
        Tls = true,
        CaCertificate = Certificates.Ca,
        ClientCertificate = RequiresClientCertificates ? Certificates.ClientCertificate : null,
        ClientKey = RequiresClientCertificates ? Certificates.ClientKey : null,
    };

    /// <summary>A StackExchange.Redis client over TLS, trusting the test CA, for test traffic that should travel encrypted too.</summary>
    public async Task<ConnectionMultiplexer> ConnectTlsClientAsync()
    {
        var options = ConfigurationOptions.Parse($"localhost:{TlsPort},abortConnect=false,connectTimeout=5000,syncTimeout=15000,asyncTimeout=15000");
        options.Ssl = true;
        options.SslHost = "localhost";
        options.TrustIssuer(Certificates.CaPath);
        if (RequiresClientCertificates)
            options.CertificateSelection += (_, _, _, _, _) =>
                System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(Certificates.ClientCertificatePath, Certificates.ClientKeyPath);
        var client = await ConnectionMultiplexer.ConnectAsync(options);
        await client.GetDatabase().PingAsync();
        return client;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>
/// For the TLS tests: one CA, a server without client authentication, one with <c>tls-auth-clients yes</c>,
/// and the app in-process whose connection <c>default</c> is <c>rediss://localhost:port</c> trusting the CA
/// through <c>BetterDb:DefaultConnectionTls:CaCertificate</c> (a file path).
/// </summary>
public sealed class TlsRedisFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "betterdb-tls-" + Guid.NewGuid().ToString("N")[..12]);

    public TestCertificates Certificates { get; private set; } = null!;
    public TlsRedisServer Tls { get; private set; } = null!;
    public TlsRedisServer ClientAuth { get; private set; } = null!;
    public TestApp App { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public BetterDbApi Api { get; private set; } = null!;

    /// <summary>Admin commands on <see cref="Tls"/> over its plain port (CLIENT LIST and the like).</summary>
    public ConnectionMultiplexer Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Certificates = await TestCertificates.CreateAsync(_directory);
        var tls = TlsRedisServer.StartAsync(Certificates, requireClientCertificates: false);
        var clientAuth = TlsRedisServer.StartAsync(Certificates, requireClientCertificates: true);
        (Tls, ClientAuth) = (await tls, await clientAuth);
        Admin = RedisFixture.Connect(Tls.Server);
        App = new TestApp($"rediss://localhost:{Tls.TlsPort}", settings: new Dictionary<string, string?>
        {
            ["BetterDb:DefaultConnectionTls:CaCertificate"] = Certificates.CaPath,
        });
        Http = App.CreateClient();
        Api = new BetterDbApi(Http);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (App is not null) await App.DisposeAsync();
        if (Admin is not null) await Admin.DisposeAsync();
        if (Tls is not null) await Tls.DisposeAsync();
        if (ClientAuth is not null) await ClientAuth.DisposeAsync();
        TestApp.TryDelete(_directory);
    }
}

[CollectionDefinition(Name)]
public sealed class TlsCollection : ICollectionFixture<TlsRedisFixture>
{
    public const string Name = "tls (redis-server with TLS + app)";
}
