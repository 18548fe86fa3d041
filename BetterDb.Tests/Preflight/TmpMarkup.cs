using BetterDb.Blazor.Components.Preflight;
using BetterDb.Core.Preflight;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
namespace BetterDb.Tests.Preflight;
public sealed class TmpMarkup
{
    [Fact]
    public async Task Dump()
    {
        await using var ctx = new BunitContext();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        var fake = new FakePreflightService();
        ctx.Services.AddSingleton<IPreflightService>(fake);
        fake.Report = r => FakePreflightService.SampleReport(r.ConnectionId!);
        var cut = ctx.Render<PreflightPanel>(p => p.Add(x => x.ConnectionId, "c1").Add(x => x.DurationMs, 30_000).Add(x => x.EstimateDebounce, TimeSpan.FromMilliseconds(20)));
        cut.WaitForAssertion(() => Assert.Equal("ready", cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state")));
        cut.Render(p => p.Add(x => x.DurationMs, 60_000));
        await Task.Delay(500);
        Assert.Fail($"calls={fake.EstimateCalls.Count} state={cut.Find("[data-testid=preflight-panel]").GetAttribute("data-state")} dur={cut.Instance.DurationMs} debounce={cut.Instance.EstimateDebounce} conn={cut.Instance.ConnectionId}");
    }
}
