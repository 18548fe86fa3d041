using BetterDb.Blazor.Components.Pages;
using BetterDb.Core.Connections;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace BetterDb.Tests.Components;

/// <summary>The Connections page over the real connection registry (passwords protected with Data Protection).</summary>
public sealed class ConnectionsPageTests : ComponentTestContext
{
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

    [Fact]
    public async Task The_configured_default_is_listed_read_only()
    {
        var cut = RenderPage();

        var row = await cut.WaitForElementAsync("[data-testid=connection-row][data-connection-id=default]", Patience);
        Assert.NotNull(row.QuerySelector("[data-testid=test-connection]"));
        Assert.Null(row.QuerySelector("[data-testid=edit-connection]"));
        Assert.Null(row.QuerySelector("[data-testid=delete-connection]"));
    }

    [Fact]
    public async Task Testing_an_unreachable_server_shows_its_error_text_in_the_row()
    {
        var cut = RenderPage();
        var row = await cut.WaitForElementAsync("[data-testid=connection-row][data-connection-id=default]", Patience);

        await row.QuerySelector("[data-testid=test-connection]")!.ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() =>
        {
            var result = Row(cut, "default").QuerySelector("[data-testid=test-result]");
            Assert.NotNull(result);
            Assert.Equal("false", result.GetAttribute("data-ok"));
            Assert.Contains("refused", result.TextContent, StringComparison.OrdinalIgnoreCase);
        }, Patience);
    }

    [Fact]
    public async Task A_server_side_validation_message_lands_on_the_field_it_names()
    {
        var cut = RenderPage();
        _ = (await cut.WaitForElementAsync("[data-testid=add-connection]", Patience)).ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=conn-save]", Patience);

        await cut.Find("[data-testid=conn-name]").InputAsync("cache");
        await cut.Find("[data-testid=conn-port]").InputAsync("70000");
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Equal("A host is required.", StartSessionDialogTests.FieldError(cut, "conn-host")), Patience);
        await cut.Find("[data-testid=conn-host]").InputAsync("10.0.0.9");
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Equal("The port must be between 1 and 65535.", StartSessionDialogTests.FieldError(cut, "conn-port")), Patience);
        Assert.Null(StartSessionDialogTests.FieldError(cut, "conn-host"));
        Assert.Single(await Service<ConnectionService>().ListAsync()); // only `default`: nothing was saved
    }

    [Fact]
    public async Task The_password_is_write_only_kept_when_left_empty_and_removed_on_request()
    {
        var connections = Service<ConnectionService>();
        var created = await connections.CreateAsync(new ConnectionInput("cache", "10.0.0.9", 6380, "app", "s3cret", false, 2));
        var cut = RenderPage();
        await cut.WaitForElementAsync($"[data-connection-id='{created.Id}']", Patience);
        Assert.DoesNotContain("s3cret", cut.Markup);

        // Edit, change only the port: the field starts empty and the stored password stays.
        _ = Row(cut, created.Id).QuerySelector("[data-testid=edit-connection]")!.ClickAsync(new MouseEventArgs());
        var password = await cut.WaitForElementAsync("[data-testid=conn-password]", Patience);
        Assert.True(string.IsNullOrEmpty(password.GetAttribute("value")));
        Assert.Equal("password", password.GetAttribute("type"));
        await cut.Find("[data-testid=conn-port]").InputAsync("6390");
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Empty(cut.FindAll("[data-testid=conn-save]")), Patience);
        var kept = await connections.GetAsync(created.Id);
        Assert.Equal(6390, kept!.Port);
        Assert.Equal("s3cret", kept.Password);
        Assert.Equal("app", kept.Username);
        Assert.Equal(2, kept.Db);

        // Edit again and ask to clear it.
        _ = Row(cut, created.Id).QuerySelector("[data-testid=edit-connection]")!.ClickAsync(new MouseEventArgs());
        var clear = await cut.WaitForElementAsync("[data-testid=conn-clear-password]", Patience);
        await clear.ChangeAsync(new ChangeEventArgs { Value = true });
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Empty(cut.FindAll("[data-testid=conn-save]")), Patience);
        Assert.Null((await connections.GetAsync(created.Id))!.Password);
    }

    [Fact]
    public async Task Delete_asks_first_and_then_removes_the_row()
    {
        var created = await Service<ConnectionService>().CreateAsync(new ConnectionInput("old", "10.0.0.8", 6379, null, null, false, 0));
        var cut = RenderPage();
        await cut.WaitForElementAsync($"[data-connection-id='{created.Id}']", Patience);

        _ = Row(cut, created.Id).QuerySelector("[data-testid=delete-connection]")!.ClickAsync(new MouseEventArgs());
        var confirm = await cut.WaitForElementAsync("[data-testid=confirm-delete]", Patience);
        Assert.NotNull(await Service<ConnectionService>().GetAsync(created.Id)); // not before confirming
        await confirm.ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Empty(cut.FindAll($"[data-connection-id='{created.Id}']")), Patience);
        Assert.Null(await Service<ConnectionService>().GetAsync(created.Id));
    }
}
