using System.Text.RegularExpressions;
using BetterDb.E2E.Infrastructure;
using BetterDb.Tests.Webhooks;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>
/// Issue 16 in a real Chromium: the Webhooks page adds an endpoint (every bad value said on its field), tests it with a
/// signed ping whose result shows at once, logs a real capture's events as they are delivered, edits and deletes it.
/// The receiver is a real HTTP server on loopback.
/// </summary>
public sealed class WebhookFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output), IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        _receiver = await WebhookReceiver.StartAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task A_webhook_is_added_tested_hears_a_capture_and_is_deleted_from_the_page()
    {
        var path = $"/hook-{Run}";
        var up = false;
        _receiver.Answer(path, _ => up ? 200 : 503);
        var p = await OpenAsync();
        await p.GotoAsync("/webhooks");
        await p.TestId("add-webhook").ClickAsync();
        await Expect(p.TestId("hook-save")).ToBeVisibleAsync();

        // Every bad value at once, on its field.
        await FillAsync(p, "hook-url", "hooks/betterdb");
        foreach (var box in await p.Page.Locator("input[data-testid=hook-event]").AllAsync()) await box.UncheckAsync();
        await p.TestId("hook-save").ClickAsync();
        await Expect(p.Page.GetByText("is not an absolute address")).ToBeVisibleAsync();
        await Expect(p.TestId("hook-events-error")).ToContainTextAsync("at least one event");
        await Expect(p.TestId("hook-error-count")).ToContainTextAsync("2 values");
        await ShotBothThemesAsync(p, "01-every-error");

        await FillAsync(p, "hook-url", _receiver.Url(path));
        await FillAsync(p, "hook-secret", "e2e-secret");
        await p.Page.Locator("input[data-testid=hook-event][data-event='monitor.session.started']").CheckAsync();
        await p.Page.Locator("input[data-testid=hook-event][data-event='monitor.session.completed']").CheckAsync();
        await p.TestId("hook-save").ClickAsync();
        var card = p.Page.Locator("[data-testid=webhook]").Filter(new() { HasText = _receiver.Url(path) });
        await Expect(card).ToHaveCountAsync(1);
        await Expect(card.GetByTestId("webhook-secret")).ToHaveTextAsync("signed (secret set)");
        await Expect(card.GetByTestId("webhook-events")).ToContainTextAsync("session started, session completed");

        // Test: the receiver is down, then up; each answer shows at once.
        await card.GetByTestId("webhook-test").ClickAsync();
        await Expect(card.GetByTestId("webhook-test-result")).ToContainTextAsync("failed, HTTP 503");
        up = true;
        await card.GetByTestId("webhook-test").ClickAsync();
        await Expect(card.GetByTestId("webhook-test-result")).ToContainTextAsync("delivered, HTTP 200");
        Assert.Equal(2, _receiver.At(path).Count(r => r.Event == "ping"));
        Assert.All(_receiver.At(path), r => Assert.StartsWith("sha256=", r.Signature));

        // A real capture: its two events land in the log, linked to the session.
        var session = await App.StartCaptureAsync(new { connectionId = "default", durationMs = 1000, requestedBy = $"e2e-{Run}" });
        var sessionId = session.GetProperty("id").GetString()!;
        await Expect(card.Locator("[data-testid=hook-delivery][data-status=succeeded][data-event='monitor.session.completed']")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Expect(card.Locator("[data-testid=hook-delivery][data-status=succeeded][data-event='monitor.session.started']")).ToHaveCountAsync(1);
        await Expect(card.Locator($"a[href$='{sessionId}']")).ToHaveCountAsync(2);
        await ShotBothThemesAsync(p, "02-deliveries");

        // Disabled in the edit dialog: the card says so.
        await card.GetByTestId("webhook-edit").ClickAsync();
        await Expect(p.TestId("hook-secret")).ToHaveValueAsync("");
        await p.TestId("hook-enabled").ClickAsync();
        await p.TestId("hook-save").ClickAsync();
        await Expect(card).ToHaveAttributeAsync("data-enabled", "false");
        await Expect(card.GetByTestId("webhook-secret")).ToHaveTextAsync("signed (secret set)"); // left empty: kept

        await card.GetByTestId("webhook-delete").ClickAsync();
        await p.TestId("confirm-delete").ClickAsync();
        await Expect(card).ToHaveCountAsync(0);
        var list = await App.Http.GetStringAsync("/api/webhooks");
        Assert.DoesNotMatch(new Regex(Regex.Escape(path)), list);
    }
}
