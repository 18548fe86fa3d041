using BetterDb.Blazor.Components.Pages;
using BetterDb.Core.Capture;
using BetterDb.Testing;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace BetterDb.Tests.Components;

/// <summary>Pages over a real capture of a real redis-server (started per test on a free port).</summary>
public sealed class LiveCaptureTests : ComponentTestContext
{
    private RedisServer? _redis;

    protected override string? DefaultConnection => _redis?.Url;

    public override async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(TimeSpan.FromMinutes(5));
        await base.InitializeAsync();
    }

    [Fact]
    public async Task A_second_start_on_a_busy_connection_says_so_and_links_the_running_capture()
    {
        var running = await Service<CaptureSessionService>().StartAsync(new StartCaptureRequest { ConnectionId = "default", DurationMs = 60_000 });

        var cut = Ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MonitorPage>(2);
            builder.CloseComponent();
        });
        await cut.WaitForAssertionAsync(() => Assert.Equal("running", cut.Find($"[data-session-id='{running.Id}']").GetAttribute("data-status")), Patience);
        _ = cut.Find("[data-testid=start-session]").ClickAsync(new MouseEventArgs()); // its handler waits for the dialog to close
        await cut.WaitForElementAsync("[data-testid=start-confirm]", Patience);

        // Said at the top as the dialog opens, before any click, with a link; Start is off and says why.
        var verdict = cut.Find("[data-testid=start-verdict]");
        Assert.Equal(running.Id, verdict.GetAttribute("data-running"));
        Assert.Equal("will_fail", verdict.GetAttribute("data-level"));
        Assert.Contains("A capture is already running on this connection", verdict.TextContent);
        Assert.EndsWith($"monitor/sessions/{running.Id}", cut.Find("[data-testid=running-session-link]").GetAttribute("href"));
        Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled"));
        Assert.Contains("already running", cut.Find("[data-testid=start-blocked]").TextContent);
        // The pre-flight's report, arriving later, does not turn it into "ready".
        await cut.WaitForAssertionAsync(() => Assert.NotEqual("loading", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state")), Patience);
        Assert.Equal("will_fail", cut.Find("[data-testid=start-verdict]").GetAttribute("data-level"));
        Assert.Equal("already_running", cut.FindAll("[data-testid=start-verdict] [data-testid=verdict-reason]")[0].GetAttribute("data-code"));

        // Once it is stopped, the dialog lets a new one start.
        await Service<CaptureSessionService>().StopAsync(running.Id);
        await cut.WaitForAssertionAsync(() => Assert.Null(cut.Find("[data-testid=start-verdict]").GetAttribute("data-running")), Patience);
        await cut.WaitForAssertionAsync(() => Assert.False(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled")), Patience);
        Assert.Single(await Service<CaptureSessionService>().ListAsync(new SessionQuery("default")));
    }

    [Fact]
    public async Task The_session_page_tails_live_lines_then_flips_to_the_stored_view_when_stopped()
    {
        var sessions = Service<CaptureSessionService>();
        var session = await sessions.StartAsync(new StartCaptureRequest { ConnectionId = "default", DurationMs = 60_000 });

        var cut = Ctx.Render<SessionPage>(p => p.Add(s => s.Id, session.Id));
        await cut.WaitForAssertionAsync(() => Assert.Equal("live", cut.Find("[data-testid=tail]").GetAttribute("data-mode")), Patience);
        Assert.Equal("running", cut.Find("[data-testid=session-status]").TextContent.Trim());
        Assert.NotNull(cut.Find("[data-testid=stop-session]"));

        // MONITOR only shows commands issued after it started: retry until the line shows.
        await WaitUntilAsync(async () =>
        {
            await _redis!.CliAsync("SET", "ui-key", "ui-value");
            await Task.Delay(300);
            return cut.FindAll("[data-testid=tail-line]").Any(l => l.TextContent.Contains("ui-key") && l.TextContent.Contains("ui-value"));
        });
        var line = cut.FindAll("[data-testid=tail-line]").First(l => l.TextContent.Contains("ui-key"));
        Assert.Equal("SET", line.QuerySelector(".t-cmd")!.TextContent);
        await cut.WaitForAssertionAsync(() => Assert.True(long.Parse(cut.Find("[data-testid=line-count]").GetAttribute("data-count")!) >= 1), Patience);

        await cut.Find("[data-testid=stop-session]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Equal("stored", cut.Find("[data-testid=tail]").GetAttribute("data-mode")), Patience);
        Assert.Equal("completed", cut.Find("[data-testid=session-status]").TextContent.Trim());
        Assert.Equal("stopped by a user", cut.Find("[data-testid=termination-reason]").TextContent.Trim());
        Assert.Equal("manual_stop", cut.Find("[data-testid=termination-reason]").GetAttribute("data-reason"));
        Assert.Empty(cut.FindAll("[data-testid=stop-session]"));
        await cut.WaitForAssertionAsync(() => Assert.Contains(cut.FindAll("[data-testid=tail-line]"), l => l.TextContent.Contains("ui-key")), Patience);
        // The page's viewer went away with the live view; the capture kept every line.
        Assert.Null(sessions.GetLiveTail(session.Id));
    }

    [Fact]
    public async Task Closing_the_page_releases_its_viewer_and_leaves_the_capture_running()
    {
        var sessions = Service<CaptureSessionService>();
        var session = await sessions.StartAsync(new StartCaptureRequest { ConnectionId = "default", DurationMs = 60_000 });
        var tail = sessions.GetLiveTail(session.Id)!;

        var cut = Ctx.Render<SessionPage>(p => p.Add(s => s.Id, session.Id));
        await cut.WaitForAssertionAsync(() => Assert.Equal(1, tail.ViewerCount), Patience);
        Ctx.Render<SessionPage>(p => p.Add(s => s.Id, session.Id)); // a second viewer of the same capture
        await cut.WaitForAssertionAsync(() => Assert.Equal(2, tail.ViewerCount), Patience);

        await Ctx.Renderer.Dispatcher.InvokeAsync(() => Ctx.DisposeComponentsAsync());

        Assert.Equal(0, tail.ViewerCount);
        Assert.True((await sessions.GetAsync(session.Id))!.IsRunning);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(50);
        }
    }

    public override async Task DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await Service<CaptureSessionService>().ShutdownAsync(cts.Token);
        await base.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
