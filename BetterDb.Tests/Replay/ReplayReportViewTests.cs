using BetterDb.Blazor.Components.Replays;
using BetterDb.Core.Replay;
using Bunit;
using MudBlazor.Services;

namespace BetterDb.Tests.Replay;

/// <summary>The report a replay page shows: what it says for a live run and for a dry run.</summary>
public sealed class ReplayReportViewTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();

    public ReplayReportViewTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
    }

    private static ReplayReport Report(bool dry) => new()
    {
        DryRun = dry,
        Sent = dry ? 0 : 1200,
        WouldSend = dry ? 1200 : 0,
        Skipped = 3,
        SkippedByReason = [new(ReplaySkipReason.Denylisted, 2), new(ReplaySkipReason.Lua, 1)],
        Errors = dry ? 0 : 4,
        ErrorsByText = dry ? [] : [new("INCR", "ERR value is not an integer or out of range", 4)],
        Commands = [new("SET", 1000, 0, 0.12, 0.9, 1.5, 20), new("INCR", 200, 4, 0.1, 0.3, null, null)],
        Timeline = dry ? [] : [new(0, 700, 4), new(1, 500, 0)],
        DurationMs = 1500,
        CommandsPerSec = 800,
        RepliesPerSec = 900,
        Connections = 2,
        Clients = 2,
        Original = new ReplayOriginal(1203, 60_000, 20.1),
        TargetBefore = dry ? null : new ReplayTargetInfo(1_048_576, 10, 0, 1),
        TargetAfter = dry ? null : new ReplayTargetInfo(2_097_152, 1215, 800, 1),
        Preview = dry ? [new(0, "10.0.0.1:5000", 3, "\"SET\" \"k\" \"v\"")] : null,
    };

    [Fact]
    public void A_run_shows_its_rate_beside_the_originals_and_its_skips_errors_and_target_info()
    {
        var cut = _ctx.Render<ReplayReportView>(p => p.Add(v => v.Report, Report(dry: false)));

        var comparison = cut.Find("[data-testid=replay-comparison]").TextContent;
        Assert.Contains("1,200", comparison);
        Assert.Contains("1,203", comparison);
        Assert.Contains("800", comparison);
        Assert.Contains("on the denylist", cut.Find("[data-testid=replay-skipped-reasons]").TextContent);
        Assert.Contains("ERR value is not an integer", cut.Find("[data-testid=replay-error-texts]").TextContent);
        var info = cut.Find("[data-testid=replay-target-info]").TextContent;
        Assert.Contains("1.0 MB", info);
        Assert.Contains("2.0 MB", info);
        Assert.Contains("0.12 ms", cut.Find("[data-testid=replay-commands]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=replay-preview]"));
    }

    [Fact]
    public void A_dry_run_shows_what_it_would_send_and_says_it_did_not_connect()
    {
        var cut = _ctx.Render<ReplayReportView>(p => p.Add(v => v.Report, Report(dry: true)));

        Assert.Contains("\"SET\" \"k\" \"v\"", cut.Find("[data-testid=replay-preview]").TextContent);
        Assert.Contains("does not connect", cut.Find("[data-testid=replay-target-info]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=replay-timeline]"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();
}
