using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BetterDb.E2E.Infrastructure;
using BetterDb.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>
/// Issue 12, walked as a new user would, one test per numbered point, in a real Chromium against the real app and a real
/// redis-server; every page touched is shot in both themes (bin/screenshots).
/// </summary>
public sealed class OperatorUiTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    private static Regex Word(string word) => new($@"^\s*{word}\s*$", RegexOptions.IgnoreCase);

    private ILocator Verdict(BrowserPage p) => p.TestId("start-verdict");

    private async Task<string> CreateConnectionAsync(string name, int port, string? username = null, string? password = null, bool tls = false)
    {
        using var response = await App.Http.PostAsJsonAsync("/api/connections",
            new { name, host = "127.0.0.1", port, username, password, tls, tlsInsecure = tls });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<string> ImportAsync(string text, string? connectionId = null, string? requestedBy = null)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "file", "monitor.txt");
        if (connectionId is not null) form.Add(new StringContent(connectionId), "connectionId");
        form.Add(new StringContent(requestedBy ?? $"e2e-{Run}"), "requestedBy");
        using var response = await App.Http.PostAsync("/api/monitor/sessions/import", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static string Monitor(long micros, int db, string addr, params string[] escapedArgs) =>
        $"{micros / 1_000_000}.{micros % 1_000_000:000000} [{db} {addr}] " + string.Join(' ', escapedArgs.Select(a => $"\"{a}\"")) + "\n";

    private async Task OpenStartDialogAsync(BrowserPage p, string connectionId)
    {
        await p.GotoAsync($"/monitor?c={connectionId}");
        await Expect(p.TestId("start-session")).ToBeEnabledAsync();
        await p.TestId("start-session").ClickAsync();
        await Expect(p.TestId("start-confirm")).ToBeVisibleAsync();
    }

    private static async Task ChooseAsync(BrowserPage p, string testId, string option)
    {
        await p.TestId(testId).ClickAsync();
        await p.Page.Locator($"[data-testid={testId}-option]").Filter(new() { HasText = option }).First.ClickAsync();
    }

    [Fact]
    public async Task Item01_Start_opens_with_one_verdict_and_blocks_a_capture_that_cannot_succeed()
    {
        await RedisAsync("ACL", "SETUSER", $"nomon-{Run}", "on", ">pw", "~*", "&*", "+@all", "-monitor");
        var denied = await CreateConnectionAsync($"no-monitor-{Run}", App.Redis.Port, $"nomon-{Run}", "pw");
        var down = await CreateConnectionAsync($"down-{Run}", RedisServer.FreePort());
        var tlsOnPlain = await CreateConnectionAsync($"tls-on-plain-{Run}", App.Redis.Port, tls: true);
        var p = await OpenAsync();

        // A user with -monitor: will fail, said once at the top with the snippet; no section says "available".
        await OpenStartDialogAsync(p, denied);
        await Expect(Verdict(p)).ToHaveAttributeAsync("data-level", "will_fail");
        await Expect(Verdict(p).GetByTestId("verdict-reason").First).ToHaveAttributeAsync("data-code", "acl_monitor_denied");
        await Expect(Verdict(p)).ToContainTextAsync($"ACL SETUSER nomon-{Run} +monitor");
        await Expect(p.TestId("monitor-support")).ToContainTextAsync("not for this user");
        await Expect(p.TestId("acl-status")).ToContainTextAsync("MONITOR not allowed");
        await Expect(p.TestId("start-confirm")).ToBeDisabledAsync();
        await Expect(p.TestId("start-blocked")).ToContainTextAsync("would fail");
        // The verdict is in view as the dialog opens, above the form.
        var box = await Verdict(p).BoundingBoxAsync();
        Assert.True(box is not null && box.Y + box.Height < 900, $"verdict at {box?.Y}");
        await ShotBothThemesAsync(p, "01-acl-denied");
        await p.TestId("start-cancel").ClickAsync();

        // The server down: will fail with the error; Start blocked, no hang.
        await OpenStartDialogAsync(p, down);
        await Expect(Verdict(p)).ToHaveAttributeAsync("data-level", "will_fail");
        await Expect(Verdict(p).GetByTestId("verdict-reason").First).ToHaveAttributeAsync("data-code", "target_unreachable");
        await Expect(p.TestId("start-confirm")).ToBeDisabledAsync();
        await ShotBothThemesAsync(p, "02-server-down");
        await p.TestId("start-cancel").ClickAsync();

        // TLS on a plain port: will fail within seconds, not a 10 s hang at Start.
        var clock = Stopwatch.StartNew();
        await OpenStartDialogAsync(p, tlsOnPlain);
        await Expect(Verdict(p)).ToHaveAttributeAsync("data-level", "will_fail", new() { Timeout = 12_000 });
        Log($"TLS on a plain port: verdict after {clock.Elapsed.TotalSeconds:0.0} s: {await Verdict(p).InnerTextAsync()}");
        await Expect(p.TestId("start-confirm")).ToBeDisabledAsync();
        await p.TestId("start-cancel").ClickAsync();
        Assert.Empty(await App.Http.GetFromJsonAsync<JsonElement[]>($"/api/monitor/sessions?connectionId={denied}") ?? []);

        // The real default server: ready or risky, and "Start anyway" when risky; it starts.
        await OpenStartDialogAsync(p, "default");
        await Expect(Verdict(p)).ToHaveAttributeAsync("data-level", new Regex("^(ready|risky)$"));
        var level = await Verdict(p).GetAttributeAsync("data-level");
        await Expect(p.TestId("start-confirm")).ToHaveTextAsync(new Regex(level == "risky" ? "Start anyway" : "^\\s*Start\\s*$"));
        await ShotBothThemesAsync(p, "03-default");
        await p.TestId("start-confirm").ClickAsync();
        await p.Page.WaitForURLAsync(new Regex(@"/monitor/sessions/[^/?#]+"));
        await Expect(p.TestId("session-status")).ToHaveTextAsync(Word("running"));
    }

    [Fact]
    public async Task Item03_Words_and_units_no_stale_estimate_and_a_sane_byte_cap()
    {
        var p = await OpenAsync();
        await OpenStartDialogAsync(p, "default");
        await Expect(Verdict(p)).ToHaveAttributeAsync("data-level", new Regex("."));

        // 48 h: said in words and units at once; no estimate of another duration, no "I confirm a 48 h capture".
        await FillAsync(p, "duration-value", "48");
        await ChooseAsync(p, "duration-unit", "hours");
        var duration = p.Page.Locator(".mud-input-control").Filter(new() { Has = p.TestId("duration-value") });
        await Expect(duration).ToContainTextAsync("too long: choose from 1 second to 24 hours");
        await Expect(duration).Not.ToContainTextAsync("durationMs");
        await Expect(p.TestId("estimate-projection")).ToHaveCountAsync(0);
        await Expect(p.TestId("confirm-long")).ToHaveCountAsync(0);
        await Expect(p.TestId("start-confirm")).ToBeDisabledAsync();
        await ShotBothThemesAsync(p, "01-invalid-duration");

        // 10 min with a small byte cap: the cap warning is a warning ("No warnings." nowhere), the confirmation is in view.
        await FillAsync(p, "duration-value", "10");
        await ChooseAsync(p, "duration-unit", "minutes");
        await FillAsync(p, "byte-cap", "1");
        await ChooseAsync(p, "byte-cap-unit", "KB");
        await Expect(p.TestId("confirm-long")).ToBeVisibleAsync();
        var confirm = await p.TestId("confirm-long").BoundingBoxAsync();
        Assert.True(confirm is not null && confirm.Y + confirm.Height < 900, $"the confirmation sits at {confirm?.Y}, below the fold");
        await RedisAsync("-r", "200", "PING"); // some traffic for the estimate
        await Expect(p.TestId("preflight-warnings")).Not.ToContainTextAsync("No warnings.", new() { Timeout = 20_000 });
        await ShotBothThemesAsync(p, "02-cap-and-confirmation");

        // 909 TB: refused, with why.
        await FillAsync(p, "byte-cap", "909");
        await ChooseAsync(p, "byte-cap-unit", "GB");
        var cap = p.Page.Locator(".mud-input-control").Filter(new() { Has = p.TestId("byte-cap") });
        await Expect(cap).ToContainTextAsync("at most 100 GB");
        await Expect(cap).ToContainTextAsync("stored in this app's own database");
        await Expect(p.TestId("start-confirm")).ToBeDisabledAsync();
        await ShotBothThemesAsync(p, "03-byte-cap-refused");
        await p.TestId("start-cancel").ClickAsync();

        // Reasons in words with the code in a tooltip, counts with the same separators everywhere.
        var lines = string.Concat(Enumerable.Range(0, 1234).Select(i => Monitor(1_700_000_000_000_000 + i, 0, "127.0.0.1:5000", "SET", $"k{i}", "v")));
        var id = await ImportAsync(lines, "default");
        await p.GotoAsync($"/monitor?c=default");
        var row = p.Page.Locator($"[data-testid=session-row][data-session-id='{id}']");
        await Expect(row.Locator("td.reason")).ToContainTextAsync("the source ended");
        await Expect(row.Locator("td.reason")).ToHaveAttributeAsync("title", "source_ended");
        await Expect(row).ToContainTextAsync("1,234");
        await p.GotoAsync($"/monitor/sessions/{id}");
        await Expect(p.TestId("line-count")).ToHaveTextAsync("1,234");
        await Expect(p.TestId("termination-reason")).ToHaveTextAsync("the source ended");
        await Expect(p.TestId("termination-reason")).ToHaveAttributeAsync("title", "source_ended");
    }

    [Fact]
    public async Task Item04_The_connection_is_in_the_url_kept_across_reloads_and_named_on_every_session()
    {
        var gone = await CreateConnectionAsync($"orders-{Run}", 6390);
        var kept = await CreateConnectionAsync($"carts-{Run}", App.Redis.Port);
        var oldSession = await ImportAsync(Monitor(1_700_000_000_000_000, 0, "10.0.0.1:5000", "GET", "o:1"), gone);
        var liveSession = await ImportAsync(Monitor(1_700_000_000_000_000, 0, "10.0.0.1:5000", "GET", "c:1"), kept);
        var p = await OpenAsync();

        // Chosen in the app bar: the URL names it; a reload keeps it; /monitor without one comes back to it.
        await p.GotoAsync("/monitor");
        await p.TestId("connection-select").ClickAsync();
        await p.Page.Locator($"[data-testid=connection-option][data-connection-id='{kept}']").ClickAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex($@"/monitor\?c={kept}$"));
        await Expect(p.Page.Locator($"[data-session-id='{liveSession}']")).ToHaveCountAsync(1);
        await p.Page.ReloadAsync();
        await p.WaitInteractiveAsync();
        await Expect(p.TestId("monitor-scope")).ToHaveAttributeAsync("data-connection-id", kept);
        await p.GotoAsync("/monitor");
        await Expect(p.Page).ToHaveURLAsync(new Regex($@"/monitor\?c={kept}$"));
        await Expect(p.TestId("connection-select")).ToHaveValueAsync(new Regex(Regex.Escape($"carts-{Run}")));
        await ShotBothThemesAsync(p, "01-monitor-of-a-connection");

        // A session page names its connection, and the app bar shows it.
        await p.GotoAsync($"/monitor/sessions/{liveSession}");
        await Expect(p.TestId("session-connection")).ToContainTextAsync($"carts-{Run}");
        await Expect(p.TestId("session-connection")).ToContainTextAsync($"127.0.0.1:{App.Redis.Port}");
        await Expect(p.TestId("connection-select")).ToHaveValueAsync(new Regex(Regex.Escape($"carts-{Run}")));
        await ShotBothThemesAsync(p, "02-session-names-its-connection");

        // Deleted: its sessions are found under its old name, in "all connections" and in a group of their own.
        await App.Http.DeleteAsync($"/api/connections/{gone}");
        await p.GotoAsync($"/monitor?c=all");
        var row = p.Page.Locator($"[data-testid=session-row][data-session-id='{oldSession}']");
        await Expect(row.GetByTestId("session-connection")).ToHaveTextAsync($"orders-{Run} (deleted)");
        await ShotBothThemesAsync(p, "03-all-connections");
        await p.TestId("connection-select").ClickAsync();
        await Expect(p.TestId("connection-group-deleted")).ToBeVisibleAsync();
        await ShotBothThemesAsync(p, "04-selector-with-deleted");
        await p.Page.Locator($"[data-testid=connection-option][data-connection-id='{gone}']").ClickAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex($@"/monitor\?c={gone}$"));
        await Expect(p.TestId("monitor-scope")).ToContainTextAsync("deleted");
        await Expect(p.TestId("session-row")).ToHaveCountAsync(1);
        await p.GotoAsync($"/monitor/sessions/{oldSession}");
        await Expect(p.TestId("session-connection")).ToContainTextAsync($"orders-{Run}");
        await Expect(p.TestId("session-connection")).ToContainTextAsync("(deleted)");
        await Expect(p.TestId("connection-select")).ToHaveValueAsync(new Regex(Regex.Escape($"orders-{Run} (deleted)")));
        await ShotBothThemesAsync(p, "05-session-of-a-deleted-connection");
    }

    [Fact]
    public async Task Item05_Filters_live_in_the_url_so_back_and_forward_walk_them()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 30; i++) text.Append(Monitor(1_700_000_000_000_000 + i * 1000, 0, i % 2 == 0 ? "10.0.0.1:5000" : "10.0.0.2:6000", i % 3 == 0 ? "GET" : "SET", $"user:{i}", "v"));
        var id = await ImportAsync(text.ToString());
        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{id}");
        await Expect(p.TestId("tail-line")).ToHaveCountAsync(30);

        await FillAsync(p, "filter-command", "GET");
        await p.TestId("filter-apply").ClickAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex(@"\?command=GET$"));
        await Expect(p.TestId("match-count")).ToHaveAttributeAsync("data-count", "10");
        await FillAsync(p, "filter-client", "10.0.0.2");
        await p.TestId("filter-apply").ClickAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex(@"command=GET&client=10\.0\.0\.2$"));
        await Expect(p.TestId("match-count")).ToHaveAttributeAsync("data-count", "5");
        await ShotBothThemesAsync(p, "01-filtered");

        // The URL is the view: opened afresh (a shared link), it shows the same filter and lines.
        var shared = await OpenAsync("shared");
        await shared.GotoAsync(new Uri(p.Page.Url).PathAndQuery);
        await Expect(shared.TestId("match-count")).ToHaveAttributeAsync("data-count", "5");
        await Expect(shared.Page.Locator("input[data-testid=filter-client]")).ToHaveValueAsync("10.0.0.2");

        await p.Page.GoBackAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex(@"\?command=GET$"));
        await Expect(p.TestId("match-count")).ToHaveAttributeAsync("data-count", "10");
        await Expect(p.Page.Locator("input[data-testid=filter-client]")).ToHaveValueAsync("");
        await p.Page.GoBackAsync();
        await Expect(p.TestId("page-range")).ToContainTextAsync("of 30");
        await p.Page.GoForwardAsync();
        await Expect(p.TestId("match-count")).ToHaveAttributeAsync("data-count", "10");
        await Expect(p.Page.Locator("input[data-testid=filter-command]")).ToHaveValueAsync("GET");
    }

    [Fact]
    public async Task Item06_Sessions_are_links_sorted_filtered_labelled_and_deleted_after_one_question()
    {
        var connection = await CreateConnectionAsync($"sessions-{Run}", App.Redis.Port);
        var small = await ImportAsync(Monitor(1_700_000_000_000_000, 0, "10.0.0.1:5000", "GET", "a"), connection, "alice");
        var big = await ImportAsync(string.Concat(Enumerable.Range(0, 1500).Select(i => Monitor(1_700_000_000_000_000 + i, 0, "10.0.0.1:5000", "SET", $"b{i}", "v"))), connection, "bob");
        var p = await OpenAsync();
        await p.GotoAsync($"/monitor?c={connection}");
        await Expect(p.TestId("session-row")).ToHaveCountAsync(2);

        await ChooseAsync(p, "sessions-sort", "most lines");
        await Expect(p.Page).ToHaveURLAsync(new Regex("sort=most_lines"));
        await Expect(p.TestId("session-row").First).ToHaveAttributeAsync("data-session-id", big);
        await FillAsync(p, "sessions-requested-by", "alice");
        await Expect(p.Page).ToHaveURLAsync(new Regex("requestedBy=alice"));
        await Expect(p.TestId("session-row")).ToHaveCountAsync(1);
        await ChooseAsync(p, "sessions-status", "failed");
        await Expect(p.TestId("sessions-empty")).ToContainTextAsync("No session matches");
        await p.TestId("sessions-clear").ClickAsync();
        await Expect(p.TestId("session-row")).ToHaveCountAsync(2);
        await ShotBothThemesAsync(p, "01-list");

        // A row is a real link: ctrl-click opens the session in a new tab.
        var link = p.Page.Locator($"[data-session-id='{small}'] [data-testid=session-link]");
        Assert.Equal($"monitor/sessions/{small}", await link.GetAttributeAsync("href"));
        var popup = p.Context.WaitForPageAsync();
        await link.ClickAsync(new() { Modifiers = [KeyboardModifier.Control] });
        var tab = await popup;
        await tab.WaitForURLAsync(new Regex($"/monitor/sessions/{small}$"));
        await tab.CloseAsync();
        Assert.Matches($"/monitor\\?c={connection}$", p.Page.Url); // this tab stayed

        // Label and note on the session page, shown in the list.
        await p.Page.Locator($"[data-session-id='{small}'] [data-testid=session-link]").ClickAsync();
        await p.TestId("edit-session").ClickAsync();
        await FillAsync(p, "session-label-input", "before the deploy");
        await p.Page.Locator("textarea[data-testid=session-note-input]").FillAsync("hit rate dropped at 14:02");
        await p.TestId("session-keep-input").ClickAsync();
        await ShotBothThemesAsync(p, "02-label-dialog");
        await p.TestId("session-edit-save").ClickAsync();
        await Expect(p.TestId("session-title")).ToHaveTextAsync("before the deploy");
        await Expect(p.TestId("session-note")).ToContainTextAsync("hit rate dropped");
        await ShotBothThemesAsync(p, "03-labelled-session");
        await p.TestId("back-to-sessions").ClickAsync();
        await Expect(p.Page.Locator($"[data-session-id='{small}'] [data-testid=session-label]")).ToHaveTextAsync("before the deploy");

        // Delete asks once, saying how many lines go.
        await p.Page.Locator($"[data-session-id='{big}'] [data-testid=delete-session]").ClickAsync();
        await Expect(p.Page.Locator(".mud-dialog")).ToContainTextAsync("1,500 lines");
        await ShotBothThemesAsync(p, "04-delete-question");
        await p.TestId("confirm-delete-session").ClickAsync();
        await Expect(p.Page.Locator($"[data-session-id='{big}']")).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.NotFound, (await App.Http.GetAsync($"/api/monitor/sessions/{big}")).StatusCode);
    }

    [Fact]
    public async Task Item07_A_live_filter_narrows_the_tail_and_counts_what_it_hides()
    {
        var started = await App.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, requestedBy = $"e2e-{Run}" });
        var id = started.GetProperty("id").GetString()!;
        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{id}");
        await Expect(p.TestId("tail")).ToHaveAttributeAsync("data-mode", "live");
        await Expect(p.TestId("filter-bar")).ToHaveAttributeAsync("data-live", "true");

        await FillAsync(p, "filter-command", "SET");
        await FillAsync(p, "filter-key", $"e2e:{Run}:keep:*");
        await p.TestId("filter-apply").ClickAsync();
        await Expect(p.TestId("tail-filter-counts")).ToBeVisibleAsync();
        for (var i = 0; i < 3; i++) await RedisAsync("SET", $"e2e:{Run}:keep:{i}", "v");
        for (var i = 0; i < 5; i++) await RedisAsync("SET", $"e2e:{Run}:other:{i}", "v");
        for (var i = 0; i < 4; i++) await RedisAsync("GET", $"e2e:{Run}:keep:{i}");
        await Expect(p.TestId("tail-line").Filter(new() { HasText = $"e2e:{Run}:keep:2" })).ToHaveCountAsync(1);
        try
        {
            await EventuallyAsync(async () => long.Parse(await p.TestId("tail-hidden").GetAttributeAsync("data-count") ?? "0") >= 9,
                TimeSpan.FromSeconds(10), "the hidden count did not reach the 9 other commands");
        }
        catch (TimeoutException e)
        {
            // Say what the capture and the view held, so a failure here tells which side lost the lines.
            var session = await App.GetSessionAsync(id);
            var stored = await App.Http.GetStringAsync($"/api/monitor/sessions/{id}/export?format=txt&text=e2e:{Run}:");
            throw new TimeoutException($"{e.Message}; hidden {await p.TestId("tail-hidden").GetAttributeAsync("data-count")}, view: " +
                $"{(await p.TestId("tail").InnerTextAsync()).ReplaceLineEndings(" | ")[..Math.Min(600, (await p.TestId("tail").InnerTextAsync()).Length)]}; " +
                $"session lines {session.GetProperty("lineCount")}, own lines dropped {session.GetProperty("ownLinesDropped")}; stored of this test: " +
                stored.ReplaceLineEndings(" | "));
        }
        await Expect(p.TestId("tail-line").Filter(new() { HasText = $"e2e:{Run}:other" })).ToHaveCountAsync(0);
        await Expect(p.TestId("tail-line").Filter(new() { HasText = "GET" })).ToHaveCountAsync(0);
        await ShotBothThemesAsync(p, "01-live-filter");

        // The capture kept every line.
        await p.TestId("stop-session").ClickAsync();
        await Expect(p.TestId("session-status")).ToHaveTextAsync(Word("completed"));
        var export = await App.Http.GetStringAsync($"/api/monitor/sessions/{id}/export?format=txt&text=e2e:{Run}:");
        Assert.Equal(12, export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Item08_Line_detail_is_a_side_panel_with_the_session_number_arguments_hex_and_a_command_that_reproduces_it()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 40; i++) text.Append(Monitor(1_700_000_000_000_000 + i * 10, 0, "10.0.0.1:5000", "GET", $"pad:{i}"));
        text.Append(Monitor(1_700_000_000_000_500, 2, "10.0.0.9:7000", "HSET", $"e2e:{Run}:it's\\nhere", "\\x01\\xffbin", "Jos\\xc3\\xa9"));
        var id = await ImportAsync(text.ToString());
        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{id}?command=HSET");
        await Expect(p.TestId("tail-line")).ToHaveCountAsync(1);
        await p.TestId("tail-line").ClickAsync();

        var detail = p.TestId("tail-line-detail");
        await Expect(detail).ToBeVisibleAsync();
        var box = await detail.BoundingBoxAsync();
        Assert.True(box is not null && box.X > 500 && box.Y < 200, $"the detail is not a side panel in view: {box?.X},{box?.Y}");
        await Expect(p.TestId("line-detail-number")).ToHaveTextAsync("Line 41"); // its number in the session, not "Line 1"
        var args = p.TestId("detail-arg");
        await Expect(args).ToHaveCountAsync(4);
        await Expect(args.Nth(1).GetByTestId("detail-arg-text")).ToHaveTextAsync($"e2e:{Run}:it's\\nhere");
        await Expect(args.Nth(1)).ToHaveAttributeAsync("data-bytes", (Run.Length + 14).ToString());
        await Expect(args.Nth(2).GetByTestId("detail-arg-text")).ToHaveTextAsync("\\x01\\xffbin");
        await Expect(args.Nth(2).GetByTestId("detail-arg-length")).ToContainTextAsync("5 bytes");
        await ShotBothThemesAsync(p, "01-detail-text");
        await p.TestId("detail-view-hex").ClickAsync();
        await Expect(args.Nth(2).GetByTestId("detail-arg-hex")).ToContainTextAsync("01 ff 62 69 6e");
        await ShotBothThemesAsync(p, "02-detail-hex");

        // Copy as redis-cli: run what was copied against the real server; it sets exactly that key, field and value.
        await p.TestId("copy-cli").ClickAsync();
        await Expect(p.TestId("copy-cli")).ToContainTextAsync("Copied");
        var copied = await p.Page.EvaluateAsync<string>("() => window.__betterdbLastCopy");
        Log($"copied: {copied}");
        Assert.StartsWith("redis-cli -n 2 HSET ", copied);
        var run = Process.Start(new ProcessStartInfo("bash", ["-c", copied.Replace("redis-cli ", $"redis-cli -p {App.Redis.Port} ")]) { RedirectStandardOutput = true })!;
        await run.WaitForExitAsync();
        var value = await App.Redis.CliAsync("-n", "2", "--no-raw", "HGETALL", $"e2e:{Run}:it's\nhere");
        Assert.Equal("1) \"\\x01\\xffbin\"\n2) \"Jos\\xc3\\xa9\"", value.Trim());
        await p.TestId("copy-raw").ClickAsync();
        await Expect(p.TestId("copy-raw")).ToContainTextAsync("Copied");
        Assert.Equal(text.ToString().Split('\n')[40], await p.Page.EvaluateAsync<string>("() => window.__betterdbLastCopy"));

        await p.TestId("line-detail-close").ClickAsync();
        await Expect(detail).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Item09_Non_ascii_is_found_and_a_key_with_a_newline_reads_and_types_as_backslash_n()
    {
        var started = await App.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, requestedBy = $"e2e-{Run}" });
        var id = started.GetProperty("id").GetString()!;
        await EventuallyAsync(async () => (await App.GetSessionAsync(id)).GetProperty("status").GetString() == "running", TimeSpan.FromSeconds(5), "not running");
        await Task.Delay(500);
        await RedisAsync("SET", $"e2e:{Run}:name", "José");
        await RedisAsync("SET", $"e2e:{Run}:city", "日本");
        await RedisAsync("SET", $"e2e:{Run}:user:\n1", "v");
        await EventuallyAsync(async () => (await App.GetSessionAsync(id)).GetProperty("lineCount").GetInt64() >= 3, TimeSpan.FromSeconds(10), "lines not stored");
        await App.Http.PostAsync($"/api/monitor/sessions/{id}/stop", null);

        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{id}");
        await Expect(p.TestId("tail")).ToHaveAttributeAsync("data-mode", "stored");
        var newline = p.TestId("tail-line").Filter(new() { HasText = $"e2e:{Run}:user:\\n1" });
        await Expect(newline).ToHaveCountAsync(1); // shown with its escape, never as a space

        foreach (var word in new[] { "José", "日本" })
        {
            await FillAsync(p, "filter-text", word);
            await p.TestId("filter-apply").ClickAsync();
            await Expect(p.TestId("match-count")).ToHaveAttributeAsync("data-count", "1");
            await Expect(p.TestId("tail-line")).ToContainTextAsync(word);
        }
        await ShotBothThemesAsync(p, "01-text-search-non-ascii");

        await p.TestId("filter-clear").ClickAsync();
        await FillAsync(p, "filter-key", $"e2e:{Run}:user:\\n1"); // typed as the list shows it
        await p.TestId("filter-apply").ClickAsync();
        await Expect(p.TestId("match-count")).ToHaveAttributeAsync("data-count", "1");
        await Expect(p.TestId("tail-line")).ToContainTextAsync("user:\\n1");
        await ShotBothThemesAsync(p, "02-key-with-newline");
    }

    [Fact]
    public async Task Item10_A_glob_redis_reads_oddly_is_explained_instead_of_finding_nothing_silently()
    {
        var id = await ImportAsync(Monitor(1_700_000_000_000_000, 0, "10.0.0.1:5000", "GET", "user:[1]"));
        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{id}");
        await Expect(p.TestId("tail-line")).ToHaveCountAsync(1);

        await FillAsync(p, "filter-key", "user:[");
        await Expect(p.TestId("filter-warning")).ToContainTextAsync("never closed"); // said as it is typed
        await p.TestId("filter-apply").ClickAsync();
        await Expect(p.TestId("page-range")).ToContainTextAsync("No line matches");
        await Expect(p.TestId("filter-warning")).ToContainTextAsync("Redis");
        await ShotBothThemesAsync(p, "01-unclosed-class");

        await FillAsync(p, "filter-key", "user:\\");
        await Expect(p.TestId("filter-warning")).ToContainTextAsync("literal backslash");
        await FillAsync(p, "filter-key", "user:\\[1]");
        await Expect(p.TestId("filter-warning")).ToHaveCountAsync(0);
        await p.TestId("filter-apply").ClickAsync();
        await Expect(p.TestId("match-count")).ToHaveAttributeAsync("data-count", "1");
    }

    [Fact]
    public async Task Item11_A_capture_that_ends_while_the_view_is_paused_says_why()
    {
        var started = await App.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, lineCap = 20, requestedBy = $"e2e-{Run}" });
        var id = started.GetProperty("id").GetString()!;
        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{id}");
        await Expect(p.TestId("pause-tail")).ToBeEnabledAsync();
        await p.TestId("pause-tail").ClickAsync();
        await Expect(p.TestId("resume-tail")).ToBeVisibleAsync();

        await RedisAsync("-r", "40", "SET", $"e2e:{Run}:fill", "v"); // past the 20-line cap
        var banner = p.TestId("tail-ended-banner");
        await Expect(banner).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(banner).ToContainTextAsync("The capture ended");
        await Expect(banner).ToContainTextAsync("reached its line cap");
        await Expect(banner).ToContainTextAsync("paused");
        await Expect(banner).ToHaveAttributeAsync("data-reason", "line_cap");
        await ShotBothThemesAsync(p, "01-ended-while-paused");

        await p.TestId("tail-ended-stored").ClickAsync();
        await Expect(p.TestId("tail")).ToHaveAttributeAsync("data-mode", "stored");
        await Expect(p.TestId("termination-reason")).ToHaveAttributeAsync("data-reason", "line_cap");
    }

    [Fact]
    public async Task Item12_Analysis_drills_down_to_lines_and_counts_time_only_inside_busy_stretches()
    {
        // Bursts of GETs 20 µs apart, one SET followed by a client's 1 s sleep, more GETs.
        var text = new StringBuilder();
        var ts = 1_700_000_000_000_000L;
        for (var i = 0; i < 300; i++) { text.Append(Monitor(ts, 0, "10.0.0.1:5000", "GET", $"user:{i % 7}")); ts += 20; }
        text.Append(Monitor(ts, 0, "10.0.0.2:6000", "SET", "session:1", "v")); ts += 1_000_000;
        for (var i = 0; i < 300; i++) { text.Append(Monitor(ts, 0, "10.0.0.1:5000", "GET", $"user:{i % 7}")); ts += 20; }
        for (var s = 0; s < 5; s++) { ts += 1_000_000; text.Append(Monitor(ts, 0, "10.0.0.3:7000", "PING")); }
        var id = await ImportAsync(text.ToString());
        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{id}?tab=analysis");
        await Expect(p.TestId("analysis-panel")).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 30_000 });

        // The 1 s sleep is not SET's cost: the heaviest busy command is GET, and the threshold is said.
        await Expect(p.TestId("analysis-heaviest-row").First).ToHaveAttributeAsync("data-cmd", "GET");
        await Expect(p.Page.Locator("[data-testid=analysis-heaviest-row][data-cmd=SET]")).ToHaveCountAsync(0);
        await Expect(p.TestId("busy-threshold")).ToBeVisibleAsync();
        await Expect(p.TestId("analysis-idle")).ToContainTextAsync("idle time");
        await ShotBothThemesAsync(p, "01-analysis");

        // A key row opens the Lines tab with that key.
        await p.Page.Locator("[data-testid=analysis-top-keys] tr[data-name='user:3'] a").First.ClickAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex(@"\?key=user%3A3$"));
        await Expect(p.TestId("match-count")).ToHaveAttributeAsync("data-count", new Regex("^[1-9]"));
        await Expect(p.Page.Locator("input[data-testid=filter-key]")).ToHaveValueAsync("user:3");
        await ShotBothThemesAsync(p, "02-drilled-to-lines");

        // A range dragged across the rate chart opens those seconds.
        await p.GotoAsync($"/monitor/sessions/{id}?tab=analysis");
        await Expect(p.TestId("analysis-panel")).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 30_000 });
        // The chart is below the fold: the pointer can only drag across it once it is in view,
        // and only once the range selection is attached to it.
        await p.TestId("timeline-range").ScrollIntoViewIfNeededAsync();
        await Expect(p.TestId("timeline-selection")).ToHaveCountAsync(1);
        var chart = await p.TestId("timeline-range").BoundingBoxAsync();
        Assert.NotNull(chart);
        await p.Page.Mouse.MoveAsync(chart.X + chart.Width * 0.35f, chart.Y + chart.Height / 2);
        await p.Page.Mouse.DownAsync();
        await p.Page.Mouse.MoveAsync(chart.X + chart.Width * 0.75f, chart.Y + chart.Height / 2, new() { Steps = 5 });
        await ShotAsync(p, "03-dragging-a-range");
        await p.Page.Mouse.UpAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex(@"afterTs=\d+&beforeTs=\d+"));
        await Expect(p.TestId("match-count")).ToHaveAttributeAsync("data-count", new Regex(@"^\d+$"));

        // A quiet capture says there is no busy stretch; an empty delimiter is an error.
        var quiet = await ImportAsync(string.Concat(Enumerable.Range(0, 5).Select(i => Monitor(1_700_000_000_000_000 + i * 1_000_000L, 0, "10.0.0.1:5000", "SET", $"k{i}", "v"))));
        await p.GotoAsync($"/monitor/sessions/{quiet}?tab=analysis");
        await Expect(p.TestId("analysis-no-busy")).ToContainTextAsync("No busy stretches", new() { Timeout = 30_000 });
        await Expect(p.TestId("analysis-heaviest")).ToHaveCountAsync(0);
        await FillAsync(p, "analysis-delimiter", "");
        await Expect(p.TestId("analysis-panel")).ToContainTextAsync("The prefix delimiter is empty");
        await ShotBothThemesAsync(p, "04-quiet-capture");
    }

    [Fact]
    public async Task Item13_An_import_that_is_not_monitor_output_is_refused_and_can_be_forced_and_times_are_the_lines()
    {
        var p = await OpenAsync();
        await p.GotoAsync("/monitor?c=default");
        await p.TestId("import-open").ClickAsync();
        var file = p.Page.Locator("input[type=file][data-testid=import-file], [data-testid=import-file] input[type=file]").First;
        // Blazor's InputFile listens for the choice only once its script has initialised the element (it sets this
        // marker); a file chosen before that is lost, as it would be for a user quick enough.
        await file.EvaluateAsync("e => new Promise(ok => { const t = setInterval(() => { if (e._blazorInputFileNextFileId !== undefined) { clearInterval(t); ok(); } }, 20); })");
        await file.SetInputFilesAsync(new FilePayload
        {
            Name = "notes.txt",
            MimeType = "text/plain",
            Buffer = Encoding.UTF8.GetBytes("hello world\nthis is not a capture\n"),
        });
        await p.TestId("import-start").ClickAsync();
        await Expect(p.TestId("import-not-monitor")).ToContainTextAsync("does not look like MONITOR output");
        await ShotBothThemesAsync(p, "01-refused");
        await p.TestId("import-force").ClickAsync();
        await p.Page.WaitForURLAsync(new Regex(@"/monitor/sessions/[^/?#]+"));
        await Expect(p.TestId("session-title")).ToHaveTextAsync("Imported capture");

        // A real capture file: its lines' first and last times, and the upload time apart.
        var id = await ImportAsync(Monitor(1_700_000_000_000_000, 0, "10.0.0.1:5000", "GET", "a") + Monitor(1_700_000_090_000_000, 0, "10.0.0.1:5000", "GET", "b"));
        await p.GotoAsync($"/monitor/sessions/{id}");
        await Expect(p.TestId("session-started")).ToContainTextAsync("2023-11-1");
        await Expect(p.TestId("session-last-line")).ToContainTextAsync("2023-11-1");
        await Expect(p.TestId("session-duration")).ToContainTextAsync("1m 30s");
        await Expect(p.TestId("session-imported")).ToContainTextAsync(DateTime.UtcNow.Year.ToString());
        await ShotBothThemesAsync(p, "02-import-times");
    }

    [Fact]
    public async Task Item14_The_connection_form_says_every_error_refuses_bad_values_and_tests_before_saving()
    {
        await RedisAsync("ACL", "SETUSER", $"form-{Run}", "on", ">pw", "~*", "&*", "+@all", "-monitor");
        await CreateConnectionAsync($"taken-{Run}", 6390);
        var p = await OpenAsync();
        await p.GotoAsync("/connections");
        await p.TestId("add-connection").ClickAsync();
        await Expect(p.TestId("conn-save")).ToBeVisibleAsync();

        await FillAsync(p, "conn-host", "bad host!");
        await FillAsync(p, "conn-port", "70000");
        await FillAsync(p, "conn-db", "-1");
        await p.TestId("conn-save").ClickAsync();
        await Expect(p.TestId("conn-error-count")).ToContainTextAsync("4 values need fixing");
        await Expect(p.Page.Locator(".mud-input-helper-text.mud-input-error")).ToHaveCountAsync(4);
        await Expect(p.Page.Locator("input[data-testid=conn-db]")).ToHaveValueAsync("-1"); // never saved as 0
        await ShotBothThemesAsync(p, "01-every-error");

        await FillAsync(p, "conn-name", $"TAKEN-{Run}");
        await FillAsync(p, "conn-host", "127.0.0.1");
        await FillAsync(p, "conn-port", App.Redis.Port.ToString());
        await FillAsync(p, "conn-db", "0");
        await p.TestId("conn-save").ClickAsync();
        await Expect(p.Page.Locator(".mud-input-control").Filter(new() { Has = p.TestId("conn-name") })).ToContainTextAsync("already exists");

        // Test before saving, as a user that may connect but not MONITOR.
        await FillAsync(p, "conn-name", $"restricted-{Run}");
        await FillAsync(p, "conn-username", $"form-{Run}");
        await FillAsync(p, "conn-password", "pw");
        await p.TestId("conn-test").ClickAsync();
        var result = p.TestId("conn-test-result");
        await Expect(result.GetByTestId("test-result")).ToHaveAttributeAsync("data-monitor", "denied");
        await Expect(result).ToContainTextAsync("cannot run MONITOR");
        await Expect(result.GetByTestId("test-snippet")).ToHaveTextAsync($"ACL SETUSER form-{Run} +monitor");
        await ShotBothThemesAsync(p, "02-tested-before-saving");
        var before = (await App.Http.GetFromJsonAsync<JsonElement[]>("/api/connections"))!.Length;

        await p.TestId("conn-save").ClickAsync();
        await Expect(p.TestId("conn-save")).ToBeHiddenAsync();
        Assert.Equal(before + 1, (await App.Http.GetFromJsonAsync<JsonElement[]>("/api/connections"))!.Length);
        var row = p.TestId("connection-row").Filter(new() { HasText = $"restricted-{Run}" });
        await row.GetByTestId("test-connection").ClickAsync();
        await Expect(row.GetByTestId("test-result")).ToContainTextAsync("cannot run MONITOR");
        await ShotBothThemesAsync(p, "03-row-test");
    }
}
