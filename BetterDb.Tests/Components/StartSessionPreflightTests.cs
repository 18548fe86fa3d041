using BetterDb.Core.Preflight;
using BetterDb.Blazor.Components.Pages;
using BetterDb.Core.Capture;
using BetterDb.Testing;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace BetterDb.Tests.Components;

/// <summary>The start dialog with its pre-flight panel; the default connection is a closed port (the pre-flight fails fast).</summary>
public sealed class StartSessionPreflightTests : ComponentTestContext
{
    [Fact]
    public async Task A_server_that_cannot_be_reached_will_fail_at_the_top_and_start_stays_blocked()
    {
        var cut = await OpenDialogAsync();
        Assert.NotNull(cut.Find("[data-testid=preflight-panel]"));
        // The closed port: one verdict at the top of the dialog, Start blocked and saying why.
        await cut.WaitForAssertionAsync(() => Assert.Equal("will_fail", cut.Find("[data-testid=start-verdict]").GetAttribute("data-level")), Patience);
        var verdict = cut.Find("[data-testid=start-verdict]");
        Assert.Equal(PreflightVerdict.TargetUnreachable, verdict.QuerySelector("[data-testid=verdict-reason]")!.GetAttribute("data-code"));
        Assert.Contains("cannot be reached", verdict.TextContent);
        Assert.NotNull(verdict.QuerySelector("[data-testid=preflight-retry]"));
        // The verdict is the dialog's first content: nothing above it to scroll past.
        Assert.Equal("start-verdict", cut.Find(".form-grid").Children[0].GetAttribute("data-testid"));
        // The panel does not repeat it further down.
        Assert.Empty(cut.FindAll("[data-testid=preflight-panel] [data-testid=preflight-verdict]"));
        Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled"));
        Assert.Contains("would fail", cut.Find("[data-testid=start-blocked]").TextContent);

        // A long duration asks for its confirmation right under the duration, not at the end of the pre-flight.
        await cut.Find("[data-testid=duration-value]").InputAsync("400"); // 400 s > 5 min
        await cut.WaitForAssertionAsync(() => Assert.NotNull(cut.Find("[data-testid=confirm-long]")), Patience);
        var order = cut.Find(".form-grid").Children.Select(e => e.GetAttribute("data-testid") ?? e.ClassName).ToList();
        Assert.True(order.IndexOf("preflight-confirmation") < order.IndexOf("preflight-panel"), string.Join(", ", order));
        await cut.Find("[data-testid=confirm-long]").ChangeAsync(new ChangeEventArgs { Value = true });
        Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled")); // confirmed, but it still cannot succeed
    }

    [Fact]
    public async Task A_closed_dialog_opens_afresh()
    {
        var cut = await OpenDialogAsync();
        await cut.Find("[data-testid=duration-value]").InputAsync("400");
        await cut.Find("[data-testid=confirm-long]").ChangeAsync(new ChangeEventArgs { Value = true });
        await cut.Find("[data-testid=requested-by]").InputAsync("dave");
        await cut.Find("[data-testid=start-cancel]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Empty(cut.FindAll("[data-testid=start-confirm]")), Patience);

        _ = cut.Find("[data-testid=start-session]").ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=start-confirm]", Patience);
        Assert.Equal("30", cut.Find("[data-testid=duration-value]").GetAttribute("value"));
        Assert.Equal("", cut.Find("[data-testid=requested-by]").GetAttribute("value") ?? "");
        Assert.Empty(cut.FindAll("[data-testid=confirm-long]"));
        Assert.Empty(cut.FindAll("[data-testid=start-error]"));
    }

    private async Task<IRenderedComponent<IComponent>> OpenDialogAsync()
    {
        var cut = Ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MonitorPage>(2);
            builder.CloseComponent();
        });
        _ = (await cut.WaitForElementAsync("[data-testid=start-session]", Patience)).ClickAsync(new MouseEventArgs()); // its handler waits for the dialog
        await cut.WaitForElementAsync("[data-testid=start-confirm]", Patience);
        return cut;
    }
}

/// <summary>A server with MONITOR renamed away: the start path refuses before any capture is recorded.</summary>
public sealed class StartOnUnsupportedServerTests : ComponentTestContext
{
    private RedisServer? _redis;

    protected override string? DefaultConnection => _redis?.Url;

    public override async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(TimeSpan.FromMinutes(5), "--rename-command", "MONITOR", "");
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Unsupported_MONITOR_will_fail_at_the_top_and_nothing_starts()
    {
        var cut = Ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MonitorPage>(2);
            builder.CloseComponent();
        });
        _ = (await cut.WaitForElementAsync("[data-testid=start-session]", Patience)).ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=start-confirm]", Patience);

        await cut.WaitForAssertionAsync(() => Assert.Equal("will_fail", cut.Find("[data-testid=start-verdict]").GetAttribute("data-level")), Patience);
        Assert.Contains("renamed or disabled", cut.Find("[data-testid=start-verdict]").TextContent);
        Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled"));
        // The provider section agrees with the verdict.
        Assert.Contains("not available", cut.Find("[data-testid=monitor-support]").TextContent);
        Assert.Empty(await Service<CaptureSessionService>().ListAsync(new SessionQuery("default")));
    }
}
