using BetterDb.Blazor.Components.Query;
using BetterDb.Core.Capture;
using BetterDb.Core.Connections;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace BetterDb.Tests.Components.Query;

/// <summary>The import dialog against the real import service.</summary>
public sealed class ImportDialogTests : ComponentTestContext
{
    private IRenderedComponent<IComponent> OpenDialog(string? connectionId = "default")
    {
        var cut = Ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
        });
        var dialogs = Service<IDialogService>();
        cut.InvokeAsync(() => dialogs.ShowAsync<ImportDialog>("Import",
            new DialogParameters<ImportDialog> { { d => d.ConnectionId, connectionId } }));
        cut.WaitForElement("[data-testid=import-start]");
        return cut;
    }

    [Fact]
    public async Task Importing_a_file_makes_a_completed_session_and_opens_it()
    {
        var cut = OpenDialog();
        Assert.True(cut.Find("[data-testid=import-start]").HasAttribute("disabled")); // no file yet

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(QueryCapture.Bytes, "monitor.txt", contentType: "text/plain"));
        cut.Find("[data-testid=import-requested-by]").Input("carol");
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=import-start]").HasAttribute("disabled")));
        cut.Find("[data-testid=import-start]").Click();

        var navigation = Ctx.Services.GetRequiredService<BunitNavigationManager>();
        cut.WaitForAssertion(() => Assert.Contains("/monitor/sessions/", navigation.Uri), TimeSpan.FromSeconds(20));
        var id = navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..];
        var session = await Service<CaptureSessionService>().GetAsync(id);
        Assert.NotNull(session);
        Assert.Equal(CaptureStatus.Completed, session.Status);
        Assert.Equal(CaptureSource.Import, session.Source);
        Assert.Equal(7, session.LineCount); // stored lines, the malformed one included
        Assert.Equal(1, session.MalformedCount);
        Assert.Equal("carol", session.RequestedBy);
        Assert.Equal("default", session.ConnectionId); // the selected connection by default
        Assert.Empty(cut.FindAll("[data-testid=import-start]")); // the dialog closed
    }

    [Fact]
    public async Task No_connection_can_be_chosen()
    {
        var cut = OpenDialog(connectionId: null);
        Assert.Equal("No connection", cut.Find("[data-testid=import-connection]").GetAttribute("value"));
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(QueryCapture.Bytes, "monitor.txt"));
        cut.Find("[data-testid=import-start]").Click();

        var navigation = Ctx.Services.GetRequiredService<BunitNavigationManager>();
        cut.WaitForAssertion(() => Assert.Contains("/monitor/sessions/", navigation.Uri), TimeSpan.FromSeconds(20));
        var session = await Service<CaptureSessionService>().GetAsync(navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..]);
        Assert.Null(session!.ConnectionId);
    }

    [Fact]
    public async Task A_connection_deleted_meanwhile_is_reported_and_nothing_is_imported()
    {
        var connections = Service<ConnectionService>();
        var gone = await connections.CreateAsync(new ConnectionInput("soon gone", "127.0.0.1", 1, null, null, null, null));
        var cut = OpenDialog(gone.Id);
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(QueryCapture.Bytes, "monitor.txt"));
        await connections.DeleteAsync(gone.Id);
        cut.Find("[data-testid=import-start]").Click();

        cut.WaitForAssertion(() => Assert.Contains($"No connection '{gone.Id}'", cut.Find("[data-testid=import-error]").TextContent));
        Assert.NotEmpty(cut.FindAll("[data-testid=import-start]")); // still open, ready for another try
        Assert.Empty(await Service<CaptureSessionService>().ListAsync(new SessionQuery()));
        Assert.DoesNotContain("/monitor/sessions/", Ctx.Services.GetRequiredService<BunitNavigationManager>().Uri);
    }
}
