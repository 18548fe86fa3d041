using BetterDb.Blazor.Components.Sessions;
using BetterDb.Blazor.Ui;
using BetterDb.Core.Capture;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using MudBlazor.Services;

namespace BetterDb.Tests.Components;

/// <summary>Issue 19 item 5: the session page's header says when a session was captured with value redaction on.</summary>
public sealed class SessionHeaderTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();

    public SessionHeaderTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
    }

    private IRenderedComponent<IComponent> Render(bool redacted) => _ctx.Render(builder =>
    {
        builder.OpenComponent<MudPopoverProvider>(0);
        builder.CloseComponent();
        builder.OpenComponent<SessionHeader>(1);
        builder.AddComponentParameter(2, nameof(SessionHeader.Session), new CaptureSession
        {
            Id = "s-1", Status = CaptureStatus.Completed, Source = CaptureSource.Manual, Redacted = redacted,
            StartedAt = DateTime.UtcNow.AddMinutes(-1), EndedAt = DateTime.UtcNow, TerminationReason = "duration_cap",
        });
        builder.AddComponentParameter(3, nameof(SessionHeader.Connection), new ConnectionLabel("default", "default", "127.0.0.1:6379", false));
        builder.CloseComponent();
    });

    [Fact]
    public async Task A_redacted_session_shows_a_values_redacted_chip_whose_tooltip_says_what_it_means()
    {
        var cut = Render(redacted: true);
        var chip = cut.Find("[data-testid=session-redacted]");
        Assert.Equal("values redacted", chip.TextContent.Trim());
        Assert.Empty(cut.Find(".mud-tooltip").TextContent); // the tooltip's text appears on hover

        await cut.Find(".mud-tooltip-root").TriggerEventAsync("onpointerenter", new PointerEventArgs());
        cut.WaitForAssertion(() => Assert.Contains("stored, shown and exported as (redacted)", cut.Find(".mud-tooltip").TextContent));
    }

    [Fact]
    public void A_session_captured_without_redaction_shows_no_chip()
    {
        var cut = Render(redacted: false);
        Assert.Empty(cut.FindAll("[data-testid=session-redacted]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=session-title]"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();
}
