using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace BetterDb.E2E.Infrastructure;

/// <summary>
/// Base of the browser tests: pages opened through <see cref="OpenAsync"/> are closed after the
/// test, running captures are stopped, and whatever the browser or the app complained about is
/// printed with the test's output.
/// </summary>
[Collection(AppCollection.Name)]
public abstract class E2ETest(AppFixture app, ITestOutputHelper output) : IAsyncLifetime
{
    public static readonly string ScreenshotDirectory =
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "screenshots"));

    private readonly List<BrowserPage> _pages = [];
    private int _appLogMark;

    protected AppFixture App => app;

    /// <summary>A short distinctive token for keys and names, so a test only sees its own lines.</summary>
    protected string Run { get; } = Guid.NewGuid().ToString("N")[..8];

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    protected void Log(string message) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

    /// <summary>Logs and also prints to the runner's console (screenshot paths, measured figures).</summary>
    protected void Report(string message)
    {
        Log(message);
        Console.WriteLine(message);
    }

    protected async Task<BrowserPage> OpenAsync(string name = "main", Uri? baseAddress = null)
    {
        var page = await App.NewPageAsync(name, baseAddress);
        _pages.Add(page);
        return page;
    }

    /// <summary>Saves <c>bin/screenshots/&lt;test&gt;-&lt;step&gt;.png</c> and prints its path.</summary>
    protected async Task<string> ShotAsync(BrowserPage page, string step, [CallerMemberName] string test = "")
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, $"{GetType().Name}.{test}-{step}.png");
        await page.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false });
        Report($"screenshot: {path}");
        return path;
    }

    /// <summary>Screenshots the page in its current theme, switches theme, screenshots again and switches back.</summary>
    protected async Task ShotBothThemesAsync(BrowserPage page, string step, [CallerMemberName] string test = "")
    {
        var dark = await IsDarkAsync(page);
        await ShotAsync(page, $"{step}-{(dark ? "dark" : "light")}", test);
        await ToggleThemeAsync(page);
        await ShotAsync(page, $"{step}-{(dark ? "light" : "dark")}", test);
        await ToggleThemeAsync(page);
    }

    /// <summary>The theme the layout says it shows (<c>#app-root[data-theme]</c>).</summary>
    protected static async Task<bool> IsDarkAsync(BrowserPage page) =>
        await page.Page.Locator("#app-root").GetAttributeAsync("data-theme") == "dark";

    /// <summary>Whether the page really looks dark: luminance of the first opaque background from the layout outwards.</summary>
    protected static Task<bool> LooksDarkAsync(BrowserPage page) => page.Page.EvaluateAsync<bool>("""
        () => {
          const els = [document.querySelector('.mud-layout'), document.body, document.documentElement].filter(e => e);
          for (const e of els) {
            const m = getComputedStyle(e).backgroundColor.match(/[\d.]+/g);
            if (!m) continue;
            const [r, g, b, a] = m.map(Number);
            if (a === 0) continue;
            return (0.2126 * r + 0.7152 * g + 0.0722 * b) < 128;
          }
          return false;
        }
        """);

    /// <summary>
    /// Clicks <c>theme-toggle</c> and waits until the theme flips. The click is dispatched on the
    /// element, so it also works while a dialog's overlay covers the app bar.
    /// </summary>
    protected static async Task ToggleThemeAsync(BrowserPage page)
    {
        var before = await IsDarkAsync(page);
        for (var attempt = 1; ; attempt++)
        {
            await page.TestId("theme-toggle").DispatchEventAsync("click");
            try
            {
                await EventuallyAsync(async () => await IsDarkAsync(page) != before, TimeSpan.FromSeconds(3),
                    "data-theme did not change after clicking theme-toggle");
                break;
            }
            catch (TimeoutException) when (attempt < 3)
            {
                // The layout restores the saved theme right after the circuit starts; a click in that window is undone.
            }
        }
        await EventuallyAsync(async () => await LooksDarkAsync(page) != before, TimeSpan.FromSeconds(3),
            "the page background did not follow the theme");
        await page.Page.WaitForTimeoutAsync(400); // let MudBlazor's colour transitions finish before a screenshot
    }

    /// <summary>Types into the input of a MudBlazor field and leaves it, so a change-bound field updates.</summary>
    protected static async Task FillAsync(BrowserPage page, string testId, string value)
    {
        var input = page.Page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]").First;
        await input.FillAsync(value);
        await input.BlurAsync();
    }

    /// <summary>Sends a command with redis-cli; commands sent one after another reach MONITOR in that order.</summary>
    protected async Task RedisAsync(params string[] args)
    {
        var reply = await App.Redis.CliAsync(args);
        if (reply.StartsWith("(error)") || reply.StartsWith("ERR") || reply.Contains("Could not connect"))
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args)}: {reply}");
    }

    protected static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure, int pollMs = 100)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{failure} (waited {timeout.TotalSeconds:0.#} s)");
            await Task.Delay(pollMs);
        }
    }

    /// <summary>The first integer in the element's text ("1,234 lines" -> 1234).</summary>
    protected static async Task<long> ReadIntAsync(ILocator locator)
    {
        var text = await locator.InnerTextAsync();
        return ParseInt(text) ?? throw new FormatException($"no integer in '{text}'");
    }

    protected static long? ParseInt(string text)
    {
        var m = Regex.Match(text, @"\d[\d,.\u00a0\u202f ]*");
        if (!m.Success) return null;
        var digits = Regex.Replace(m.Value.TrimEnd(), @"[,.\u00a0\u202f ]", "");
        return long.Parse(digits, CultureInfo.InvariantCulture);
    }

    public Task InitializeAsync()
    {
        _appLogMark = App.AppLog.Count;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Closes the pages, prints what the browser and the app complained about, stops running
    /// captures, and fails the test if a Blazor circuit died along the way (the user would have
    /// seen "An unhandled error has occurred" even if every assertion passed).
    /// </summary>
    public async Task DisposeAsync()
    {
        var circuitErrors = new List<string>();
        foreach (var page in _pages)
        {
            foreach (var problem in page.Problems)
            {
                Log($"[browser {page.Name}] {problem}");
                if (problem.Contains("unhandled exception on the current circuit", StringComparison.OrdinalIgnoreCase))
                    circuitErrors.Add($"{page.Name}: {problem}");
            }
            await page.DisposeAsync();
        }
        foreach (var entry in App.AppLog.Since(_appLogMark))
        {
            Log($"[app] {(entry.Length > 1500 ? entry[..1500] + " ..." : entry)}");
            // A JSDisconnectedException is the circuit of a page this test already closed: a
            // navigation or render that arrived after the browser left, which nobody can see.
            if (entry.Contains("Unhandled exception in circuit", StringComparison.Ordinal)
                && !entry.Contains("JSDisconnectedException", StringComparison.Ordinal))
                circuitErrors.Add(entry.Split('\n')[0] + " " + entry.Split('\n').Skip(1).FirstOrDefault());
        }
        try { await App.StopRunningCapturesAsync(); }
        catch (Exception e) { Log($"could not stop running captures: {e.Message}"); }
        if (circuitErrors.Count > 0)
            throw new Xunit.Sdk.XunitException("A Blazor circuit failed during the test:\n" + string.Join("\n", circuitErrors));
    }
}
