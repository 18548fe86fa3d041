using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BetterDb.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>Issue 19 item 5 in Chromium: a session captured with redaction on says "values redacted" in its page's header.</summary>
public sealed class RedactedSessionFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    [Fact]
    public async Task A_redacted_session_says_so_in_its_header_with_a_tooltip()
    {
        using var created = await App.Http.PostAsJsonAsync("/api/connections",
            new { name = $"redacting-{Run}", host = "127.0.0.1", port = App.Redis.Port, redactValues = true });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var connectionId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(connectionId), "connectionId"); // before the file: the import redacts as it stores
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes($"1700000000.000001 [0 10.0.0.1:5000] \"SET\" \"user:{Run}\" \"secret-value\"\n")), "file", "monitor.txt");
        using var imported = await App.Http.PostAsync("/api/monitor/sessions/import", form);
        Assert.True(imported.StatusCode == HttpStatusCode.Created, await imported.Content.ReadAsStringAsync());
        var sessionId = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{sessionId}");
        var chip = p.TestId("session-redacted");
        await Expect(chip).ToHaveTextAsync("values redacted");
        await chip.HoverAsync();
        await Expect(p.Page.Locator(".mud-tooltip.mud-popover-open")).ToContainTextAsync("stored, shown and exported as (redacted)");
        await Expect(p.Page.GetByText("secret-value")).ToHaveCountAsync(0);
        await ShotBothThemesAsync(p, "01-header");
    }
}
