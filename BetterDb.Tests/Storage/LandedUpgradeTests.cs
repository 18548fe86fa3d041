using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Core.Connections;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Storage;

/// <summary>
/// Issue 11 item 1: a data directory written by the landed version (ded0717: a finished capture, an import,
/// a connection with a password, and a capture it left running when it was killed) upgrades in place.
/// </summary>
[Collection(RestartCollection.Name)]
// Upgrading SQLite files of earlier releases.
[Trait(StorageTrait.Name, StorageTrait.SqliteOnly)]
public sealed class LandedUpgradeTests(RedisFixture fx)
{
    private static readonly string Landed = Path.Combine(AppContext.BaseDirectory, "TestData", "landed-ded0717");

    private static string CopyOfLanded()
    {
        var dir = TestApp.NewDataDirectory();
        foreach (var file in Directory.EnumerateFiles(Landed, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(Landed, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return dir;
    }

    [Fact]
    public async Task A_data_directory_of_the_landed_version_upgrades_in_place_and_everything_in_it_stays_readable()
    {
        var dir = CopyOfLanded();
        try
        {
            await using var app = new TestApp(fx.Url, dir);
            var http = app.CreateClient();
            var sessions = await http.GetFromJsonAsync<JsonElement[]>("/api/monitor/sessions?limit=100");
            Assert.Equal(3, sessions!.Length);
            JsonElement By(string requestedBy) => sessions.Single(s => s.GetProperty("requestedBy").GetString() == requestedBy);

            // The finished capture: its 20 lines, from chunks that now belong to node "" (no node on the line object).
            var finished = By("landed");
            Assert.Equal(("completed", 20L), (finished.GetProperty("status").GetString(), finished.GetProperty("lineCount").GetInt64()));
            var id = finished.GetProperty("id").GetString();
            var lines = await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}/lines?limit=100");
            var setKeys = lines.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("cmd").GetString() == "SET")
                .Select(l => l.GetProperty("args")[0].GetString()).ToList();
            Assert.Equal(Enumerable.Range(1, 20).Select(i => $"landed:{i}"), setKeys);
            Assert.All(lines.GetProperty("lines").EnumerateArray(), l => Assert.Equal(JsonValueKind.Null, l.GetProperty("nodeId").ValueKind));
            Assert.Equal("default", finished.GetProperty("connectionName").GetString());

            // The capture the landed build left running when it was killed: interrupted, with what its chunks hold.
            var crashed = By("crashed");
            Assert.Equal(("interrupted", "process_restart"), (crashed.GetProperty("status").GetString(), crashed.GetProperty("terminationReason").GetString()));
            Assert.True(crashed.GetProperty("lineCount").GetInt64() >= 10);

            // The import, its malformed line counted again from its chunk, and its bytes back.
            var import = sessions.Single(s => s.GetProperty("source").GetString() == "import");
            Assert.Equal(3, import.GetProperty("lineCount").GetInt64());
            var txt = await http.GetStringAsync($"/api/monitor/sessions/{import.GetProperty("id").GetString()}/export?format=txt");
            Assert.Contains("not monitor output", txt);

            // Chunk facts are filled in for the old chunks, and the stored password still decrypts (same key ring).
            var contexts = app.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
            await Poll.UntilAsync(async () =>
            {
                await using var db = await contexts.CreateDbContextAsync();
                return await db.Chunks.CountAsync(c => c.MinTsMicros == null);
            }, n => n == 0, "the backfill of the old chunks");
            var connections = app.Services.GetRequiredService<ConnectionService>();
            var withPassword = (await connections.ListAsync()).Single(c => c.Name == "with-password");
            Assert.Equal("landed-secret", withPassword.Password);

            // And the upgraded directory takes new captures.
            var api = new BetterDbApi(http);
            var session = await api.StartCaptureAsync(durationMs: 1_000);
            Assert.Equal("running", session.Status);
            await api.WaitForEndAsync(session.Id);
        }
        finally
        {
            TestApp.TryDelete(dir);
        }
    }
}
