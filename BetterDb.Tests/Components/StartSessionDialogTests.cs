using BetterDb.Blazor.Components.Pages;
using BetterDb.Blazor.Components.Sessions;
using BetterDb.Core.Capture;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace BetterDb.Tests.Components;

/// <summary>The start dialog against the real capture service; the default connection is a closed port, so captures fail fast.</summary>
public sealed class StartSessionDialogTests : ComponentTestContext
{
    [Fact]
    public async Task The_dialog_offers_duration_with_unit_requested_by_and_both_caps()
    {
        var cut = RenderMonitorPage();
        await OpenDialog(cut);

        Assert.Equal("30", cut.Find("[data-testid=duration-value]").GetAttribute("value"));
        Assert.Contains("seconds", cut.Find("[data-testid=duration-unit]").TextContent + cut.Find("[data-testid=duration-unit]").GetAttribute("value"));
        Assert.NotNull(cut.Find("[data-testid=requested-by]"));
        Assert.NotNull(cut.Find("[data-testid=byte-cap]"));
        Assert.NotNull(cut.Find("[data-testid=line-cap]"));
        Assert.NotNull(cut.Find("[data-testid=start-cancel]"));
        Assert.Empty(cut.FindAll("[data-testid=start-error]"));
    }

    [Fact]
    public async Task An_out_of_range_duration_is_shown_on_the_duration_field_and_nothing_starts()
    {
        var cut = RenderMonitorPage();
        await OpenDialog(cut);

        await cut.Find("[data-testid=duration-value]").InputAsync("90000"); // 25 h of seconds: over the 24 h the core allows
        await cut.Find("[data-testid=start-confirm]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Contains("durationMs must be between", FieldError(cut, "duration-value")), Patience);
        Assert.Null(FieldError(cut, "byte-cap"));
        Assert.NotEmpty(cut.FindAll("[data-testid=start-confirm]")); // still open
        Assert.Empty(await Service<CaptureSessionService>().ListAsync(new SessionQuery("default")));
    }

    [Fact]
    public async Task A_bad_byte_cap_is_shown_on_the_byte_cap_field()
    {
        var cut = RenderMonitorPage();
        await OpenDialog(cut);

        await cut.Find("[data-testid=byte-cap]").InputAsync("-5");
        await cut.Find("[data-testid=start-confirm]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Contains("byteCap must be a positive number", FieldError(cut, "byte-cap")), Patience);
        Assert.Null(FieldError(cut, "duration-value"));
    }

    [Fact]
    public async Task Starting_uses_the_chosen_unit_and_caps_then_opens_the_new_session()
    {
        var cut = RenderMonitorPage();
        await OpenDialog(cut);

        await cut.Find("[data-testid=duration-value]").InputAsync("2");
        await cut.Find("[data-testid=duration-unit]").Closest(".mud-input-control")!.MouseDownAsync(new MouseEventArgs()); // MudSelect opens on mousedown
        await cut.WaitForAssertionAsync(() => Assert.NotEmpty(cut.FindAll("[data-testid=duration-unit-option]")), Patience);
        await cut.FindAll("[data-testid=duration-unit-option]").Single(o => o.TextContent.Contains("minutes")).ClickAsync(new MouseEventArgs());
        await cut.Find("[data-testid=requested-by]").InputAsync("alice");
        await cut.Find("[data-testid=byte-cap]").InputAsync("4096");
        await cut.Find("[data-testid=line-cap]").InputAsync("100");
        await cut.Find("[data-testid=start-confirm]").ClickAsync(new MouseEventArgs());

        var navigation = Ctx.Services.GetRequiredService<BunitNavigationManager>();
        await cut.WaitForAssertionAsync(() => Assert.Contains("/monitor/sessions/", navigation.Uri), Patience);
        var id = navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..];
        var session = await Service<CaptureSessionService>().GetAsync(id);
        Assert.NotNull(session);
        Assert.Equal(120_000, session.DurationMs);
        Assert.Equal(4096, session.ByteCap);
        Assert.Equal(100, session.LineCap);
        Assert.Equal("alice", session.RequestedBy);
        Assert.Equal("default", session.ConnectionId);
    }

    [Fact]
    public async Task An_unknown_connection_is_reported_as_a_message()
    {
        var cut = RenderProviders();
        var dialogs = Service<IDialogService>();
        await cut.InvokeAsync(() => dialogs.ShowAsync<StartSessionDialog>("Start",
            new DialogParameters<StartSessionDialog> { { d => d.ConnectionId, "gone" } }));

        await (await cut.WaitForElementAsync("[data-testid=start-confirm]", Patience)).ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Contains("No connection 'gone'", cut.Find("[data-testid=start-error]").TextContent), Patience);
        Assert.Empty(cut.FindAll("[data-testid=running-session-link]"));
    }

    private IRenderedComponent<IComponent> RenderProviders() => Ctx.Render(builder =>
    {
        builder.OpenComponent<MudPopoverProvider>(0);
        builder.CloseComponent();
        builder.OpenComponent<MudDialogProvider>(1);
        builder.CloseComponent();
    });

    private IRenderedComponent<IComponent> RenderMonitorPage() => Ctx.Render(builder =>
    {
        builder.OpenComponent<MudPopoverProvider>(0);
        builder.CloseComponent();
        builder.OpenComponent<MudDialogProvider>(1);
        builder.CloseComponent();
        builder.OpenComponent<MonitorPage>(2);
        builder.CloseComponent();
    });

    private static async Task OpenDialog(IRenderedComponent<IComponent> cut)
    {
        // Not awaited: the button's handler waits for the dialog's result.
        _ = (await cut.WaitForElementAsync("[data-testid=start-session]", Patience)).ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=start-confirm]", Patience);
    }

    /// <summary>The error text MudBlazor shows under the field with <paramref name="testId"/>, or null.</summary>
    internal static string? FieldError(IRenderedComponent<IComponent> cut, string testId)
    {
        var control = cut.Find($"[data-testid={testId}]").Closest(".mud-input-control");
        var error = control?.QuerySelector(".mud-input-helper-text.mud-input-error");
        return string.IsNullOrWhiteSpace(error?.TextContent) ? null : error.TextContent.Trim();
    }
}
