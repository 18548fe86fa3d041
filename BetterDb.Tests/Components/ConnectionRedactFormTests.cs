using BetterDb.Blazor.Components.Pages;
using BetterDb.Core.Connections;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace BetterDb.Tests.Components;

/// <summary>
/// Issue 19 items 4 and 5 in the UI: the Connections page says when stored passwords are not encrypted at rest, and the
/// connection form's "Redact values" switch is saved on the connection, shown in the table and read back when editing.
/// </summary>
public sealed class ConnectionRedactFormTests : ComponentTestContext
{
    public override async Task InitializeAsync()
    {
        // The page shows its editing actions to an admin (as every user is while sign-in is not configured).
        if (!Ctx.Services.Any(d => d.ServiceType == typeof(Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider) && d.ImplementationType?.Name != "PlaceholderAuthenticationStateProvider"))
            Ctx.AddAuthorization().SetAuthorized("admin").SetRoles("admin");
        await base.InitializeAsync();
    }

    private IRenderedComponent<IComponent> Page() => Ctx.Render(builder =>
    {
        builder.OpenComponent<MudPopoverProvider>(0);
        builder.CloseComponent();
        builder.OpenComponent<MudDialogProvider>(1);
        builder.CloseComponent();
        builder.OpenComponent<MudSnackbarProvider>(2);
        builder.CloseComponent();
        builder.OpenComponent<ConnectionsPage>(3);
        builder.CloseComponent();
    });

    [Fact]
    public async Task The_redact_switch_is_saved_shown_and_read_back_and_the_unencrypted_key_ring_is_called_out()
    {
        var cut = Page();
        var warning = await cut.WaitForElementAsync("[data-testid=key-ring-unencrypted]", Patience);
        Assert.Contains("anyone with a copy of the data folder can decrypt the stored Redis passwords", warning.TextContent);

        _ = cut.Find("[data-testid=add-connection]").ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=conn-save]", Patience);
        await cut.Find("[data-testid=conn-name]").InputAsync("scrubbed");
        await cut.Find("[data-testid=conn-host]").InputAsync("10.0.0.9");
        await cut.Find("[data-testid=conn-redact]").ChangeAsync(new ChangeEventArgs { Value = true });
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.NotNull(cut.Find("[data-connection-id] [data-testid=connection-redacted]")), Patience);
        var saved = (await Service<ConnectionService>().ListAsync()).Single(c => c.Name == "scrubbed");
        Assert.True(saved.RedactValues);
        var row = cut.FindAll("[data-testid=connection-row]").Single(r => r.GetAttribute("data-connection-id") == saved.Id);
        Assert.NotNull(row.QuerySelector("[data-testid=connection-redacted]"));
        Assert.Empty(cut.FindAll("[data-connection-id=default] [data-testid=connection-redacted]"));

        // Not awaited: the click's handler waits for the dialog to close.
        _ = row.QuerySelector("[data-testid=edit-connection]")!.ClickAsync(new MouseEventArgs());
        var toggle = await cut.WaitForElementAsync("[data-testid=conn-redact]", Patience);
        Assert.True(toggle.HasAttribute("checked") || toggle.GetAttribute("aria-checked") == "true", toggle.OuterHtml);
    }
}
