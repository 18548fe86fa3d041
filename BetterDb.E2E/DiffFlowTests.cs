using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BetterDb.E2E.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>
/// Issue 17 in a real Chromium against the real app: two imported captures of known traffic (after: GET doubled, a new
/// HGETALL from a new client, bigger values; before: a DEL that is gone), compared from the session header's "Compare…",
/// the baseline picked by searching the picker, every section checked, sides swapped; the page shot in both themes.
/// </summary>
public sealed class DiffFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    private static string Line(long micros, string addr, params string[] args) =>
        $"{micros / 1_000_000}.{micros % 1_000_000:000000} [0 {addr}] " + string.Join(' ', args.Select(a => $"\"{a}\"")) + "\n";

    /// <summary>Lines spread evenly over exactly <paramref name="seconds"/>.</summary>
    private static string File(long startSec, int seconds, List<(string Addr, string[] Args)> events)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < events.Count; i++)
            sb.Append(Line(startSec * 1_000_000 + seconds * 1_000_000L * i / (events.Count - 1), events[i].Addr, events[i].Args));
        return sb.ToString();
    }

    private static string Before()
    {
        var events = new List<(string, string[])>();
        for (var i = 0; i < 200; i++)
        {
            var key = $"user:{1 + i % 4}";
            events.Add(("10.0.0.1:5000", i % 2 == 0 ? ["SET", key, new string('x', 100)] : ["GET", key]));
            if (i % 20 == 10) events.Add(("10.0.0.3:7000", ["DEL", $"tmp:{i}"]));
        }
        return File(1_600_000_000, 10, events);
    }

    private static string After()
    {
        var events = new List<(string, string[])>();
        for (var i = 0; i < 150; i++)
        {
            var key = $"user:{1 + i % 4}";
            events.Add(("10.0.0.1:5000", i % 3 == 0 ? ["SET", key, new string('y', 1000)] : ["GET", key]));
            if (i % 6 == 3) events.Add(("10.0.0.2:6000", ["HGETALL", "session:1"]));
        }
        return File(1_600_086_400, 5, events);
    }

    private async Task<string> ImportAsync(string text, string label)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "file", "monitor.txt");
        form.Add(new StringContent("default"), "connectionId");
        form.Add(new StringContent($"e2e-{Run}"), "requestedBy");
        using var response = await App.Http.PostAsync("/api/monitor/sessions/import", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        using var patch = await App.Http.PatchAsJsonAsync($"/api/monitor/sessions/{id}", new { label });
        Assert.True(patch.IsSuccessStatusCode, await patch.Content.ReadAsStringAsync());
        return id;
    }

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

    private static ILocator Row(BrowserPage p, string testId, string attribute, string value) =>
        p.Page.Locator($"[data-testid={testId}][data-{attribute}='{value}']");

    [Fact]
    public async Task Compare_two_captures_from_the_session_header_pick_the_baseline_and_swap()
    {
        var before = await ImportAsync(Before(), $"before deploy {Run}");
        var after = await ImportAsync(After(), $"after deploy {Run}");
        var p = await OpenAsync();

        await p.GotoAsync($"/monitor/sessions/{after}");
        await p.WaitInteractiveAsync();
        await Expect(p.TestId("compare-session")).ToBeVisibleAsync();
        await ShotAsync(p, "00-session-header");
        await p.TestId("compare-session").ClickAsync();
        await p.Page.WaitForURLAsync(new Regex($"/monitor/sessions/{after}/diff"));
        await p.WaitInteractiveAsync();
        await Expect(p.TestId("diff-empty")).ToBeVisibleAsync();
        await ShotBothThemesAsync(p, "01-pick");

        // The picker searches this connection's finished sessions; the option shows time, source and lines.
        var picker = p.Page.Locator("[data-testid=diff-picker] input, input[data-testid=diff-picker]").First;
        await picker.ClickAsync();
        await picker.FillAsync($"before deploy {Run}");
        var option = p.Page.Locator($"[data-testid=diff-pick-option][data-session-id='{before}']");
        await Expect(option).ToBeVisibleAsync();
        await Expect(option).ToContainTextAsync("import");
        await Expect(option).ToContainTextAsync("210 lines");
        await option.ClickAsync();
        await p.Page.WaitForURLAsync(new Regex($"/monitor/sessions/{after}/diff\\?vs={before}"));
        await Expect(p.TestId("diff-page")).ToHaveAttributeAsync("data-state", "ready");
        Log("before: " + await App.Http.GetStringAsync($"/api/monitor/sessions/{before}"));
        Log("diff sides: " + JsonSerializer.Serialize((await App.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{after}/diff?vs={before}")).GetProperty("baseline")));

        // Every axis, with its marker.
        await Expect(p.TestId("diff-rate-baseline")).ToHaveTextAsync("21/s");
        await Expect(p.TestId("diff-rate-capture")).ToHaveTextAsync("35/s");
        await Expect(Row(p, "diff-commands-row", "name", "GET")).ToHaveAttributeAsync("data-change", "up");
        await Expect(Row(p, "diff-commands-row", "name", "GET")).ToHaveAttributeAsync("data-per-sec", "20");
        await Expect(Row(p, "diff-commands-row", "name", "HGETALL")).ToHaveAttributeAsync("data-change", "new");
        await Expect(Row(p, "diff-commands-row", "name", "DEL")).ToHaveAttributeAsync("data-change", "vanished");
        await Expect(Row(p, "diff-commands-row", "name", "SET")).ToHaveAttributeAsync("data-change", "same");
        await Expect(p.TestId("diff-commands-row").First).ToHaveAttributeAsync("data-name", "GET");
        await Expect(p.TestId("diff-mix-chart").Locator("svg").First).ToBeVisibleAsync();
        await Expect(Row(p, "diff-shape-row", "shape", "HGETALL:2")).ToHaveAttributeAsync("data-change", "new");
        await Expect(Row(p, "diff-shape-row", "shape", "DEL:2")).ToHaveAttributeAsync("data-change", "vanished");
        await Expect(Row(p, "diff-hot-key-row", "key", "session:1")).ToHaveAttributeAsync("data-change", "new");
        await Expect(Row(p, "diff-prefixes-row", "name", "session:")).ToHaveAttributeAsync("data-change", "new");
        await Expect(Row(p, "diff-prefixes-row", "name", "tmp:")).ToHaveAttributeAsync("data-change", "vanished");
        await Expect(Row(p, "diff-client-row", "addr", "10.0.0.2:6000")).ToHaveAttributeAsync("data-change", "new");
        await Expect(Row(p, "diff-client-row", "addr", "10.0.0.3:7000")).ToHaveAttributeAsync("data-change", "vanished");
        await Expect(p.TestId("diff-clients")).ToContainTextAsync("client names are unknown");
        await Expect(p.TestId("diff-inferred")).ToHaveAttributeAsync("data-meaningful", "false");
        await Expect(p.TestId("diff-inferred-note")).ToContainTextAsync("Not meaningful here");
        await Expect(Row(p, "diff-largest-row", "cmd", "SET")).ToHaveAttributeAsync("data-change", "up");
        await Expect(p.TestId("diff-largest-figure")).ToContainTextAsync("1000");
        await ShotBothThemesAsync(p, "02-compared");
        await FullShotsAsync(p, "02-compared");

        // Swap: the same comparison the other way round.
        await p.TestId("diff-swap").ClickAsync();
        await p.Page.WaitForURLAsync(new Regex($"/monitor/sessions/{before}/diff\\?vs={after}"));
        await Expect(p.TestId("diff-page")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(Row(p, "diff-commands-row", "name", "DEL")).ToHaveAttributeAsync("data-change", "new");
        await Expect(Row(p, "diff-shape-row", "shape", "HGETALL:2")).ToHaveAttributeAsync("data-change", "vanished");
        await Expect(p.TestId("diff-capture")).ToHaveAttributeAsync("data-session-id", before);

        // The same diff over HTTP.
        var json = await App.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{after}/diff?vs={before}");
        Assert.Equal(35.0, json.GetProperty("throughput").GetProperty("linesPerSec").GetDouble());
        Assert.Empty(p.Problems);
    }

    [Fact]
    public async Task The_session_page_has_a_compare_tab_that_keeps_its_choice_in_the_url()
    {
        var before = await ImportAsync(Before(), $"tab before {Run}");
        var after = await ImportAsync(After(), $"tab after {Run}");
        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{after}");
        await p.Page.GetByRole(AriaRole.Tab, new() { Name = "Compare" }).ClickAsync();
        await p.Page.WaitForURLAsync(new Regex($"/monitor/sessions/{after}\\?tab=compare"));
        await Expect(p.TestId("diff-empty")).ToBeVisibleAsync();
        var picker = p.Page.Locator("[data-testid=diff-picker] input, input[data-testid=diff-picker]").First;
        await picker.ClickAsync();
        await picker.FillAsync($"tab before {Run}");
        await p.Page.Locator($"[data-testid=diff-pick-option][data-session-id='{before}']").ClickAsync();
        await p.Page.WaitForURLAsync(new Regex($"/monitor/sessions/{after}\\?tab=compare&vs={before}"));
        await Expect(p.TestId("diff-page")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(Row(p, "diff-commands-row", "name", "HGETALL")).ToHaveAttributeAsync("data-change", "new");
        await Expect(p.TestId("diff-back")).ToHaveCountAsync(0); // the session page's own header is above it
        await ShotBothThemesAsync(p, "01-compare-tab");

        // A reload (or a shared link) opens the same comparison in the tab.
        await p.Page.ReloadAsync();
        await p.WaitInteractiveAsync();
        await Expect(p.TestId("diff-page")).ToHaveAttributeAsync("data-state", "ready");
        await p.TestId("diff-swap").ClickAsync();
        await p.Page.WaitForURLAsync(new Regex($"/monitor/sessions/{before}\\?tab=compare&vs={after}"));
        await Expect(Row(p, "diff-commands-row", "name", "DEL")).ToHaveAttributeAsync("data-change", "new");
    }
}
