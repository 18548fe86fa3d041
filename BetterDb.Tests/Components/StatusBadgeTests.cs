using BetterDb.Blazor.Components.Sessions;
using BetterDb.Core.Capture;
using Bunit;
using MudBlazor.Services;

namespace BetterDb.Tests.Components;

public sealed class StatusBadgeTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();

    public StatusBadgeTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
    }

    [Theory]
    [InlineData(CaptureStatus.Running, "running", "mud-chip-color-info")]
    [InlineData(CaptureStatus.Completed, "completed", "mud-chip-color-success")]
    [InlineData(CaptureStatus.Truncated, "truncated", "mud-chip-color-warning")]
    [InlineData(CaptureStatus.Failed, "failed", "mud-chip-color-error")]
    [InlineData(CaptureStatus.Skipped, "skipped", "mud-chip-color-default")]
    [InlineData(CaptureStatus.Interrupted, "interrupted", "mud-chip-color-secondary")]
    public void Each_status_shows_its_word_in_its_own_colour(CaptureStatus status, string word, string colourClass)
    {
        var cut = _ctx.Render<StatusBadge>(p => p.Add(b => b.Status, status));

        var badge = cut.Find("[data-testid=status-badge]");
        Assert.Equal(word, badge.TextContent.Trim());
        Assert.Equal(word, badge.GetAttribute("data-status"));
        Assert.Contains(colourClass, badge.ClassList);
    }

    [Fact]
    public void No_two_statuses_share_a_colour()
    {
        var colours = Enum.GetValues<CaptureStatus>().Select(status =>
        {
            var badge = _ctx.Render<StatusBadge>(p => p.Add(b => b.Status, status)).Find("[data-testid=status-badge]");
            return badge.ClassList.Single(c => c.StartsWith("mud-chip-color-", StringComparison.Ordinal));
        }).ToList();

        Assert.Equal(Enum.GetValues<CaptureStatus>().Length, colours.Distinct().Count());
    }

    [Fact]
    public void The_session_page_badge_carries_its_own_test_id()
    {
        var cut = _ctx.Render<StatusBadge>(p => p.Add(b => b.Status, CaptureStatus.Failed).Add(b => b.TestId, "session-status"));

        Assert.Equal("failed", cut.Find("[data-testid=session-status]").TextContent.Trim());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();
}
