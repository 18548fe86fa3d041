using BetterDb.Blazor.Components.Preflight;
using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor.Services;

namespace BetterDb.Tests.Preflight;

public sealed class PreflightConfirmationTests : IAsyncLifetime
{
    private const string Text = "Sessions over 5 minutes can produce significant load. Confirm to proceed.";

    private readonly BunitContext _ctx = new();
    private readonly List<bool> _reported = [];

    public PreflightConfirmationTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();

    private IRenderedComponent<PreflightConfirmation> Render(long durationMs) =>
        _ctx.Render<PreflightConfirmation>(p => p
            .Add(x => x.DurationMs, durationMs)
            .Add(x => x.CanStartChanged, v => _reported.Add(v)));

    [Theory]
    [InlineData(1_000)]
    [InlineData(30_000)]
    [InlineData(300_000)] // exactly 5 minutes: no second confirmation
    public void Five_minutes_or_less_needs_no_confirmation(long durationMs)
    {
        var cut = Render(durationMs);
        Assert.Empty(cut.FindAll("[data-testid=confirm-long]"));
        Assert.DoesNotContain(Text, cut.Markup);
        Assert.Equal([true], _reported);
    }

    [Theory]
    [InlineData(300_001)]
    [InlineData(3_600_000)]
    public async Task Over_five_minutes_requires_an_explicit_confirmation(long durationMs)
    {
        var cut = Render(durationMs);
        Assert.Contains(Text, cut.Find("[data-testid=preflight-confirmation]").TextContent);
        Assert.Equal([false], _reported);

        // Awaited: the synchronous Change() does not wait for the handler (see PreflightPanelTests).
        await cut.Find("[data-testid=confirm-long]").ChangeAsync(new ChangeEventArgs { Value = true });
        Assert.Equal([false, true], _reported);
        Assert.Single(cut.FindAll(".mud-checkbox-true"));

        await cut.Find("[data-testid=confirm-long]").ChangeAsync(new ChangeEventArgs { Value = false });
        Assert.Equal([false, true, false], _reported);
    }

    [Fact]
    public async Task Changing_the_duration_asks_again()
    {
        var cut = Render(600_000);
        await cut.Find("[data-testid=confirm-long]").ChangeAsync(new ChangeEventArgs { Value = true });
        Assert.True(_reported[^1]);

        cut.Render(p => p.Add(x => x.DurationMs, 7_200_000));
        Assert.False(_reported[^1]);
        Assert.Empty(cut.FindAll(".mud-checkbox-true"));

        cut.Render(p => p.Add(x => x.DurationMs, 60_000));
        Assert.True(_reported[^1]);
        Assert.Empty(cut.FindAll("[data-testid=confirm-long]"));
    }

    [Fact]
    public void The_rule_itself()
    {
        Assert.Equal(Text, LongCaptureConfirmation.Message);
        Assert.False(LongCaptureConfirmation.IsRequired(300_000));
        Assert.True(LongCaptureConfirmation.IsRequired(300_001));
        Assert.True(LongCaptureConfirmation.CanStart(300_000, confirmed: false));
        Assert.False(LongCaptureConfirmation.CanStart(300_001, confirmed: false));
        Assert.True(LongCaptureConfirmation.CanStart(300_001, confirmed: true));
    }
}
