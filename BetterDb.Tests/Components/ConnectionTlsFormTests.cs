using BetterDb.Blazor.Components.Pages;
using BetterDb.Core.Connections;
using BetterDb.Testing;
using BetterDb.Tests.Integration;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace BetterDb.Tests.Components;

/// <summary>The TLS settings in the connection dialog and the TLS chip in the table, over the real connection registry.</summary>
public sealed class ConnectionTlsFormTests : ComponentTestContext
{
    private TestCertificates _certs = null!;

    public override async Task InitializeAsync()
    {
        _certs = await TestCertificates.SharedAsync();
        await base.InitializeAsync();
    }

    private IRenderedComponent<IComponent> RenderPage() => Ctx.Render(builder =>
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

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<IComponent> cut, string id) =>
        cut.Find($"[data-testid=connection-row][data-connection-id='{id}']");

    private static string? HelperText(IRenderedComponent<IComponent> cut, string testId) =>
        cut.Find($"[data-testid={testId}]").Closest(".mud-input-control")?.QuerySelector(".mud-input-helper-text")?.TextContent.Trim();

    private async Task OpenAddDialogWithTlsAsync(IRenderedComponent<IComponent> cut)
    {
        _ = (await cut.WaitForElementAsync("[data-testid=add-connection]", Patience)).ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=conn-save]", Patience);
        Assert.Empty(cut.FindAll("[data-testid=conn-tls-settings]")); // TLS off: no TLS settings
        await cut.Find("[data-testid=conn-name]").InputAsync("internal");
        await cut.Find("[data-testid=conn-host]").InputAsync("cache.internal");
        await cut.Find("[data-testid=conn-tls]").ChangeAsync(new ChangeEventArgs { Value = true });
        await cut.WaitForElementAsync("[data-testid=conn-tls-settings]", Patience);
    }

    [Fact]
    public async Task Turning_TLS_on_shows_the_CA_and_client_certificate_fields_and_saves_them()
    {
        var cut = RenderPage();
        await OpenAddDialogWithTlsAsync(cut);
        Assert.NotNull(cut.Find("[data-testid=conn-ca]"));
        Assert.NotNull(cut.Find("[data-testid=conn-client-cert]"));
        Assert.NotNull(cut.Find("[data-testid=conn-client-key]"));
        Assert.Empty(cut.FindAll("[data-testid=conn-tls-insecure-warning]"));

        await cut.Find("[data-testid=conn-ca]").InputAsync(_certs.Ca);
        await cut.Find("[data-testid=conn-client-cert]").InputAsync(_certs.ClientCertificate);
        await cut.Find("[data-testid=conn-client-key]").InputAsync(_certs.ClientKey);
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Empty(cut.FindAll("[data-testid=conn-save]")), Patience);
        var saved = (await Service<ConnectionService>().ListAsync()).Single(c => c.Name == "internal");
        Assert.True(saved.Tls);
        Assert.Equal(_certs.Ca.Trim(), saved.CaCertificate);
        Assert.Equal(_certs.ClientKey.Trim(), saved.ClientKey);
        Assert.False(saved.TlsInsecure);
        await cut.WaitForAssertionAsync(() =>
        {
            var chip = Row(cut, saved.Id).QuerySelector("[data-testid=connection-tls]");
            Assert.NotNull(chip);
            Assert.Equal("TLS", chip.TextContent.Trim());
            Assert.Equal("true", chip.GetAttribute("data-verified"));
        }, Patience);
        Assert.DoesNotContain(TlsConnectionTests.KeyBody(_certs.ClientKey), cut.Markup);
    }

    [Fact]
    public async Task Skipping_verification_warns_that_it_is_unsafe_and_the_table_marks_it_unverified()
    {
        var cut = RenderPage();
        await OpenAddDialogWithTlsAsync(cut);

        await cut.Find("[data-testid=conn-tls-insecure]").ChangeAsync(new ChangeEventArgs { Value = true });

        var warning = await cut.WaitForElementAsync("[data-testid=conn-tls-insecure-warning]", Patience);
        Assert.Contains("unsafe: anyone on the path can read and change the traffic", warning.TextContent, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("mud-alert-outlined-warning", warning.ClassName);
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Empty(cut.FindAll("[data-testid=conn-save]")), Patience);
        var saved = (await Service<ConnectionService>().ListAsync()).Single(c => c.Name == "internal");
        Assert.True(saved.TlsInsecure);
        await cut.WaitForAssertionAsync(() =>
        {
            var chip = Row(cut, saved.Id).QuerySelector("[data-testid=connection-tls]");
            Assert.NotNull(chip);
            Assert.Equal("TLS (unverified)", chip.TextContent.Trim());
            Assert.Equal("false", chip.GetAttribute("data-verified"));
        }, Patience);
    }

    [Fact]
    public async Task A_CA_certificate_that_is_not_PEM_is_shown_on_its_field_and_nothing_is_saved()
    {
        var cut = RenderPage();
        await OpenAddDialogWithTlsAsync(cut);

        await cut.Find("[data-testid=conn-ca]").InputAsync("/etc/ssl/internal-ca.pem");
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Contains("is not PEM text", StartSessionDialogTests.FieldError(cut, "conn-ca")), Patience);
        Assert.Single(await Service<ConnectionService>().ListAsync()); // only `default`
    }

    [Fact]
    public async Task Editing_says_whether_a_client_key_is_set_never_shows_it_and_keeps_it_when_left_empty()
    {
        var connections = Service<ConnectionService>();
        var created = await connections.CreateAsync(new ConnectionInput("mtls", "cache.internal", 6380, null, null, true, 0,
            CaCertificate: _certs.Ca, ClientCertificate: _certs.ClientCertificate, ClientKey: _certs.ClientKey));
        var plain = await connections.CreateAsync(new ConnectionInput("tls, no key", "cache.internal", 6381, null, null, true, 0));
        var keyBody = TlsConnectionTests.KeyBody(_certs.ClientKey);
        var cut = RenderPage();
        await cut.WaitForElementAsync($"[data-connection-id='{created.Id}']", Patience);

        _ = Row(cut, created.Id).QuerySelector("[data-testid=edit-connection]")!.ClickAsync(new MouseEventArgs());
        var key = await cut.WaitForElementAsync("[data-testid=conn-client-key]", Patience);
        Assert.True(string.IsNullOrEmpty(key.GetAttribute("value")) && string.IsNullOrEmpty(key.TextContent));
        Assert.Equal("Set: leave empty to keep the stored key", HelperText(cut, "conn-client-key"));
        Assert.DoesNotContain(keyBody, cut.Markup);
        await cut.Find("[data-testid=conn-port]").InputAsync("6390");
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Empty(cut.FindAll("[data-testid=conn-save]")), Patience);

        var kept = await connections.GetAsync(created.Id);
        Assert.Equal(6390, kept!.Port);
        Assert.Equal(_certs.ClientKey.Trim(), kept.ClientKey);
        Assert.Equal(_certs.Ca.Trim(), kept.CaCertificate);

        _ = Row(cut, plain.Id).QuerySelector("[data-testid=edit-connection]")!.ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=conn-client-key]", Patience);
        Assert.Equal("Not set", HelperText(cut, "conn-client-key"));
    }

    [Fact]
    public async Task Turning_TLS_off_drops_the_TLS_settings_and_the_stored_key()
    {
        var connections = Service<ConnectionService>();
        var created = await connections.CreateAsync(new ConnectionInput("was mtls", "cache.internal", 6380, null, null, true, 0,
            CaCertificate: _certs.Ca, TlsInsecure: false, ClientCertificate: _certs.ClientCertificate, ClientKey: _certs.ClientKey));
        var cut = RenderPage();
        await cut.WaitForElementAsync($"[data-connection-id='{created.Id}']", Patience);

        _ = Row(cut, created.Id).QuerySelector("[data-testid=edit-connection]")!.ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=conn-tls-settings]", Patience);
        await cut.Find("[data-testid=conn-tls]").ChangeAsync(new ChangeEventArgs { Value = false });
        await cut.WaitForAssertionAsync(() => Assert.Empty(cut.FindAll("[data-testid=conn-tls-settings]")), Patience);
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Empty(cut.FindAll("[data-testid=conn-save]")), Patience);

        var saved = await connections.GetAsync(created.Id);
        Assert.False(saved!.Tls);
        Assert.Null(saved.CaCertificate);
        Assert.Null(saved.ClientCertificate);
        Assert.Null(saved.ClientKey);
        Assert.Null(Row(cut, created.Id).QuerySelector("[data-testid=connection-tls]"));
    }
}
