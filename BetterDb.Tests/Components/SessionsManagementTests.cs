using System.Text;
using BetterDb.Blazor.Components.Layout;
using BetterDb.Blazor.Components.Pages;
using BetterDb.Blazor.Ui;
using BetterDb.Core.Capture;
using BetterDb.Core.Connections;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace BetterDb.Tests.Components;

/// <summary>
/// Issue 12, items 4 and 6: the connection in the URL and on every session (a deleted one by its old name, listed under
/// "all connections"), and managing sessions: filters and sort from the URL, labels and notes, delete asking once.
/// </summary>
public sealed class SessionsManagementTests : ComponentTestContext
{
    private BunitNavigationManager Navigation => Ctx.Services.GetRequiredService<BunitNavigationManager>();

    private IRenderedComponent<IComponent> RenderMonitor(string url, bool providers = true)
    {
        Navigation.NavigateTo(url);
        return Ctx.Render(builder =>
        {
            if (providers)
            {
                builder.OpenComponent<MudPopoverProvider>(0);
                builder.CloseComponent();
                builder.OpenComponent<MudDialogProvider>(1);
                builder.CloseComponent();
                builder.OpenComponent<MudSnackbarProvider>(2);
                builder.CloseComponent();
            }
            builder.OpenComponent<ConnectionSelect>(3);
            builder.CloseComponent();
            builder.OpenComponent<MonitorPage>(4);
            builder.CloseComponent();
        });
    }

