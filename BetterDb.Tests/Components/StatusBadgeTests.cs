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
    [InlineData(SessionStatus.Running, "mud-chip-color-info")]
    [InlineData(SessionStatus.Completed, "mud-chip-color-success")]
    [InlineData(SessionStatus.Truncated, "mud-chip-color-warning")]
    [InlineData(SessionStatus.Failed, "mud-chip-color-error")]
    [InlineData(SessionStatus.Skipped, "mud-chip-color-default")]
    [InlineData(SessionStatus.Interrupted, "mud-chip-color-secondary")]
    public void Each_status_shows_its_word_in_its_own_colour(string status, string colourClass)
    {
        var cut = _ctx.Render<StatusBadge>(p => p.Add(b => b.Status, status));

        var badge = cut.Find("[data-testid=status-badge]");
        Assert.Equal(status, badge.TextContent.Trim());
        Assert.Equal(status, badge.GetAttribute("data-status"));
        Assert.Contains(colourClass, badge.ClassList);
    }

    [Fact]
    public void No_two_statuses_share_a_colour()
    {
        var colours = SessionStatus.All.Select(status =>
        {
            var badge = _ctx.Render<StatusBadge>(p => p.Add(b => b.Status, status)).Find("[data-testid=status-badge]");
            return badge.ClassList.Single(c => c.StartsWith("mud-chip-color-", StringComparison.Ordinal));
        }).ToList();

        Assert.Equal(SessionStatus.All.Length, colours.Distinct().Count());
    }

    [Fact]
    public void The_session_page_badge_carries_its_own_test_id()
    {
        var cut = _ctx.Render<StatusBadge>(p => p.Add(b => b.Status, SessionStatus.Failed).Add(b => b.TestId, "session-status"));

        Assert.Equal("failed", cut.Find("[data-testid=session-status]").TextContent.Trim());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();
}
