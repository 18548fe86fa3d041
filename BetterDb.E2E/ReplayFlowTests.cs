using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BetterDb.E2E.Infrastructure;
using BetterDb.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>
/// Issue 20 in Chromium: from a session to its Replays page, a replay set up in the dialog (target, pace, the source warning)
/// runs against a second real redis-server, and its page shows the progress and the report; screenshots in both themes.
/// </summary>
public sealed class ReplayFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    private static async Task ChooseAsync(BrowserPage p, string testId, string option)
    {
        await p.TestId(testId).ClickAsync();
        await p.Page.Locator($"[data-testid={testId}-option]").Filter(new() { HasText = option }).First.ClickAsync();
    }

    [Fact]
    public async Task A_session_is_replayed_from_the_dialog_onto_a_staging_server_and_its_report_shown()
    {
        await using var staging = await RedisServer.StartAsync(TimeSpan.FromMinutes(10));
        using var created = await App.Http.PostAsJsonAsync("/api/connections", new { name = $"staging-{Run}", host = "127.0.0.1", port = staging.Port });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var stagingId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var lines = new StringBuilder();
        for (var i = 0; i < 300; i++)
        {
            var client = i % 3 == 0 ? "10.0.0.1:5000" : "10.0.0.2:6000";
            lines.Append(FormattableString.Invariant($"{1_700_000_000 + i * 0.01:0.000000} [{i % 2} {client}] \"SET\" \"replay:{Run}:{i}\" \"v{i}\"\n"));
            if (i % 50 == 0) lines.Append(FormattableString.Invariant($"{1_700_000_000 + i * 0.01:0.000000} [0 {client}] \"FLUSHALL\"\n"));
        }
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("default"), "connectionId");
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(lines.ToString())), "file", "monitor.txt");
        using var imported = await App.Http.PostAsync("/api/monitor/sessions/import", form);
        Assert.True(imported.StatusCode == HttpStatusCode.Created, await imported.Content.ReadAsStringAsync());
        var sessionId = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{sessionId}");
        await p.TestId("session-replay").ClickAsync();
        await p.Page.WaitForURLAsync(new Regex(@"/replays\?sessionId="));
        await p.WaitInteractiveAsync();
        await Expect(p.TestId("replays-empty")).ToBeVisibleAsync();
        await p.TestId("replay-new").ClickAsync();
        await Expect(p.TestId("replay-dialog")).ToBeVisibleAsync();

        // The session's own server is marked and warned about.
        await ChooseAsync(p, "replay-target", "default");
        await Expect(p.TestId("replay-source-warning")).ToBeVisibleAsync();
        await ShotBothThemesAsync(p, "01-source-warning");
        await ChooseAsync(p, "replay-target", $"staging-{Run}");
        await Expect(p.TestId("replay-source-warning")).ToHaveCountAsync(0);
        await ChooseAsync(p, "replay-pace", "As fast as possible");
        await ShotBothThemesAsync(p, "02-dialog");
        await p.TestId("replay-start").ClickAsync();

        await p.Page.WaitForURLAsync(new Regex(@"/replays/[^/?#]+$"));
        var replayId = new Uri(p.Page.Url).Segments[^1];
        await Expect(p.TestId("replay-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
        await Expect(p.TestId("replay-report")).ToBeVisibleAsync();
        await Expect(p.TestId("replay-sent")).ToContainTextAsync("300");
        await Expect(p.TestId("replay-skipped-reasons")).ToContainTextAsync("on the denylist");
        await p.Page.Mouse.MoveAsync(1270, 890);
        await ShotBothThemesAsync(p, "03-report");

        var replay = await App.Http.GetFromJsonAsync<JsonElement>($"/api/replays/{replayId}");
        Assert.Equal(stagingId, replay.GetProperty("targetConnectionId").GetString());
        Assert.Equal("max", replay.GetProperty("pace").GetString());
        Assert.Equal(300, replay.GetProperty("sent").GetInt64());
        Assert.Contains("v299", await staging.CliAsync("-n", "1", "get", $"replay:{Run}:299"));

        // Back on the Replays page of the session, the run is listed.
        await p.TestId("replay-back").ClickAsync();
        await Expect(p.TestId("replay-row-link")).ToHaveCountAsync(1);

        // A replay at the capture's own pace (3 s here) shows its counters live, and Cancel stops it.
        using var started = await App.Http.PostAsJsonAsync($"/api/monitor/sessions/{sessionId}/replay", new { targetConnectionId = stagingId, pace = 0.05 });
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        var slowId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await p.GotoAsync($"/replays/{slowId}");
        await Expect(p.TestId("replay-status")).ToHaveTextAsync("running", new() { Timeout = 20_000 });
        await EventuallyAsync(async () => await ReadIntAsync(p.TestId("replay-sent")) > 0, TimeSpan.FromSeconds(20), "the sent counter to move while it runs");
        var first = await ReadIntAsync(p.TestId("replay-sent"));
        await EventuallyAsync(async () => await ReadIntAsync(p.TestId("replay-sent")) > first, TimeSpan.FromSeconds(20), "the sent counter to move again");
        await p.Page.Mouse.MoveAsync(1270, 890);
        await ShotBothThemesAsync(p, "04-running");
        await p.TestId("replay-cancel-run").ClickAsync();
        await Expect(p.TestId("replay-status")).ToHaveTextAsync("cancelled", new() { Timeout = 20_000 });
        var cancelled = await App.Http.GetFromJsonAsync<JsonElement>($"/api/replays/{slowId}");
        Assert.InRange(cancelled.GetProperty("sent").GetInt64(), 1, 299);
    }
}
