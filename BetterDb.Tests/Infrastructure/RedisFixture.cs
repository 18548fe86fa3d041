using StackExchange.Redis;

namespace BetterDb.Testing;

/// <summary>
/// One real redis-server for a whole test collection (xunit collection fixture):
/// started once before the collection's first test, stopped after its last.
/// Tests in one collection run one after another, so they may count on being the
/// only traffic on it; they still tag their keys so MONITOR noise (the client's own
/// handshake, INFO, ECHO) never confuses an assertion.
/// </summary>
public class RedisFixture : IAsyncLifetime
{
    private ConnectionMultiplexer? _client;

    public RedisServer Server { get; protected set; } = null!;

    public string Url => Server.Url;

    /// <summary>A StackExchange.Redis client with admin commands allowed, created on first use.</summary>
    public ConnectionMultiplexer Client => _client ??= Connect(Server);

    public static ConnectionMultiplexer Connect(RedisServer server) =>
        ConnectionMultiplexer.Connect($"127.0.0.1:{server.Port},allowAdmin=true,abortConnect=false,connectTimeout=5000,syncTimeout=15000,asyncTimeout=15000");

    public virtual async Task InitializeAsync() => Server = await RedisServer.StartAsync(TimeSpan.FromMinutes(20));

    public virtual async Task DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        if (Server is not null) await Server.DisposeAsync();
    }
}

/// <summary>A redis-server plus the web app in-process (TestServer) whose connection <c>default</c> points at it.</summary>
public class RedisAppFixture : RedisFixture
{
    public TestApp App { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public BetterDbApi Api { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        App = new TestApp(Url);
        Http = App.CreateClient();
        Api = new BetterDbApi(Http);
    }

    public override async Task DisposeAsync()
    {
        Http?.Dispose();
        if (App is not null) await App.DisposeAsync();
        await base.DisposeAsync();
    }
}

// One definition per collection: each gets its own redis-server (and app), and the
// collections run in parallel with each other.
[CollectionDefinition(Name)]
public sealed class CaptureContentCollection : ICollectionFixture<RedisAppFixture>
{
    public const string Name = "capture content (redis + app)";
}

[CollectionDefinition(Name)]
public sealed class CaptureLifecycleCollection : ICollectionFixture<RedisAppFixture>
{
    public const string Name = "capture lifecycle (redis + app)";
}

[CollectionDefinition(Name)]
public sealed class RestartCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "app restart (redis)";
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<RedisAppFixture>
{
    public const string Name = "api contract (redis + app)";
}
