using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace BetterDb.E2E.Infrastructure;

/// <summary>
/// One browser context and its page, recording what went wrong on the browser side
/// (console errors, failed requests) so a test can assert on it or print it.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _problems = new();

    internal BrowserPage(string name, IBrowserContext context, IPage page)
    {
        Name = name;
        Context = context;
        Page = page;
        page.Console += (_, m) =>
        {
            if (m.Type is "error") _problems.Enqueue($"console error: {m.Text}");
        };
        page.PageError += (_, e) => _problems.Enqueue($"page error: {e}");
        page.RequestFailed += (_, r) => _problems.Enqueue($"request failed: {r.Method} {r.Url} {r.Failure}");
        page.Response += (_, r) =>
        {
            if (r.Status >= 400) _problems.Enqueue($"HTTP {r.Status}: {r.Request.Method} {r.Url}");
        };
    }

    public string Name { get; }
    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public IReadOnlyCollection<string> Problems => _problems.ToArray();

    public ILocator TestId(string id) => Page.GetByTestId(id);

    /// <summary>Navigates and waits until the Blazor circuit is up: clicks before that are lost (prerender).</summary>
    public async Task GotoAsync(string path)
    {
        await Page.GotoAsync(path);
        await WaitInteractiveAsync();
    }

    public Task WaitInteractiveAsync() =>
        Page.Locator("#app-root[data-interactive=true]").WaitForAsync(new LocatorWaitForOptions
        {
            State = WaitForSelectorState.Attached,
            Timeout = 20_000,
        });

    public async ValueTask DisposeAsync()
    {
        try { await Context.CloseAsync(); }
        catch (PlaywrightException) { }
    }
}
