using System.Text.RegularExpressions;
using BetterDb.E2E.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>Issue 3: a capture started, watched, paused, shared and stopped from the browser.</summary>
public sealed class CaptureFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    private static Regex Word(string word) => new($@"^\s*{word}\s*$", RegexOptions.IgnoreCase);

    private static ILocator SessionRow(BrowserPage p, string id) =>
        p.Page.Locator($"[data-testid=session-row][data-session-id='{id}']");

    private ILocator TailLine(BrowserPage p, string label) =>
        p.TestId("tail-line").Filter(new() { HasText = $"e2e:{Run}:{label}" });

    [Fact]
    public async Task Capture_started_in_the_browser_tails_pauses_resumes_is_shared_and_stops()
    {
        var p = await OpenAsync();
        await p.GotoAsync("/monitor");
        await Expect(p.TestId("start-session")).ToBeVisibleAsync();
        await ShotBothThemesAsync(p, "01-monitor");

        // Start from the dialog: 60 s cap, requested by this test
        await p.TestId("start-session").ClickAsync();
        await Expect(p.TestId("start-confirm")).ToBeVisibleAsync();
        await SetDurationAsync(p, TimeSpan.FromSeconds(60));
        await FillAsync(p, "requested-by", $"e2e-{Run}");
        await ShotBothThemesAsync(p, "02-start-dialog");
        await p.TestId("start-confirm").ClickAsync();

        await p.Page.WaitForURLAsync(new Regex(@"/monitor/sessions/[^/?#]+$"));
        var id = new Uri(p.Page.Url).Segments[^1];
        Log($"session {id}");
        await Expect(p.TestId("session-status")).ToHaveTextAsync(Word("running"));
        await Expect(p.TestId("tail")).ToHaveAttributeAsync("data-mode", "live");
        var started = await App.GetSessionAsync(id);
        Assert.Equal("running", started.GetProperty("status").GetString());
        Assert.Equal($"e2e-{Run}", started.GetProperty("requestedBy").GetString());
        Assert.Equal(60_000, started.GetProperty("durationMs").GetInt64());

        // A watcher on /monitor (its own circuit) sees the running row
        var watcher = await OpenAsync("monitor-watcher");
        await watcher.GotoAsync("/monitor");
        await Expect(SessionRow(watcher, id)).ToHaveAttributeAsync("data-status", "running");

        // Live: commands from a real client appear in the tail
        for (var i = 1; i <= 3; i++) await RedisAsync("SET", $"e2e:{Run}:live:{i}", $"v{i}");
        await Expect(TailLine(p, "live:3")).ToHaveCountAsync(1);
        await Expect(TailLine(p, "live:")).ToHaveCountAsync(3);
        await EventuallyAsync(async () => await ReadIntAsync(p.TestId("line-count")) >= 3, TimeSpan.FromSeconds(10),
            "line-count did not count the live lines");
        // The safety watchdog's live signals sit beside the counters, each against its line.
        await Expect(p.TestId("watchdog-signals")).ToBeVisibleAsync();
        await Expect(p.TestId("watchdog-ping")).ToContainTextAsync(new Regex(@"\d+\.\d ms / 250 ms"));
        await Expect(p.TestId("watchdog-omem")).ToContainTextAsync("/ 32 MB");
        await Expect(p.TestId("watchdog-memory")).ToContainTextAsync("no maxmemory");
        await ShotBothThemesAsync(p, "03-live");

        // Pause: new lines are held (counted), not shown; the capture itself goes on
        await p.TestId("pause-tail").ClickAsync();
        await Expect(p.TestId("resume-tail")).ToBeVisibleAsync();
        var heldBefore = await ReadIntAsync(p.TestId("tail-held"));
        var countBefore = await ReadIntAsync(p.TestId("line-count"));
        for (var i = 1; i <= 5; i++) await RedisAsync("SET", $"e2e:{Run}:held:{i}", $"h{i}");
        await EventuallyAsync(async () => await ReadIntAsync(p.TestId("tail-held")) >= heldBefore + 5,
            TimeSpan.FromSeconds(15), "tail-held did not grow by the 5 commands sent while paused");
        await EventuallyAsync(async () => await ReadIntAsync(p.TestId("line-count")) >= countBefore + 5,
            TimeSpan.FromSeconds(15), "line-count did not grow while the tail was paused");
        await Expect(TailLine(p, "held:")).ToHaveCountAsync(0);
        Log($"paused: tail-held {await ReadIntAsync(p.TestId("tail-held"))}, tail-dropped {await ReadIntAsync(p.TestId("tail-dropped"))}");
        Assert.Equal(0, await ReadIntAsync(p.TestId("tail-dropped")));
        await ShotBothThemesAsync(p, "04-paused");

        // Resume: the held lines appear, in the order they were sent, after the earlier ones
        await p.TestId("resume-tail").ClickAsync();
        await Expect(p.TestId("pause-tail")).ToBeVisibleAsync();
        await Expect(TailLine(p, "held:5")).ToHaveCountAsync(1);
        await Expect(TailLine(p, "held:")).ToHaveCountAsync(5);
        var ours = await OurLinesAsync(p);
        AssertInOrder(ours, [.. Enumerable.Range(1, 3).Select(i => $"live:{i}"), .. Enumerable.Range(1, 5).Select(i => $"held:{i}")]);

        // A second viewer of the same session sees the same lines; closing it affects neither the first nor the capture
        var second = await OpenAsync("second-viewer");
        await second.GotoAsync($"/monitor/sessions/{id}");
        await Expect(TailLine(second, "held:5")).ToHaveCountAsync(1);
        for (var i = 1; i <= 3; i++) await RedisAsync("SET", $"e2e:{Run}:both:{i}", $"b{i}");
        await Expect(TailLine(p, "both:3")).ToHaveCountAsync(1);
        await Expect(TailLine(second, "both:3")).ToHaveCountAsync(1);
        Assert.Equal(await OurLinesAsync(p), await OurLinesAsync(second));
        await ShotAsync(second, "05-second-viewer");
        await second.DisposeAsync();

        // Enough lines for more than one stored page (500 a page), then one more marker
        await RedisAsync("-r", "600", "INCR", $"e2e:{Run}:fill");
        await RedisAsync("SET", $"e2e:{Run}:after:1", "a1");
        await Expect(TailLine(p, "after:1")).ToHaveCountAsync(1);
        await Expect(p.TestId("session-status")).ToHaveTextAsync(Word("running"));
        Assert.Equal("running", (await App.GetSessionAsync(id)).GetProperty("status").GetString());

        // Scrolled up, the view stays on what the reader looks at; jump-to-bottom brings the newest line back
        await p.TestId("tail").EvaluateAsync("el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }");
        await Expect(TailLine(p, "live:1")).ToHaveCountAsync(1);
        await RedisAsync("SET", $"e2e:{Run}:after:2", "a2");
        await EventuallyAsync(async () => await ReadIntAsync(p.TestId("line-count")) >= 613, TimeSpan.FromSeconds(10),
            "line-count did not reach 613");
        await p.Page.WaitForTimeoutAsync(500); // a few tail frames
        await Expect(TailLine(p, "after:2")).ToHaveCountAsync(0);
        await Expect(TailLine(p, "live:1")).ToHaveCountAsync(1);
        await p.TestId("jump-to-bottom").ClickAsync();
        await Expect(TailLine(p, "after:2")).ToHaveCountAsync(1);

        // Stop
        await p.TestId("stop-session").ClickAsync();
        await Expect(p.TestId("session-status")).ToHaveTextAsync(Word("completed"));
        await Expect(p.TestId("termination-reason")).ToContainTextAsync("stopped by a user");
        await Expect(p.TestId("termination-reason")).ToHaveAttributeAsync("data-reason", "manual_stop");
        var finished = await App.GetSessionAsync(id);
        Assert.Equal("completed", finished.GetProperty("status").GetString());
        Assert.Equal("manual_stop", finished.GetProperty("terminationReason").GetString());
        await Expect(p.TestId("line-count")).ToContainTextAsync(new Regex(@"\d"));
        Assert.Equal(finished.GetProperty("lineCount").GetInt64(), await ReadIntAsync(p.TestId("line-count")));
        Assert.True(finished.GetProperty("lineCount").GetInt64() >= 613);
        await ShotBothThemesAsync(p, "06-finished");

        // The watcher's row turned completed by itself; going back to /monitor shows it too (no reload)
        await Expect(SessionRow(watcher, id)).ToHaveAttributeAsync("data-status", "completed");
        await p.TestId("nav-monitor").ClickAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex(@"/monitor(\?c=default)?$"));
        await Expect(SessionRow(p, id)).ToHaveAttributeAsync("data-status", "completed");
        await Expect(SessionRow(p, id).GetByTestId("status-badge")).ToContainTextAsync(new Regex("completed", RegexOptions.IgnoreCase));
        await ShotBothThemesAsync(p, "07-monitor-after");

        // Opened afresh, the finished session reads its stored lines, page by page
        await p.GotoAsync($"/monitor/sessions/{id}");
        await Expect(p.TestId("tail")).ToHaveAttributeAsync("data-mode", "stored");
        var stored = await ReadAllStoredPagesAsync(p);
        AssertInOrder(stored.Where(l => l.Contains($"e2e:{Run}:")).ToList(),
            [.. Enumerable.Range(1, 3).Select(i => $"live:{i}"), .. Enumerable.Range(1, 5).Select(i => $"held:{i}"),
             .. Enumerable.Range(1, 3).Select(i => $"both:{i}"), "after:1", "after:2"]);
        await ShotBothThemesAsync(p, "08-stored");
    }

    /// <summary>Issue 12, item 2: a busy connection says so at the top as soon as the dialog opens, with a link; Start is off.</summary>
    [Fact]
    public async Task A_second_start_while_one_runs_says_so_at_the_top_at_once_with_a_link_to_it()
    {
        var running = await App.StartCaptureAsync(new { connectionId = "default", durationMs = 60_000, requestedBy = $"e2e-{Run}" });
        var runningId = running.GetProperty("id").GetString()!;

        var p = await OpenAsync();
        await p.GotoAsync("/monitor");
        await Expect(SessionRow(p, runningId)).ToHaveAttributeAsync("data-status", "running");
        await p.TestId("start-session").ClickAsync();
        await Expect(p.TestId("start-confirm")).ToBeVisibleAsync();

        // No click on Start: the verdict at the top already says it, in view, with the link.
        var verdict = p.TestId("start-verdict");
        await Expect(verdict).ToHaveAttributeAsync("data-running", runningId);
        await Expect(verdict).ToHaveAttributeAsync("data-level", "will_fail");
        await Expect(verdict).ToContainTextAsync("A capture is already running on this connection");
        await Expect(verdict).Not.ToContainTextAsync("No warnings");
        await Expect(p.TestId("start-confirm")).ToBeDisabledAsync();
        var link = p.TestId("running-session-link");
        await Expect(link).ToBeInViewportAsync();
        Assert.Contains(runningId, await link.GetAttributeAsync("href") ?? "");
        // Once the pre-flight's report is in, the verdict still says it (it never turns "ready").
        await Expect(p.TestId("preflight-panel")).Not.ToHaveAttributeAsync("data-state", "loading", new() { Timeout = 20_000 });
        await Expect(verdict).ToHaveAttributeAsync("data-level", "will_fail");
        await ShotBothThemesAsync(p, "start-conflict");

        await link.ClickAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex($"/monitor/sessions/{runningId}$"));
        await Expect(p.TestId("session-status")).ToHaveTextAsync(Word("running"));
        // Only the first capture exists and runs.
        var all = await App.Http.GetStringAsync("/api/monitor/sessions?status=running");
        Assert.Equal(1, Regex.Matches(all, "\"id\"").Count);
    }

    /// <summary>Sets the dialog's duration, whatever unit it shows by default.</summary>
    private static async Task SetDurationAsync(BrowserPage p, TimeSpan duration)
    {
        // MudSelect shows its value as text (with the label), not in an input.
        var unit = (await p.TestId("duration-unit").InnerTextAsync()).ToLowerInvariant();
        var value = unit.Contains("hour") ? duration.TotalHours
            : unit.Contains("minute") ? duration.TotalMinutes
            : unit.Contains("milli") ? duration.TotalMilliseconds
            : duration.TotalSeconds;
        await FillAsync(p, "duration-value", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The tail's lines that carry this test's keys, in document order.</summary>
    private async Task<List<string>> OurLinesAsync(BrowserPage p) =>
        (await p.TestId("tail-line").AllInnerTextsAsync()).Where(t => t.Contains($"e2e:{Run}:")).ToList();

    private void AssertInOrder(IReadOnlyList<string> lines, IReadOnlyList<string> labels)
    {
        var positions = labels.Select(label => IndexOf(lines, $"e2e:{Run}:{label}")).ToList();
        Assert.True(positions.All(i => i >= 0),
            $"missing: {string.Join(", ", labels.Where((_, n) => positions[n] < 0))}\nlines:\n{string.Join("\n", lines)}");
        for (var n = 1; n < positions.Count; n++)
            Assert.True(positions[n] > positions[n - 1], $"{labels[n]} is not after {labels[n - 1]}:\n{string.Join("\n", lines)}");
    }

    private static int IndexOf(IReadOnlyList<string> lines, string key)
    {
        for (var i = 0; i < lines.Count; i++)
            if (Regex.IsMatch(lines[i], Regex.Escape(key) + @"(?![0-9])")) return i;
        return -1;
    }

    /// <summary>Collects every stored page through page-next, then walks back with page-prev to the first one.</summary>
    private async Task<List<string>> ReadAllStoredPagesAsync(BrowserPage p)
    {
        var lines = p.TestId("tail-line");
        var range = p.TestId("page-range");
        var next = p.TestId("page-next");
        var prev = p.TestId("page-prev");
        await Expect(lines.First).ToBeVisibleAsync();
        await Expect(prev).ToBeDisabledAsync();
        var all = new List<string>(await lines.AllInnerTextsAsync());
        var firstRange = await range.InnerTextAsync();
        var ranges = new List<string> { firstRange };
        while (ranges.Count < 50 && await next.IsEnabledAsync())
        {
            await next.ClickAsync();
            await Expect(range).Not.ToHaveTextAsync(ranges[^1]);
            await Expect(lines.First).ToBeVisibleAsync();
            ranges.Add(await range.InnerTextAsync());
            all.AddRange(await lines.AllInnerTextsAsync());
        }
        Log($"stored lines read: {all.Count} on {ranges.Count} page(s): {string.Join(" | ", ranges)}");
        Assert.True(ranges.Count > 1, "expected more than one stored page");
        await Expect(next).ToBeDisabledAsync();
        for (var i = ranges.Count - 2; i >= 0; i--)
        {
            await prev.ClickAsync();
            await Expect(range).ToHaveTextAsync(ranges[i]);
        }
        await Expect(prev).ToBeDisabledAsync();
        return all;
    }
}
