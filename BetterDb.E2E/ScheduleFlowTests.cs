using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BetterDb.E2E.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>
/// Issue 15 in the browser: the Monitor page's Schedules tab against the real app (Hangfire running) and a real
/// redis-server. A schedule is made in the dialog (the cron field's words, next fires and errors seen on the way), fires,
/// links its session, is switched off and on, and deleted; /hangfire lists its recurring job by what it does.
/// </summary>
public sealed class ScheduleFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    private const string JobName = "Capture 2 s every 10 seconds, connection default";

    private static async Task ChooseAsync(BrowserPage p, string testId, string option)
    {
        await p.TestId(testId).ClickAsync();
        await p.Page.Locator($"[data-testid={testId}-option]").Filter(new() { HasText = option }).First.ClickAsync();
    }

    /// <summary>A MudBlazor field's input (the test id lands on the input or on a wrapper, by component).</summary>
    private static ILocator Input(BrowserPage p, string testId) =>
        p.Page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]").First;

    /// <summary>The line under a MudBlazor field: its helper text, or its error.</summary>
    private static ILocator Helper(BrowserPage p, string testId) =>
        p.Page.Locator($".mud-input-control:has([data-testid={testId}]), .mud-input-control[data-testid={testId}]").Last
            .Locator(".mud-input-helper-text").First;

    private static ILocator Row(BrowserPage p, string id) => p.Page.Locator($"[data-testid=schedule-row][data-schedule-id='{id}']");

    private static async Task<List<string>> NextFiresAsync(BrowserPage p)
    {
        var list = new List<string>();
        foreach (var li in await p.TestId("next-fire").AllAsync()) list.Add(await li.GetAttributeAsync("data-utc") ?? "");
        return list;
    }

    /// <summary>Moves the pointer and the focus off the page's buttons, so no tooltip covers a screenshot.</summary>
    private static async Task RestPointerAsync(BrowserPage p)
    {
        await p.Page.Mouse.MoveAsync(1270, 890);
        await p.Page.EvaluateAsync("() => document.activeElement?.blur()");
        await p.Page.WaitForTimeoutAsync(300);
    }

    private async Task<JsonElement> ScheduleAsync(string id) => await App.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/schedules/{id}");

    private async Task<string> RecurringPageAsync() => await App.Http.GetStringAsync("/hangfire/recurring?from=0&count=1000");

    [Fact]
    public async Task A_schedule_is_made_in_the_dialog_fires_links_its_session_switches_and_is_deleted()
    {
        var p = await OpenAsync();
        await p.GotoAsync("/monitor?c=default&tab=schedules");
        await Expect(p.TestId("schedules-tab")).ToBeVisibleAsync();
        await Expect(p.Page.GetByRole(AriaRole.Tab, new() { Name = "Schedules" })).ToHaveAttributeAsync("aria-selected", "true");

        await p.TestId("schedule-new").ClickAsync();
        await Expect(p.TestId("schedule-form")).ToBeVisibleAsync();
        // Defaults: every 1 hour, 30 s captures.
        await Expect(p.TestId("cadence-words")).ToHaveTextAsync("every hour");
        await Expect(p.TestId("next-fire")).ToHaveCountAsync(5);

        // The advanced cron field: words and the next five fires follow what is typed.
        await p.TestId("cadence-cron").ClickAsync();
        var cron = Input(p, "cron-expression");
        await cron.FillAsync("0 9 * * *");
        await Expect(p.TestId("cadence-words")).ToHaveTextAsync("at 09:00, every day (UTC)");
        await Expect(p.TestId("next-fire")).ToHaveCountAsync(5);
        var daily = await NextFiresAsync(p);
        Assert.All(daily, t => Assert.EndsWith("T09:00:00.0000000Z", t));

        await cron.FillAsync("0 9 * * MON-FRI");
        await Expect(p.TestId("cadence-words")).ToHaveTextAsync("at 09:00, Monday through Friday (UTC)");
        await Expect(p.TestId("next-fire")).ToHaveCountAsync(5);
        var weekdays = await NextFiresAsync(p);
        Assert.All(weekdays, t => Assert.InRange((int)DateTime.Parse(t, null, System.Globalization.DateTimeStyles.RoundtripKind).DayOfWeek, 1, 5));
        Assert.NotEqual(daily, weekdays); // a week holds a weekend day, so five daily fires are never five weekday ones
        await Expect(Helper(p, "cron-expression")).ToContainTextAsync("At 09:00, Monday through Friday (UTC)");
        await ShotBothThemesAsync(p, "cron-preview");

        // An invalid expression: the error under the field, no fire times, no saving.
        await cron.FillAsync("0 9 * * MON-FUN");
        await Expect(Helper(p, "cron-expression")).ToContainTextAsync("days of week");
        await Expect(Helper(p, "cron-expression")).ToHaveClassAsync(new Regex("mud-input-error"));
        await Expect(p.TestId("cadence-preview")).ToHaveAttributeAsync("data-valid", "false");
        await Expect(p.TestId("next-fire")).ToHaveCountAsync(0);
        await Expect(p.TestId("schedule-save")).ToBeDisabledAsync();
        await ShotBothThemesAsync(p, "cron-error");

        // Back to an interval: every 10 seconds, 2 s captures.
        await p.TestId("cadence-interval").ClickAsync();
        await ChooseAsync(p, "interval-unit", "seconds");
        await FillAsync(p, "interval-amount", "10");
        await Expect(p.TestId("cadence-words")).ToHaveTextAsync("every 10 seconds");
        var interval = await NextFiresAsync(p);
        Assert.Equal(5, interval.Count);
        Assert.All(interval.Zip(interval.Skip(1)), x => Assert.Equal(10, (DateTime.Parse(x.Second).ToUniversalTime() - DateTime.Parse(x.First).ToUniversalTime()).TotalSeconds));
        // 30 s captures do not fit in a 10 s interval: said under the duration.
        await Expect(Helper(p, "schedule-duration")).ToContainTextAsync("Shorter than the interval");
        await Expect(p.TestId("schedule-save")).ToBeDisabledAsync();
        await FillAsync(p, "schedule-duration", "2");
        await FillAsync(p, "schedule-created-by", $"e2e-{Run}");
        await Expect(p.TestId("schedule-save")).ToBeEnabledAsync();
        await ShotBothThemesAsync(p, "interval-dialog");
        await p.TestId("schedule-save").ClickAsync();
        await Expect(p.TestId("schedule-form")).ToHaveCountAsync(0);

        var row = p.TestId("schedule-row").Filter(new() { HasText = "Every 10 seconds" });
        await Expect(row).ToHaveCountAsync(1);
        var id = (await row.GetAttributeAsync("data-schedule-id"))!;
        await Expect(row.GetByTestId("schedule-cadence")).ToHaveTextAsync("Every 10 seconds");
        await Expect(row.GetByTestId("schedule-duration-cell")).ToContainTextAsync("2 s");
        await Expect(row.GetByTestId("schedule-last-fire")).ToContainTextAsync("never");
        await Expect(row.GetByTestId("schedule-next-fire")).ToHaveCountAsync(1);

        // /hangfire lists the recurring job, named after what it does.
        Assert.Contains(JobName, await RecurringPageAsync());
        Assert.Contains($"schedule-{id}", await RecurringPageAsync());

        // It fires: the row links the session it started, which is a schedule's session.
        var link = Row(p, id).GetByTestId("schedule-last-session");
        await Expect(link).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var href = (await link.GetAttributeAsync("href"))!;
        var sessionId = href.Split('/').Last().Split('?')[0];
        var session = await App.GetSessionAsync(sessionId);
        Assert.Equal("schedule", session.GetProperty("source").GetString());
        Assert.Equal(id, session.GetProperty("scheduleId").GetString());
        Assert.Equal($"e2e-{Run}", session.GetProperty("requestedBy").GetString());
        await RestPointerAsync(p);
        await ShotBothThemesAsync(p, "fired");

        // Disable: no next fires, no recurring job; enable: both back.
        await Row(p, id).Locator("[data-testid=schedule-enabled] input, input[data-testid=schedule-enabled]").First.ClickAsync();
        await Expect(Row(p, id)).ToHaveAttributeAsync("data-enabled", "false");
        await Expect(Row(p, id).GetByTestId("schedule-next-fires")).ToContainTextAsync("disabled");
        Assert.False((await ScheduleAsync(id)).GetProperty("enabled").GetBoolean());
        Assert.DoesNotContain($"schedule-{id}", await RecurringPageAsync());
        await RestPointerAsync(p);
        await ShotAsync(p, "disabled");
        await Row(p, id).Locator("[data-testid=schedule-enabled] input, input[data-testid=schedule-enabled]").First.ClickAsync();
        await Expect(Row(p, id)).ToHaveAttributeAsync("data-enabled", "true");
        await Expect(Row(p, id).GetByTestId("schedule-next-fire")).ToHaveCountAsync(1);
        Assert.True((await ScheduleAsync(id)).GetProperty("enabled").GetBoolean());
        Assert.Contains($"schedule-{id}", await RecurringPageAsync());

        // Edit: the dialog opens with the schedule's values; a new interval renames the job on /hangfire.
        await Row(p, id).GetByTestId("schedule-edit").ClickAsync();
        await Expect(p.TestId("schedule-form")).ToBeVisibleAsync();
        await Expect(Input(p, "interval-amount")).ToHaveValueAsync("10");
        await Expect(p.TestId("cadence-words")).ToHaveTextAsync("every 10 seconds");
        await FillAsync(p, "interval-amount", "20");
        await Expect(p.TestId("cadence-words")).ToHaveTextAsync("every 20 seconds");
        await p.TestId("schedule-save").ClickAsync();
        await Expect(p.TestId("schedule-form")).ToHaveCountAsync(0);
        await Expect(Row(p, id).GetByTestId("schedule-cadence")).ToHaveTextAsync("Every 20 seconds");
        Assert.Equal(20, (await ScheduleAsync(id)).GetProperty("intervalSeconds").GetInt32());
        var renamed = await RecurringPageAsync();
        Assert.Contains("Capture 2 s every 20 seconds, connection default", renamed);
        Assert.DoesNotContain(JobName, renamed);

        // The row's sessions button opens the sessions list filtered to this schedule (source and scheduleId in the URL).
        await Row(p, id).GetByTestId("schedule-sessions").ClickAsync();
        await p.Page.WaitForURLAsync(new Regex($"scheduleId={id}"));
        Assert.Contains("source=schedule", p.Page.Url);
        await Expect(p.TestId("sessions-schedule")).ToContainTextAsync(id[^8..]);
        // The chip shows at once; the rows are the schedule's only once the list says it holds this filter's rows.
        await Expect(p.TestId("sessions-list")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(p.Page.Locator($"[data-testid=session-row][data-session-id='{sessionId}']")).ToHaveCountAsync(1);
        var listed = await p.TestId("session-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.sessionId)");
        var ofSchedule = await App.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions?scheduleId={id}&limit=1000");
        // The schedule keeps ticking: every row shown is one of its sessions (the API, asked after, may know more).
        var ofScheduleIds = ofSchedule.EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToHashSet();
        foreach (var l in listed.Where(l => !ofScheduleIds.Contains(l)))
        {
            var other = await App.GetSessionAsync(l);
            Log($"listed but not the schedule's: {l} source={other.GetProperty("source")} scheduleId={other.GetProperty("scheduleId")}; url {p.Page.Url}; " +
                $"list state {await p.TestId("sessions-list").GetAttributeAsync("data-state")}; the UI's query over the API: " +
                await App.Http.GetStringAsync($"/api/monitor/sessions?connectionId=default&source=schedule&scheduleId={id}"));
        }
        Assert.All(listed, l => Assert.Contains(l, ofScheduleIds));
        await RestPointerAsync(p);
        await ShotBothThemesAsync(p, "sessions-of-schedule");

        // The last-fire link opens the session page.
        await p.GotoAsync("/monitor?c=default&tab=schedules");
        await Row(p, id).GetByTestId("schedule-last-session").ClickAsync();
        await p.Page.WaitForURLAsync(new Regex($"/monitor/sessions/"));
        Assert.Matches("/monitor/sessions/[0-9a-f]+", p.Page.Url);

        // Delete asks once, then the row and the recurring job are gone; the session stays.
        await p.GotoAsync("/monitor?c=default&tab=schedules");
        await Row(p, id).GetByTestId("schedule-delete").ClickAsync();
        await Expect(p.TestId("confirm-delete-schedule")).ToBeVisibleAsync();
        await ShotAsync(p, "delete-confirm");
        await p.TestId("confirm-delete-schedule").ClickAsync();
        await Expect(Row(p, id)).ToHaveCountAsync(0);
        using (var gone = await App.Http.GetAsync($"/api/monitor/schedules/{id}"))
            Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
        Assert.DoesNotContain($"schedule-{id}", await RecurringPageAsync());
        Assert.Equal("schedule", (await App.GetSessionAsync(sessionId)).GetProperty("source").GetString());
    }

    [Fact]
    public async Task The_schedules_page_lists_every_connection_and_the_nav_links_it()
    {
        using (var created = await App.Http.PostAsJsonAsync("/api/monitor/schedules",
                   new { connectionId = "default", cronExpression = "0 0 1 1 *", durationMs = 60_000, createdBy = $"e2e-{Run}" }))
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        var p = await OpenAsync();
        await p.GotoAsync("/monitor?c=default");
        await p.TestId("nav-schedules").ClickAsync();
        await p.Page.WaitForURLAsync(new Regex("/schedules$"));
        var row = p.TestId("schedule-row").Filter(new() { HasText = "At 00:00, on day 1 of the month, in January (UTC)" });
        await Expect(row.First).ToBeVisibleAsync();
        await Expect(row.First.GetByTestId("schedule-cron")).ToHaveTextAsync("0 0 1 1 *");
        await Expect(row.First.GetByTestId("schedule-duration-cell")).ToContainTextAsync("1 min");
        await ShotBothThemesAsync(p, "page");
        foreach (var id in await row.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.scheduleId)"))
            (await App.Http.DeleteAsync($"/api/monitor/schedules/{id}")).Dispose();
    }
}
