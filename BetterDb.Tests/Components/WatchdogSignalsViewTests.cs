using BetterDb.Blazor.Components.Sessions;
using BetterDb.Core.Capture;
using Bunit;
using MudBlazor.Services;

namespace BetterDb.Tests.Components;

/// <summary>The watchdog's live reading on the session page: each signal against its line, and what it could not read.</summary>
public sealed class WatchdogSignalsViewTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();
    private static readonly WatchdogLimits Limits = new(32 * 1024 * 1024, 0.85, 250);

    public WatchdogSignalsViewTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
    }

    [Fact]
    public void Shows_each_signal_against_its_limit()
    {
        var cut = _ctx.Render<WatchdogSignalsView>(p => p.Add(x => x.Signals, new WatchdogSignals
        {
            OutputBufferBytes = 1536, UsedMemory = 600, MaxMemory = 1000, PingMs = 0.42, SampledAt = DateTime.UtcNow, Limits = Limits,
        }));
        Assert.Equal("1.5 KB / 32 MB", Squash(cut.Find("[data-testid=watchdog-omem]").TextContent));
        Assert.Equal("60 % / 85 % of maxmemory", Squash(cut.Find("[data-testid=watchdog-memory]").TextContent));
        Assert.Equal("0.4 ms / 250 ms", Squash(cut.Find("[data-testid=watchdog-ping]").TextContent));
    }

    [Fact]
    public void Without_maxmemory_or_with_a_refused_command_it_says_so()
    {
        var cut = _ctx.Render<WatchdogSignalsView>(p => p.Add(x => x.Signals, new WatchdogSignals
        {
            OutputBufferBytes = null, UsedMemory = 2048, MaxMemory = 0, PingMs = 1, SampledAt = DateTime.UtcNow,
            Error = "CLIENT LIST: NOPERM this user has no permissions to run the 'client|list' command", Limits = Limits,
        }));
        Assert.Equal("— / 32 MB", Squash(cut.Find("[data-testid=watchdog-omem]").TextContent));
        Assert.Equal("2 KB (no maxmemory)", Squash(cut.Find("[data-testid=watchdog-memory]").TextContent));
        Assert.Contains("partly blind: CLIENT LIST: NOPERM", cut.Find("[data-testid=watchdog-signals]").TextContent);
    }

    private static string Squash(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();
}
