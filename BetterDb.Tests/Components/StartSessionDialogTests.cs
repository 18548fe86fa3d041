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
    public async Task An_out_of_range_duration_is_said_at_once_in_words_and_units_and_nothing_starts()
    {
        var cut = RenderMonitorPage();
        await OpenDialog(cut);

        await cut.Find("[data-testid=duration-value]").InputAsync("90000"); // 25 h of seconds: over the 24 h the core allows

        await cut.WaitForAssertionAsync(() => Assert.Contains("too long: choose from 1 second to 24 hours", FieldError(cut, "duration-value")), Patience);
        Assert.DoesNotContain("durationMs", FieldError(cut, "duration-value"));
        Assert.Null(FieldError(cut, "byte-cap"));
        Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled"));
        // No stale estimate and no "I confirm a 25 h capture" for a duration that cannot be.
        Assert.Empty(cut.FindAll("[data-testid=confirm-long]"));
        Assert.Empty(cut.FindAll("[data-testid=estimate-projection]"));
        Assert.Empty(await Service<CaptureSessionService>().ListAsync(new SessionQuery("default")));
    }

    [Fact]
    public async Task A_bad_byte_cap_is_shown_on_the_byte_cap_field_and_a_huge_one_is_refused_with_the_reason()
    {
        var cut = RenderMonitorPage();
        await OpenDialog(cut);

        await cut.Find("[data-testid=byte-cap]").InputAsync("-5");
        await cut.WaitForAssertionAsync(() => Assert.Contains("The byte cap must be more than 0", FieldError(cut, "byte-cap")), Patience);
        Assert.Null(FieldError(cut, "duration-value"));

        // 909 TB (953,155,584 MB): refused, with why there is a limit at all.
        await cut.Find("[data-testid=byte-cap]").InputAsync("953155584");
        await cut.WaitForAssertionAsync(() => Assert.Contains("at most 100 GB", FieldError(cut, "byte-cap")), Patience);
        Assert.Contains("stored in this app's own database", FieldError(cut, "byte-cap"));
        Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled"));

        await cut.Find("[data-testid=byte-cap]").InputAsync("100");
        await cut.WaitForAssertionAsync(() => Assert.Null(FieldError(cut, "byte-cap")), Patience);
        Assert.Contains("= 100 MB", cut.Find("[data-testid=byte-cap]").Closest(".mud-input-control")!.TextContent);
    }

    [Fact]
    public async Task An_unknown_connection_will_fail_at_the_top_and_start_is_blocked()
    {
        var cut = RenderProviders();
        var dialogs = Service<IDialogService>();
        await cut.InvokeAsync(() => dialogs.ShowAsync<StartSessionDialog>("Start",
            new DialogParameters<StartSessionDialog> { { d => d.ConnectionId, "gone" } }));

        await cut.WaitForAssertionAsync(() => Assert.Equal("will_fail", cut.Find("[data-testid=start-verdict]").GetAttribute("data-level")), Patience);
        Assert.Contains("This connection no longer exists", cut.Find("[data-testid=start-verdict]").TextContent);
        Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled"));
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
