using System.Text;
using BetterDb.Blazor.Components.Pages;
using BetterDb.Blazor.Components.Query;
using BetterDb.Core.Capture;
using BetterDb.Core.Connections;
using BetterDb.Testing;
using BetterDb.Tests.Components.Query;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace BetterDb.Tests.Components;

/// <summary>
/// Issue 12, items 13 and 14: a file that is not MONITOR output is refused with the reason and can be imported anyway;
/// an import shows its lines' times and its upload time apart; the connection form shows every error at once, refuses a
/// negative db and a duplicate name, tests before saving, and says when a user may connect but not MONITOR.
/// </summary>
public sealed class ImportAndConnectionFormTests : ComponentTestContext
{
    private RedisServer? _redis;

    protected override string? DefaultConnection => _redis?.Url;

    public override async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(TimeSpan.FromMinutes(5));
        await _redis.CliAsync("ACL", "SETUSER", "nomon", "on", ">secret", "~*", "&*", "+@all", "-monitor");
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }

    private IRenderedComponent<IComponent> Providers(Action<Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder>? more = null) => Ctx.Render(builder =>
    {
        builder.OpenComponent<MudPopoverProvider>(0);
        builder.CloseComponent();
        builder.OpenComponent<MudDialogProvider>(1);
        builder.CloseComponent();
        builder.OpenComponent<MudSnackbarProvider>(2);
        builder.CloseComponent();
        more?.Invoke(builder);
    });

    [Fact]
    public async Task A_file_that_is_not_monitor_output_is_refused_with_the_reason_and_can_be_imported_anyway()
    {
        var cut = Providers();
        await cut.InvokeAsync(() => Service<IDialogService>().ShowAsync<ImportDialog>("Import", new DialogParameters<ImportDialog> { { d => d.ConnectionId, "default" } }));
        await cut.WaitForElementAsync("[data-testid=import-start]", Patience);

        var junk = Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, 20).Select(i => $"hello world {i}")) + "\n");
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(junk, "notes.txt", contentType: "text/plain"));
        await cut.WaitForAssertionAsync(() => Assert.False(cut.Find("[data-testid=import-start]").HasAttribute("disabled")), Patience);
        await cut.Find("[data-testid=import-start]").ClickAsync(new MouseEventArgs());

        var refusal = await cut.WaitForElementAsync("[data-testid=import-not-monitor]", TimeSpan.FromSeconds(20));
        Assert.Contains("does not look like MONITOR output", refusal.TextContent);
        Assert.Empty(await Service<CaptureSessionService>().ListAsync(new SessionQuery(null)));

        await cut.Find("[data-testid=import-force]").ClickAsync(new MouseEventArgs());
        var navigation = Ctx.Services.GetRequiredService<BunitNavigationManager>();
        await cut.WaitForAssertionAsync(() => Assert.Contains("/monitor/sessions/", navigation.Uri), TimeSpan.FromSeconds(20));
        var session = Assert.Single(await Service<CaptureSessionService>().ListAsync(new SessionQuery(null)));
        Assert.Equal(20, session.MalformedCount);
    }

    [Fact]
    public async Task An_import_shows_the_times_of_its_lines_and_its_upload_time_apart()
    {
        var session = await QueryCapture.ImportAsync(Service<SessionImport>()); // lines from 1700000000 to 1700000003 (2023-11-14)
        var page = Ctx.Render<CascadingValue<TimeZoneInfo>>(p => p.Add(c => c.Value, TimeZoneInfo.Utc)
            .AddChildContent<SessionPage>(s => s.Add(x => x.Id, session.Id)));
        await page.WaitForAssertionAsync(() => Assert.NotNull(page.Find("[data-testid=session-imported]")), Patience);
        Assert.Equal("2023-11-14 22:13:20", page.Find("[data-testid=session-started]").TextContent.Trim());
        Assert.Equal("2023-11-14 22:13:23", page.Find("[data-testid=session-last-line]").TextContent.Trim());
        Assert.Contains("3.0 s", page.Find("[data-testid=session-duration]").TextContent);
        Assert.StartsWith(DateTime.UtcNow.ToString("yyyy-MM-dd"), page.Find("[data-testid=session-imported]").TextContent.Trim());
    }

    private async Task<IRenderedComponent<IComponent>> OpenFormAsync()
    {
        var cut = Providers(b =>
        {
            b.OpenComponent<ConnectionsPage>(3);
            b.CloseComponent();
        });
        _ = (await cut.WaitForElementAsync("[data-testid=add-connection]", Patience)).ClickAsync(new MouseEventArgs());
        await cut.WaitForElementAsync("[data-testid=conn-save]", Patience);
        return cut;
    }

    private static string? Error(IRenderedComponent<IComponent> cut, string testId) => StartSessionDialogTests.FieldError(cut, testId);

    [Fact]
    public async Task Every_error_shows_at_once_and_a_negative_db_is_refused_not_saved_as_zero()
    {
        var cut = await OpenFormAsync();
        await cut.Find("[data-testid=conn-name]").InputAsync("");
        await cut.Find("[data-testid=conn-host]").InputAsync("bad host!");
        await cut.Find("[data-testid=conn-port]").InputAsync("70000");
        await cut.Find("[data-testid=conn-db]").InputAsync("-1");
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Equal("A name is required.", Error(cut, "conn-name")), Patience);
        Assert.Contains("host name or an IP address", Error(cut, "conn-host"));
        Assert.Equal("The port must be between 1 and 65535.", Error(cut, "conn-port"));
        Assert.Contains("cannot be negative", Error(cut, "conn-db"));
        Assert.Equal("-1", cut.Find("[data-testid=conn-db]").GetAttribute("value")); // not clamped to 0
        Assert.Contains("4 values need fixing", cut.Find("[data-testid=conn-error-count]").TextContent);
        Assert.Single(await Service<ConnectionService>().ListAsync()); // only `default`
    }

    [Fact]
    public async Task A_name_another_connection_has_is_refused_whatever_its_case()
    {
        await Service<ConnectionService>().CreateAsync(new ConnectionInput("Orders", "10.0.0.5", 6379, null, null, false, 0));
        var cut = await OpenFormAsync();
        await cut.Find("[data-testid=conn-name]").InputAsync("orders");
        await cut.Find("[data-testid=conn-host]").InputAsync("10.0.0.6");
        await cut.Find("[data-testid=conn-save]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Contains("A connection named 'Orders' already exists", Error(cut, "conn-name")), Patience);
        Assert.Equal(2, (await Service<ConnectionService>().ListAsync()).Count);
    }

    [Fact]
    public async Task Test_tries_the_values_on_screen_before_saving_and_says_when_the_user_cannot_monitor()
    {
        var cut = await OpenFormAsync();
        await cut.Find("[data-testid=conn-name]").InputAsync("restricted");
        await cut.Find("[data-testid=conn-host]").InputAsync("127.0.0.1");
        await cut.Find("[data-testid=conn-port]").InputAsync(_redis!.Port.ToString());
        await cut.Find("[data-testid=conn-username]").InputAsync("nomon");
        await cut.Find("[data-testid=conn-password]").InputAsync("secret");
        await cut.Find("[data-testid=conn-test]").ClickAsync(new MouseEventArgs());

        await cut.WaitForAssertionAsync(() => Assert.Equal("denied", cut.Find("[data-testid=conn-test-result] [data-testid=test-result]").GetAttribute("data-monitor")), Patience);
        var result = cut.Find("[data-testid=conn-test-result]").TextContent;
        Assert.Contains("Connected", result);
        Assert.Contains("cannot run MONITOR", result);
        Assert.Equal("ACL SETUSER nomon +monitor", cut.Find("[data-testid=test-snippet]").TextContent.Trim());
        Assert.Single(await Service<ConnectionService>().ListAsync()); // tested, not saved

        // The default user may: the row's own test says so, with the server's version.
        await cut.Find("[data-testid=conn-username]").InputAsync("");
        await cut.Find("[data-testid=conn-password]").InputAsync("");
        await cut.Find("[data-testid=conn-test]").ClickAsync(new MouseEventArgs());
        await cut.WaitForAssertionAsync(() => Assert.Equal("allowed", cut.Find("[data-testid=conn-test-result] [data-testid=test-result]").GetAttribute("data-monitor")), Patience);
        Assert.Contains("redis", cut.Find("[data-testid=conn-test-result]").TextContent);
    }
}
