using System.Net;
using System.Text.RegularExpressions;
using BetterDb.E2E.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

public sealed class SmokeTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    [Fact]
    public async Task App_answers_health_and_serves_MudBlazor_and_Blazor_assets()
    {
        Assert.Equal(HttpStatusCode.OK, (await App.Http.GetAsync("/healthz")).StatusCode);

        var css = await App.Http.GetAsync("/_content/MudBlazor/MudBlazor.min.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await App.Http.GetAsync("/_content/MudBlazor/MudBlazor.min.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await App.Http.GetAsync("/_framework/blazor.web.js")).StatusCode);
        Log($"app at {App.BaseAddress}, redis at {App.Redis.Url}, data in {App.DataDirectory}");
    }

    [Fact]
    public async Task Home_becomes_interactive_styled_and_navigates()
    {
        var p = await OpenAsync();
        await p.GotoAsync("/");

        // MudBlazor's stylesheet really applied (not just served): its app bar is fixed at the top.
        var appBarPosition = await p.Page.EvaluateAsync<string?>(
            "() => { const e = document.querySelector('.mud-appbar'); return e ? getComputedStyle(e).position : null; }");
        Assert.Equal("fixed", appBarPosition);
        var sheets = await p.Page.EvaluateAsync<string[]>(
            "() => [...document.styleSheets].map(s => s.href).filter(h => h)");
        Assert.Contains(sheets, h => h.Contains("MudBlazor", StringComparison.OrdinalIgnoreCase));

        await Expect(p.TestId("connection-select")).ToBeVisibleAsync();
        await Expect(p.TestId("theme-toggle")).ToBeVisibleAsync();
        await ShotBothThemesAsync(p, "home");

        await p.TestId("nav-connections").ClickAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex("/connections$"));
        await Expect(p.TestId("add-connection")).ToBeVisibleAsync();

        await p.TestId("nav-monitor").ClickAsync();
        await Expect(p.Page).ToHaveURLAsync(new Regex(@"/monitor(\?c=default)?$"));
        await Expect(p.TestId("start-session")).ToBeVisibleAsync();

        var hangfire = await p.TestId("nav-hangfire").GetAttributeAsync("href");
        Assert.NotNull(hangfire);
        Assert.Matches("(^|/)hangfire$", hangfire);
        var dashboard = await App.Http.GetAsync(hangfire!.StartsWith("http") ? hangfire : "/" + hangfire.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);

        Assert.Empty(p.Problems.Where(x => x.StartsWith("HTTP") || x.StartsWith("request failed") || x.StartsWith("page error")));
    }
}
