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
    public async Task The_pre_flight_shows_in_the_dialog_and_a_long_capture_needs_its_confirmation()
    {
        var cut = await OpenDialogAsync();
        Assert.NotNull(cut.Find("[data-testid=preflight-panel]"));
        // The closed port: the pre-flight says so, and the form stays usable.
        await cut.WaitForAssertionAsync(() => Assert.Equal("error", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state")), Patience);
        Assert.False(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled"));

        await cut.Find("[data-testid=duration-value]").InputAsync("400"); // 400 s > 5 min
        await cut.WaitForAssertionAsync(() => Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled")), Patience);
        Assert.NotNull(cut.Find("[data-testid=confirm-long]"));
        Assert.Contains("tick the confirmation", cut.Find("[data-testid=start-needs-confirmation]").TextContent);

        await cut.Find("[data-testid=confirm-long]").ChangeAsync(new ChangeEventArgs { Value = true });
        await cut.WaitForAssertionAsync(() => Assert.False(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled")), Patience);
        Assert.Empty(cut.FindAll("[data-testid=start-needs-confirmation]"));

        // Another duration asks again.
        await cut.Find("[data-testid=duration-value]").InputAsync("500");
        await cut.WaitForAssertionAsync(() => Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled")), Patience);
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
    public async Task Unsupported_MONITOR_is_shown_in_start_error_and_nothing_starts()
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
        await (await cut.WaitForElementAsync("[data-testid=start-confirm]", Patience)).ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Contains("MONITOR is renamed or disabled", cut.Find("[data-testid=start-error]").TextContent), Patience);
        Assert.NotEmpty(cut.FindAll("[data-testid=start-confirm]")); // still open
        Assert.Empty(await Service<CaptureSessionService>().ListAsync(new SessionQuery("default")));
    }
}
