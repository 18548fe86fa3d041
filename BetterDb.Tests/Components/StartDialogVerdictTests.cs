using BetterDb.Blazor.Components.Pages;
using BetterDb.Blazor.Components.Sessions;
using BetterDb.Core.Capture;
using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;
using BetterDb.Testing;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace BetterDb.Tests.Components;

/// <summary>
/// Issue 12, item 1: the start dialog's one verdict against a real redis-server: a user without MONITOR and TLS on a
/// plain port will fail (Start blocked, no section saying otherwise); a server that can be captured starts, "anyway" when risky.
/// </summary>
public sealed class StartDialogVerdictTests : ComponentTestContext
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

    [Fact]
    public async Task A_user_without_monitor_will_fail_with_the_snippet_and_no_section_says_available()
    {
        var profile = await Service<ConnectionService>().CreateAsync(new ConnectionInput("no-monitor", "127.0.0.1", _redis!.Port, "nomon", "secret", false, 0));
        var cut = await OpenAsync(profile.Id);

        await cut.WaitForAssertionAsync(() => Assert.Equal("will_fail", cut.Find("[data-testid=start-verdict]").GetAttribute("data-level")), Patience);
        var reasons = cut.FindAll("[data-testid=start-verdict] [data-testid=verdict-reason]");
        Assert.Equal(PreflightWarning.AclMonitorDenied, reasons[0].GetAttribute("data-code"));
        Assert.Contains("ACL SETUSER nomon +monitor", reasons[0].TextContent);
        Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled"));
        // No section contradicts it: Provider says available on the server but not for this user; Access says not allowed.
        var monitor = cut.Find("[data-testid=monitor-support]").TextContent;
        Assert.Contains("not for this user", monitor);
        Assert.Contains("MONITOR not allowed", cut.Find("[data-testid=acl-status]").TextContent);
        Assert.Equal("ACL SETUSER nomon +monitor", cut.Find("[data-testid=acl-snippet]").TextContent.Trim());
        Assert.Empty(await Service<CaptureSessionService>().ListAsync(new SessionQuery(profile.Id)));
    }

    [Fact]
    public async Task Tls_on_a_plain_port_will_fail_at_once_and_nothing_hangs()
    {
        var profile = await Service<ConnectionService>().CreateAsync(new ConnectionInput("tls-on-plain", "127.0.0.1", _redis!.Port, null, null, true, 0, TlsInsecure: true));
        var cut = await OpenAsync(profile.Id);

        await cut.WaitForAssertionAsync(() => Assert.Equal("will_fail", cut.Find("[data-testid=start-verdict]").GetAttribute("data-level")), Patience);
        var code = cut.Find("[data-testid=start-verdict] [data-testid=verdict-reason]").GetAttribute("data-code");
        Assert.Contains(code, new[] { PreflightVerdict.TlsFailed, PreflightVerdict.TargetUnreachable });
        Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task A_capturable_server_starts_with_the_chosen_units_and_caps_and_says_anyway_when_risky()
    {
        var cut = await OpenAsync("default");
        await cut.WaitForAssertionAsync(() => Assert.NotNull(cut.Find("[data-testid=start-verdict]").GetAttribute("data-level")), Patience);
        var level = cut.Find("[data-testid=start-verdict]").GetAttribute("data-level");
        Assert.NotEqual("will_fail", level);
        // A fresh redis-server has client-output-buffer-limit normal 0 0 0: risky, and the button says so.
        var button = cut.Find("[data-testid=start-confirm]");
        Assert.Equal(level == "risky" ? "Start anyway" : "Start", button.TextContent.Trim());
        Assert.Equal(level == "risky" ? "true" : "false", button.GetAttribute("data-risky"));

        await cut.Find("[data-testid=duration-value]").InputAsync("2");
        await SelectAsync(cut, "duration-unit", "minutes");
        await cut.Find("[data-testid=requested-by]").InputAsync("alice");
        await cut.Find("[data-testid=byte-cap]").InputAsync("4");
        await SelectAsync(cut, "byte-cap-unit", "KB");
        await cut.Find("[data-testid=line-cap]").InputAsync("100");
        await cut.WaitForAssertionAsync(() => Assert.False(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled")), Patience);
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
        await Service<CaptureSessionService>().StopAsync(id);
    }

    [Fact]
    public async Task A_long_capture_asks_under_the_duration_and_starts_once_confirmed()
    {
        var cut = await OpenAsync("default");
        await cut.WaitForAssertionAsync(() => Assert.NotNull(cut.Find("[data-testid=start-verdict]").GetAttribute("data-level")), Patience);
        await cut.Find("[data-testid=duration-value]").InputAsync("400"); // 400 s > 5 min
        await cut.WaitForAssertionAsync(() => Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled")), Patience);
        Assert.Contains("tick the confirmation under the duration", cut.Find("[data-testid=start-needs-confirmation]").TextContent);

        await cut.Find("[data-testid=confirm-long]").ChangeAsync(new ChangeEventArgs { Value = true });
        await cut.WaitForAssertionAsync(() => Assert.False(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled")), Patience);
        Assert.Empty(cut.FindAll("[data-testid=start-needs-confirmation]"));

        // Another duration asks again; a short one needs nothing.
        await cut.Find("[data-testid=duration-value]").InputAsync("500");
        await cut.WaitForAssertionAsync(() => Assert.True(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled")), Patience);
        await cut.Find("[data-testid=duration-value]").InputAsync("20");
        await cut.WaitForAssertionAsync(() => Assert.False(cut.Find("[data-testid=start-confirm]").HasAttribute("disabled")), Patience);
        Assert.Empty(cut.FindAll("[data-testid=confirm-long]"));
    }

    private async Task<IRenderedComponent<IComponent>> OpenAsync(string connectionId)
    {
        var cut = Ctx.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
        });
        var dialogs = Service<IDialogService>();
        var dialog = await cut.InvokeAsync(() => dialogs.ShowAsync<StartSessionDialog>("Start",
            new DialogParameters<StartSessionDialog> { { d => d.ConnectionId, connectionId }, { d => d.ConnectionName, connectionId } }));
        _ = dialog.Result.ContinueWith(t =>
        {
            if (t.Result is { Canceled: false, Data: CaptureSession s })
                Ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"monitor/sessions/{s.Id}");
        }, TaskScheduler.Default);
        await cut.WaitForElementAsync("[data-testid=start-confirm]", Patience);
        return cut;
    }

    private static async Task SelectAsync(IRenderedComponent<IComponent> cut, string testId, string option)
    {
        await cut.Find($"[data-testid={testId}]").Closest(".mud-input-control")!.MouseDownAsync(new MouseEventArgs()); // MudSelect opens on mousedown
        await cut.WaitForAssertionAsync(() => Assert.NotEmpty(cut.FindAll($"[data-testid={testId}-option]")), TimeSpan.FromSeconds(10));
        await cut.FindAll($"[data-testid={testId}-option]").Single(o => o.TextContent.Trim() == option).ClickAsync(new MouseEventArgs());
    }
}
