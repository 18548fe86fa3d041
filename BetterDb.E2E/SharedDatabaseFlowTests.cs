using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.E2E.Infrastructure;
using BetterDb.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>
/// Issue 21 item 2 in Chromium: two apps on one PostgreSQL. The session page of a capture the other app runs says so
/// and links to its live view there, lists the lines already stored, and its Stop stops the capture in the other app.
/// </summary>
public sealed class SharedDatabaseFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    [Fact]
    public async Task A_capture_running_in_the_other_process_links_to_its_live_view_and_stops_from_here()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        var settings = new Dictionary<string, string>
        {
            ["BetterDb:Storage:Provider"] = "postgres",
            ["BetterDb:Storage:ConnectionString"] = database,
            ["BetterDb:Storage:HeartbeatIntervalMs"] = "500",
            ["BetterDb:Storage:HeartbeatTimeoutMs"] = "5000",
        };
        try
        {
            await using var owner = new ExtraApp(App, settings);
            await using var viewer = new ExtraApp(App, settings);
            using var ownerHttp = new HttpClient { BaseAddress = owner.Address };
            using var started = await ownerHttp.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 120_000 });
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            for (var i = 0; i < 20; i++) await RedisAsync("SET", $"e2e:{Run}:shared:{i}", "v");

            var p = await OpenAsync("viewer", viewer.Address);
            try
            {
                // The lines the owner has flushed are in the shared database: reload until they are.
                await EventuallyAsync(async () =>
                {
                    await p.GotoAsync($"/monitor/sessions/{id}?command=SET");
                    return await p.Page.GetByText($"e2e:{Run}:shared:19").CountAsync() > 0;
                }, TimeSpan.FromSeconds(20), "the owner's stored lines on the other app's page", pollMs: 500);
                await Expect(p.TestId("session-status")).ToContainTextAsync("running");
                await Expect(p.TestId("running-elsewhere")).ToContainTextAsync("runs in another BetterDb process");
                var ownerUrl = owner.Address.ToString().TrimEnd('/');
                await Expect(p.TestId("owner-link")).ToHaveAttributeAsync("href", $"{ownerUrl}/monitor/sessions/{id}");
                await ShotBothThemesAsync(p, "01-running-elsewhere");

                await p.TestId("stop-session").ClickAsync();
                await Expect(p.TestId("session-status")).ToContainTextAsync("completed", new() { Timeout = 15_000 });
                await Expect(p.TestId("running-elsewhere")).ToHaveCountAsync(0);
                await ShotAsync(p, "02-stopped-from-here");
                var final = await ownerHttp.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}");
                Assert.Equal(("completed", "manual_stop"), (final.GetProperty("status").GetString(), final.GetProperty("terminationReason").GetString()));
            }
            finally
            {
                await p.DisposeAsync();
            }
        }
        finally
        {
            PostgresServer.Shared.DropDatabase(database);
        }
    }
}
