using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;
using BetterDb.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BetterDb.Tests.Preflight;

/// <summary>
/// Real servers for the pre-flight, started once for the test class: <see cref="Main"/> (with
/// ACL users <c>capture</c>: everything but MONITOR, and <c>tapper</c>: only MONITOR),
/// <see cref="Memory"/> (for the maxmemory test), <see cref="Renamed"/> (MONITOR renamed away),
/// plus the app in-process with connection <c>default</c> on Main and one connection per case.
/// </summary>
public sealed class PreflightServersFixture : IAsyncLifetime
{
    public const string CaptureUser = "capture";
    public const string TapperUser = "tapper";

    public RedisServer Main { get; private set; } = null!;
    public RedisServer Memory { get; private set; } = null!;
    public RedisServer Renamed { get; private set; } = null!;

    /// <summary>AOF on, client eviction on, the default user off and restricted (<c>-@all</c>); the app connects as <c>admin</c>.</summary>
    public RedisServer Hazards { get; private set; } = null!;

    /// <summary>
    /// AOF on, for tests that change the default user (through <see cref="AofAdminCliAsync"/>); users <c>admin</c>
    /// (everything) and <c>ops</c> (everything but <c>ACL GETUSER</c>).
    /// </summary>
    public RedisServer Aof { get; private set; } = null!;
    public TestApp App { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public ConnectionMultiplexer MainClient { get; private set; } = null!;

    public string CaptureUserId { get; private set; } = "";
    public string TapperUserId { get; private set; } = "";
    public string MemoryId { get; private set; } = "";
    public string RenamedId { get; private set; } = "";
    public string DeadId { get; private set; } = "";
    public string HazardsId { get; private set; } = "";
    public string AofAdminId { get; private set; } = "";
    public string AofOpsId { get; private set; } = "";
    public int DeadPort { get; private set; }

    public PreflightService Preflight => App.Services.GetRequiredService<PreflightService>();
    public MonitorSupportService MonitorSupport => App.Services.GetRequiredService<MonitorSupportService>();
    public HealthGateService Health => App.Services.GetRequiredService<HealthGateService>();
    public ConnectionService Connections => App.Services.GetRequiredService<ConnectionService>();

    public async Task InitializeAsync()
    {
        var lifetime = TimeSpan.FromMinutes(15);
        var main = RedisServer.StartAsync(lifetime);
        var memory = RedisServer.StartAsync(lifetime);
        var renamed = RedisServer.StartAsync(lifetime, "--rename-command", "MONITOR", "");
        var hazards = RedisServer.StartAsync(lifetime, "--appendonly", "yes", "--maxmemory-clients", "10%");
        var aof = RedisServer.StartAsync(lifetime, "--appendonly", "yes");
        (Main, Memory, Renamed, Hazards, Aof) = (await main, await memory, await renamed, await hazards, await aof);
        await Expect(Hazards.CliAsync("ACL", "SETUSER", "admin", "on", ">admin-pw", "~*", "&*", "+@all"), "OK");
        // Off *and* restricted: the AOF hazard (off alone, with +@all ~* &* kept, is the workaround).
        await Expect(Hazards.CliAsync("ACL", "SETUSER", "default", "off", "-@all"), "OK"); // last: redis-cli connects as default
        await Expect(Aof.CliAsync("ACL", "SETUSER", "admin", "on", ">admin-pw", "~*", "&*", "+@all"), "OK");
        await Expect(Aof.CliAsync("ACL", "SETUSER", "ops", "on", ">ops-pw", "~*", "&*", "+@all", "-acl|getuser"), "OK");

        await Expect(Main.CliAsync("ACL", "SETUSER", CaptureUser, "on", ">capture-pw", "~*", "&*", "+@all", "-monitor"), "OK");
        await Expect(Main.CliAsync("ACL", "SETUSER", TapperUser, "on", ">tapper-pw", "-@all", "+monitor"), "OK");
        MainClient = RedisFixture.Connect(Main);

        App = new TestApp(Main.Url);
        Http = App.CreateClient();
        Preflight.SampleWindow = TimeSpan.FromMilliseconds(500);

        CaptureUserId = (await Create("capture user", Main.Port, CaptureUser, "capture-pw")).Id;
        TapperUserId = (await Create("tapper user", Main.Port, TapperUser, "tapper-pw")).Id;
        MemoryId = (await Create("memory", Memory.Port)).Id;
        RenamedId = (await Create("renamed monitor", Renamed.Port)).Id;
        HazardsId = (await Create("hazards", Hazards.Port, "admin", "admin-pw")).Id;
        AofAdminId = (await Create("aof as admin", Aof.Port, "admin", "admin-pw")).Id;
        AofOpsId = (await Create("aof as ops", Aof.Port, "ops", "ops-pw")).Id;
        DeadPort = RedisServer.FreePort(); // nothing listens there
        DeadId = (await Create("dead", DeadPort)).Id;
    }

    public Task<ConnectionProfile> Create(string name, int port, string? user = null, string? password = null) =>
        Connections.CreateAsync(new ConnectionInput(name, "127.0.0.1", port, user, password, false, 0));

    /// <summary>redis-cli on <see cref="Aof"/> as <c>admin</c>, so it works whatever the default user is.</summary>
    public Task<string> AofAdminCliAsync(params string[] args) =>
        Aof.CliAsync(["--no-auth-warning", "--user", "admin", "--pass", "admin-pw", .. args]);

    public static async Task Expect(Task<string> cli, string expected)
    {
        var output = (await cli).Trim();
        Assert.True(output == expected, $"redis-cli answered '{output}', expected '{expected}'");
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (App is not null) await App.DisposeAsync();
        if (MainClient is not null) await MainClient.DisposeAsync();
        foreach (var s in new[] { Main, Memory, Renamed, Hazards, Aof })
            if (s is not null) await s.DisposeAsync();
    }
}

/// <summary>The service-level and HTTP tests share one set of servers and one app; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PreflightServersCollection : ICollectionFixture<PreflightServersFixture>
{
    public const string Name = "preflight (redis servers + app)";
}