    private Task<CaptureSession> ImportAsync(string? connectionId, int lines, string requestedBy = "test")
    {
        var text = new StringBuilder();
        for (var i = 0; i < lines; i++) text.Append($"1732958593.{i:000000} [0 127.0.0.1:5000] \"set\" \"k{i}\" \"v\"\n");
        return Service<SessionImport>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), connectionId, requestedBy);
    }

    private static List<string?> Rows(IRenderedComponent<IComponent> cut) =>
        cut.FindAll("[data-testid=session-row]").Select(r => r.GetAttribute("data-session-id")).ToList();

    [Fact]
    public async Task A_deleted_connections_sessions_are_found_under_its_old_name_and_the_session_names_its_connection()
    {
        var connections = Service<ConnectionService>();
        var gone = await connections.CreateAsync(new ConnectionInput("orders-cache", "10.1.2.3", 6390, null, null, false, 0));
        var kept = await connections.CreateAsync(new ConnectionInput("sessions-cache", "10.1.2.4", 6391, null, null, false, 0));
        var old = await ImportAsync(gone.Id, 2);
        var live = await ImportAsync(kept.Id, 1);
        await connections.DeleteAsync(gone.Id);

        // All connections: every session, each naming its connection; the deleted one by its old name.
        var cut = RenderMonitor($"monitor?c={ConnectionScope.All}");
        await cut.WaitForAssertionAsync(() => Assert.Contains(old.Id, Rows(cut)), Patience);
        Assert.Contains(live.Id, Rows(cut));
        var label = cut.Find($"[data-session-id='{old.Id}'] [data-testid=session-connection]");
        Assert.Equal("orders-cache (deleted)", label.TextContent.Trim());
        Assert.Equal("true", label.GetAttribute("data-deleted"));
        Assert.Equal("sessions-cache", cut.Find($"[data-session-id='{live.Id}'] [data-testid=session-connection]").TextContent.Trim());
        Assert.True(cut.Find("[data-testid=start-session]").HasAttribute("disabled")); // a capture needs one connection

        // The selector offers it in a "deleted connections" group; chosen, the URL names it and only its sessions show.
        var scope = Service<ConnectionScope>();
        Assert.Contains(scope.Former, f => f.Id == gone.Id && f.Name == "orders-cache");
        Navigation.NavigateTo($"monitor?c={gone.Id}");
        await cut.WaitForAssertionAsync(() => Assert.Equal([old.Id], Rows(cut)), Patience);
        Assert.Contains("orders-cache", cut.Find("[data-testid=monitor-scope]").TextContent);
        Assert.Contains("deleted", cut.Find("[data-testid=monitor-scope]").TextContent);
        Assert.True(cut.Find("[data-testid=start-session]").HasAttribute("disabled")); // nothing to capture from

        // The session page names it too, and the app bar shows it as selected.
        var page = Ctx.Render<SessionPage>(p => p.Add(s => s.Id, old.Id));
        await page.WaitForAssertionAsync(() => Assert.Equal("true", page.Find("[data-testid=session-connection]").GetAttribute("data-deleted")), Patience);
        Assert.Contains("orders-cache", page.Find("[data-testid=session-connection]").TextContent);
        Assert.Contains("(deleted)", page.Find("[data-testid=session-connection]").TextContent);
        Assert.Equal(gone.Id, scope.SelectedId);
        Assert.EndsWith($"monitor?c={gone.Id}", page.Find("[data-testid=back-to-sessions]").GetAttribute("href"));

        var livePage = Ctx.Render<SessionPage>(p => p.Add(s => s.Id, live.Id));
        await livePage.WaitForAssertionAsync(() => Assert.Contains("10.1.2.4:6391", livePage.Find("[data-testid=session-connection]").TextContent), Patience);
        Assert.Equal(kept.Id, scope.SelectedId);
    }

    [Fact]
    public async Task Without_a_connection_in_the_url_the_choice_is_put_there_and_an_unknown_one_is_said()
    {
        var cut = RenderMonitor("monitor");
        await cut.WaitForAssertionAsync(() => Assert.EndsWith("monitor?c=default", Navigation.Uri), Patience);
        Assert.Equal("default", cut.Find("[data-testid=monitor-scope]").GetAttribute("data-connection-id"));

        Navigation.NavigateTo("monitor?c=nope");
        await cut.WaitForAssertionAsync(() => Assert.Contains("nope", cut.Find("[data-testid=unknown-connection]").TextContent), Patience);
    }

    [Fact]
    public async Task Filters_and_sort_come_from_the_url_and_change_it()
    {
        var small = await ImportAsync("default", 1, "alice");
        var big = await ImportAsync("default", 4, "bob");
        var cut = RenderMonitor("monitor?c=default&sort=most_lines");
        await cut.WaitForAssertionAsync(() => Assert.Equal([big.Id, small.Id], Rows(cut)), Patience);

        Navigation.NavigateTo("monitor?c=default&requestedBy=alice");
        await cut.WaitForAssertionAsync(() => Assert.Equal([small.Id], Rows(cut)), Patience);
        Navigation.NavigateTo("monitor?c=default&status=failed");
        await cut.WaitForAssertionAsync(() => Assert.Empty(Rows(cut)), Patience);
        Assert.Contains("No session matches these filters", cut.Find("[data-testid=sessions-empty]").TextContent);

        // Typing a search puts it in the URL (a history entry), which then shows the matching rows.
        Navigation.NavigateTo("monitor?c=default");
        await cut.WaitForAssertionAsync(() => Assert.Equal(2, Rows(cut).Count), Patience);
        await cut.Find("[data-testid=sessions-search]").InputAsync("bob");
        await cut.WaitForAssertionAsync(() => Assert.Contains("q=bob", Navigation.Uri), Patience);
        await cut.WaitForAssertionAsync(() => Assert.Equal([big.Id], Rows(cut)), Patience);
    }

    [Fact]
    public async Task Delete_asks_once_saying_how_many_lines_go_then_the_row_and_its_lines_are_gone()
    {
        var session = await ImportAsync("default", 1234);
        var cut = RenderMonitor("monitor?c=default");
        await cut.WaitForAssertionAsync(() => Assert.Contains(session.Id, Rows(cut)), Patience);

        _ = cut.Find($"[data-session-id='{session.Id}'] [data-testid=delete-session]").ClickAsync(new MouseEventArgs());
        var confirm = await cut.WaitForElementAsync("[data-testid=confirm-delete-session]", Patience);
        Assert.Contains("1,234 lines", cut.Find(".mud-dialog").TextContent);
        Assert.Contains("cannot be undone", cut.Find(".mud-dialog").TextContent);
        await confirm.ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.DoesNotContain(session.Id, Rows(cut)), Patience);
        Assert.Null(await Service<CaptureSessionService>().GetAsync(session.Id));
        Assert.Single(cut.FindAll(".mud-snackbar")); // said once, no second question
    }

    [Fact]
    public async Task A_label_note_and_keep_are_edited_on_the_session_page_and_shown_in_the_list()
    {
        var session = await ImportAsync("default", 2);
        var page = Ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<SessionPage>(2);
            builder.AddAttribute(3, nameof(SessionPage.Id), session.Id);
            builder.CloseComponent();
        });
        _ = (await page.WaitForElementAsync("[data-testid=edit-session]", Patience)).ClickAsync(new MouseEventArgs());
        await (await page.WaitForElementAsync("[data-testid=session-label-input]", Patience)).InputAsync("before the deploy");
        await page.Find("[data-testid=session-note-input]").InputAsync("cache hit rate dropped at 14:02");
        await page.Find("[data-testid=session-keep-input]").ChangeAsync(new ChangeEventArgs { Value = true });
        await page.Find("[data-testid=session-edit-save]").ClickAsync(new MouseEventArgs());

        await page.WaitForAssertionAsync(() => Assert.Equal("before the deploy", page.Find("[data-testid=session-title]").TextContent.Trim()), Patience);
        Assert.Contains("cache hit rate dropped", page.Find("[data-testid=session-note]").TextContent);
        Assert.NotNull(page.Find("[data-testid=session-kept]"));
        var saved = await Service<CaptureSessionService>().GetAsync(session.Id);
        Assert.Equal(("before the deploy", "cache hit rate dropped at 14:02", true), (saved!.Label, saved.Note, saved.Keep));

        var list = RenderMonitor("monitor?c=default", providers: false);
        await list.WaitForAssertionAsync(() => Assert.Equal("before the deploy", list.Find($"[data-session-id='{session.Id}'] [data-testid=session-label]").TextContent), Patience);
        Assert.NotNull(list.Find($"[data-session-id='{session.Id}'] [data-testid=session-keep]"));
        Assert.NotNull(list.Find($"[data-session-id='{session.Id}'] [data-testid=session-note-icon]"));
    }
}
