using System.Net;
using System.Net.Http.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Integration;

/// <summary>
/// EF Core (built on SQLitePCLRaw 2.x) and Hangfire.Storage.SQLite (which pulls SQLitePCLRaw 3.x)
/// in one real process against real files: if that pairing breaks, this is where it shows.
/// The built app runs as its own process: Hangfire keeps its storage in a process-wide static,
/// so several in-process hosts would share one and blur what this test proves.
/// It shares the restart tests' collection so child-process apps start one at a time.
/// </summary>
[Collection(RestartCollection.Name)]
// The SQLite files of EF Core and Hangfire in the data directory.
[Trait(StorageTrait.Name, StorageTrait.SqliteOnly)]
public sealed class AppStartupTests : IAsyncLifetime
{
    private readonly string _dataDirectory = TestApp.NewDataDirectory();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        TestApp.TryDelete(_dataDirectory);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_built_app_starts_with_EF_Core_and_Hangfire_on_real_files()
    {
        await using var app = await AppProcess.StartAsync(_dataDirectory, defaultConnection: null);
        using var http = app.CreateClient();

        using (var health = await http.GetAsync("/healthz"))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using (var dashboard = await http.GetAsync("/hangfire"))
        {
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
            Assert.Contains("BetterDb jobs", await dashboard.Content.ReadAsStringAsync());
        }

        Assert.True(File.Exists(Path.Combine(_dataDirectory, "betterdb.db")), "the app's SQLite file is in the data directory");
        Assert.True(File.Exists(Path.Combine(_dataDirectory, "hangfire.db")), "Hangfire's SQLite file is in the data directory");

        // Hangfire's server writes its heartbeat to its SQLite file and the dashboard reads it back.
        await Poll.UntilAsync(async () => await http.GetStringAsync("/hangfire/servers"),
            page => page.Contains("Heartbeat", StringComparison.OrdinalIgnoreCase) && page.Contains(Environment.MachineName, StringComparison.OrdinalIgnoreCase),
            "the Hangfire server to show on the dashboard", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));

        // EF Core writes and reads in the same process.
        var api = new BetterDbApi(http);
        var created = await api.CreateConnectionAsync("startup-probe", 6379);
        var list = await http.GetFromJsonAsync<List<ConnectionDto>>("/api/connections", BetterDbApi.Json);
        Assert.Contains(list!, c => c.Id == created.Id && c.Name == "startup-probe");
        Assert.False(app.HasExited);
    }
}
