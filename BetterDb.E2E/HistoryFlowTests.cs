using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using BetterDb.Core.Analysis;
using BetterDb.Core.Connections;
using BetterDb.Core.History;
using BetterDb.E2E.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>
/// Issue 13 in a real Chromium against the real app and a real redis-server: the Instance page of a server with seeded
/// slowlog entries, named clients and a failed AUTH; the Cross-reference tab of a finished capture that has a new command
/// shape and a new hot key, and switching between baselines. Pages are shot in both themes (bin/screenshots).
/// The collectors run at their default cadences; the test asks them to poll now (a real poll) rather than wait a minute.
/// </summary>
public sealed class HistoryFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    private HistoryCollectors Collectors => App.Services.GetRequiredService<HistoryCollectors>();

    private ConnectionProfile Profile => new() { Id = "e2e", Name = "e2e", Host = "127.0.0.1", Port = App.Redis.Port };

    /// <summary>A client of the server that is not the app's (so its commands are everyone else's), named <paramref name="name"/>.</summary>
    private async Task<RespConnection> ClientAsync(string name)
    {
        var c = await RespConnection.OpenAsync(Profile, TimeSpan.FromSeconds(5));
        await c.HandshakeAsync(Profile, name, TimeSpan.FromSeconds(5));
        return c;
    }

    private static async Task RepeatAsync(RespConnection c, int times, params string[] command)
    {
        for (var i = 0; i < times; i++) RespConnection.ThrowIfError(await c.CommandAsync(default, command));
    }

    private async Task FailAuthAsync(string user)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", App.Redis.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"*3\r\n$4\r\nAUTH\r\n${user.Length}\r\n{user}\r\n$5\r\nwrong\r\n"));
        var buffer = new byte[256];
        var n = await stream.ReadAsync(buffer);
        Assert.StartsWith("-WRONGPASS", Encoding.ASCII.GetString(buffer, 0, n));
    }

    private async Task PollAllAsync(string connectionId) =>
        Assert.True(await Collectors.PollNowAsync(connectionId, TimeSpan.FromSeconds(15)), $"a poll of every collector of {connectionId}");

    /// <summary>The whole page (the viewport holds only its top), in both themes.</summary>
    private async Task FullShotsAsync(BrowserPage p, string step, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        for (var i = 0; i < 2; i++)
        {
            var theme = await IsDarkAsync(p) ? "dark" : "light";
            var path = Path.Combine(ScreenshotDirectory, $"{GetType().Name}.{test}-{step}-full-{theme}.png");
            await p.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            Report($"screenshot: {path}");
            await ToggleThemeAsync(p);
        }
    }

    [Fact]
    public async Task Instance_page_shows_charts_the_decoded_slowlog_named_clients_and_a_failed_auth()
    {
        var user = $"e2e-{Run}-user";
        await RedisAsync("ACL", "SETUSER", user, "on", ">right", "+@all", "~*");
        await RedisAsync("CONFIG", "SET", "slowlog-log-slower-than", "0");
        try
        {
            await using var orders = await ClientAsync($"orders-{Run}");
            await using var billing = await ClientAsync($"billing-{Run}");
            await RepeatAsync(orders, 3, "SET", $"e2e:{Run}:order", "line one\nline two");
            await RepeatAsync(billing, 2, "HGETALL", $"e2e:{Run}:invoice");
            await FailAuthAsync(user);
            await FailAuthAsync(user);
            await PollAllAsync("default");

            var p = await OpenAsync();
            await p.GotoAsync("/instance/default");
            await Expect(p.TestId("instance-page")).ToHaveAttributeAsync("data-connection", "default");
            await Expect(p.TestId("history-status")).ToHaveAttributeAsync("data-state", "ok");
            // Every collector has polled; COMMANDLOG is Valkey's, so on Redis it says unsupported.
            await Expect(p.Page.Locator("[data-testid=collector-chip][data-name=info]")).ToHaveAttributeAsync("data-state", "ok");
            await Expect(p.Page.Locator("[data-testid=collector-chip][data-name=commandlog]")).ToHaveAttributeAsync("data-state", "unsupported");

            // The charts of the last hour: points drawn from the in-memory samples.
            foreach (var chart in new[] { "chart-ops", "chart-memory", "chart-clients", "chart-hit-ratio", "chart-evictions" })
                await Expect(p.TestId(chart)).ToBeVisibleAsync();
            await EventuallyAsync(async () => int.Parse(await p.TestId("chart-ops").GetAttributeAsync("data-points") ?? "0") >= 2,
                TimeSpan.FromSeconds(20), "the ops/sec chart has points");
            await Expect(p.TestId("chart-memory").Locator("svg path").First).ToBeAttachedAsync(); // the memory chart draws a line

            // The slowlog, the command decoded as Redis received it (the newline shown escaped, the value quoted).
            var order = p.Page.Locator("[data-testid=slowlog-table-row][data-cmd=SET]").Filter(new() { HasText = $"e2e:{Run}:order" });
            await Expect(order).ToHaveCountAsync(3, new() { Timeout = 20_000 });
            await Expect(order.First).ToContainTextAsync("\"line one\\nline two\"");
            await Expect(order.First).ToContainTextAsync($"orders-{Run}");

            // Named clients, with what they ran last.
            await Expect(p.Page.Locator($"[data-testid=client-row][data-name='orders-{Run}']")).ToContainTextAsync("set");
            await Expect(p.Page.Locator($"[data-testid=client-row][data-name='billing-{Run}']")).ToContainTextAsync("hgetall");
            await Expect(p.Page.Locator("[data-testid=client-row][data-name=betterdb-history]").First).ToContainTextAsync("this app");

            // The failed AUTHs: one ACL LOG entry counted twice.
            var acl = p.Page.Locator($"[data-testid=acl-row][data-user='{user}']");
            await Expect(acl).ToHaveAttributeAsync("data-reason", "auth");
            await Expect(acl).ToHaveAttributeAsync("data-count", "2");

            // The app's own slowlog entries are hidden until asked for.
            var own = p.Page.Locator("[data-testid=slowlog-table-row]").Filter(new() { HasText = "betterdb-history" });
            await Expect(own).ToHaveCountAsync(0);
            var hideOwn = p.Page.Locator("input[data-testid=hide-own], [data-testid=hide-own] input").First;
            await hideOwn.ClickAsync(new() { Force = true });
            await Expect(own.First).ToBeVisibleAsync();
            await hideOwn.ClickAsync(new() { Force = true });
            await Expect(own).ToHaveCountAsync(0);

            await ShotBothThemesAsync(p, "01-instance-hour");
            await FullShotsAsync(p, "01-instance-hour");
            await p.TestId("range-day").ClickAsync();
            await Expect(p.TestId("range-day")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-button-filled"));
            await p.Page.WaitForTimeoutAsync(400); // MudBlazor's button transition
            await ShotAsync(p, "02-instance-day");

            // The nav menu's Instance link leads to the page of the connection in scope.
            await p.GotoAsync("/monitor?c=default");
            await p.TestId("nav-instance").ClickAsync();
            await Expect(p.TestId("instance-page")).ToHaveAttributeAsync("data-connection", "default");
            Assert.EndsWith("/instance/default", p.Page.Url);
        }
        finally
        {
            await RedisAsync("CONFIG", "SET", "slowlog-log-slower-than", "10000");
            await RedisAsync("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public async Task Instance_page_of_an_unreachable_server_shows_the_collectors_error_and_when_they_try_again()
    {
        var port = BetterDb.Testing.RedisServer.FreePort();
        using var created = await App.Http.PostAsJsonAsync("/api/connections", new { name = $"down-{Run}", host = "127.0.0.1", port });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var p = await OpenAsync();
        await p.GotoAsync($"/instance/{id}");
        var status = p.TestId("history-status");
        // The page refreshes every 5 s; the collectors back off from 1 s.
        await Expect(status).ToHaveAttributeAsync("data-state", "unreachable", new() { Timeout = 30_000 });
        await Expect(status).ToContainTextAsync($"127.0.0.1:{port}");
        await Expect(status).ToContainTextAsync("Next try");
        await Expect(status).ToContainTextAsync("Captures are not affected");
        await Expect(p.TestId("chart-ops-empty")).ToBeVisibleAsync();
        await ShotBothThemesAsync(p, "01-unreachable");
        using var deleted = await App.Http.DeleteAsync($"/api/connections/{id}");
    }

    private async Task<string> CaptureAsync(string connectionId, RespConnection client, Func<Task> traffic)
    {
        var session = await App.StartCaptureAsync(new { connectionId, durationMs = 60_000, requestedBy = $"e2e-{Run}" });
        var id = session.GetProperty("id").GetString()!;
        // MONITOR is on once a marker line of ours is counted (lines sent before that are not captured).
        await EventuallyAsync(async () =>
        {
            await client.CommandAsync(default, "ECHO", $"marker-{Run}");
            return (await App.GetSessionAsync(id)).GetProperty("lineCount").GetInt64() > 0;
        }, TimeSpan.FromSeconds(15), "the capture sees our traffic", pollMs: 200);
        await traffic();
        // Stop means stop now: wait until the capture has read our last command, so the test knows what it holds.
        var end = $"end-{Run}-{id}";
        await client.CommandAsync(default, "ECHO", end);
        await EventuallyAsync(async () =>
        {
            var lines = await App.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}/lines?text={end}&limit=1");
            return lines.GetProperty("lines").GetArrayLength() > 0;
        }, TimeSpan.FromSeconds(15), "the capture read our last command", pollMs: 200);
        using var stop = await App.Http.PostAsync($"/api/monitor/sessions/{id}/stop", null);
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        return id;
    }

    [Fact]
    public async Task Cross_reference_tab_shows_a_new_shape_and_a_hot_key_and_switching_back_to_a_baseline_is_instant()
    {
        // A connection of this test's own, so the only earlier capture on it is the baseline below.
        using var created = await App.Http.PostAsJsonAsync("/api/connections", new { name = $"xref-{Run}", host = "127.0.0.1", port = App.Redis.Port });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var connectionId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await EventuallyAsync(() => Collectors.PollNowAsync(connectionId, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(30), "the new connection's collectors");
        await using var client = await ClientAsync($"xref-{Run}");
        var a = $"e2e:{Run}:a";
        var hot = $"e2e:{Run}:hot";

        await CaptureAsync(connectionId, client, async () =>
        {
            await RepeatAsync(client, 20, "GET", a);
            await RepeatAsync(client, 5, "SET", a, "v");
        });
        var b = await CaptureAsync(connectionId, client, async () =>
        {
            await RepeatAsync(client, 30, "GET", hot);
            await RepeatAsync(client, 5, "GET", a);
            await RepeatAsync(client, 2, "GETRANGE", a, "0", "1");
        });
        await PollAllAsync(connectionId);

        var service = App.Services.GetRequiredService<CrossReferenceService>();
        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{b}?tab=cross-reference");
        var xref = p.TestId("cross-reference");
        await Expect(xref).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 30_000 });
        await Expect(xref).ToHaveAttributeAsync("data-baseline", "24h");
        await Expect(p.Page.Locator("[data-testid=xref-new-shape][data-shape='GETRANGE:4']")).ToBeVisibleAsync();
        await Expect(p.Page.Locator("[data-testid=xref-new-shape][data-shape='GET:2']")).ToHaveCountAsync(0);
        var newKey = p.Page.Locator($"[data-testid=xref-new-key][data-key='{hot}']");
        await Expect(newKey).ToBeVisibleAsync();
        await Expect(newKey).ToContainTextAsync("1"); // rank 1
        await Expect(p.Page.Locator($"[data-testid=xref-rank-change][data-key='{a}']")).ToHaveAttributeAsync("data-change", "-1");
        await Expect(p.TestId("xref-shapes-source").Filter(new() { HasText = "1 earlier capture" })).ToBeVisibleAsync();
        await ShotBothThemesAsync(p, "01-cross-reference-24h");
        await FullShotsAsync(p, "01-cross-reference-24h");

        // Another baseline is computed once; switching back to 24h is served from what the tab holds, with no computation.
        await p.TestId("baseline-6h").ClickAsync();
        await Expect(xref).ToHaveAttributeAsync("data-baseline", "6h");
        await Expect(xref).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 30_000 });
        await Expect(p.TestId("baseline-6h")).ToHaveAttributeAsync("aria-pressed", "true");
        var computed = service.Computations;
        await p.TestId("baseline-24h").ClickAsync();
        await Expect(xref).ToHaveAttributeAsync("data-baseline", "24h");
        await Expect(xref).ToHaveAttributeAsync("data-state", "ready");
        await Expect(p.TestId("xref-loading")).ToHaveCountAsync(0);
        await Expect(p.Page.Locator("[data-testid=xref-new-shape][data-shape='GETRANGE:4']")).ToBeVisibleAsync();
        Assert.Equal(computed, service.Computations);
        // Same hour last week: nothing there; every section says what it lacked instead of pretending.
        await p.TestId("baseline-same-hour-last-week").ClickAsync();
        await Expect(xref).ToHaveAttributeAsync("data-baseline", "same-hour-last-week");
        await Expect(xref).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 30_000 });
        await Expect(p.TestId("xref-shapes-lacking").Filter(new() { HasText = "no earlier capture" }).First).ToBeVisibleAsync();
        await p.Page.WaitForTimeoutAsync(400); // MudBlazor's button transition
        await ShotAsync(p, "02-cross-reference-last-week");

        // The tab is in the URL: another tab and back keeps the computed report.
        // (MudTabPanel puts its attributes on the panel; the tab itself is found by its role and name.)
        await p.Page.GetByRole(AriaRole.Tab, new() { Name = "Lines" }).ClickAsync();
        await Expect(p.TestId("tab-lines")).ToBeVisibleAsync();
        await p.Page.GetByRole(AriaRole.Tab, new() { Name = "Cross-reference" }).ClickAsync();
        await Expect(xref).ToHaveAttributeAsync("data-baseline", "same-hour-last-week");
        await Expect(p.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("tab=cross-reference"));
    }
}
