using System.Net;
using System.Net.Http.Json;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Automation;

/// <summary>The app in-process with connection <c>default</c> on a closed port: the schedules API needs no server until a tick.</summary>
public sealed class ScheduleApiFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;
    public ScheduleClient Client { get; private set; } = null!;

    public Task InitializeAsync()
    {
        App = new TestApp("redis://127.0.0.1:1");
        Client = new ScheduleClient(App.CreateClient(), App.Services);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ScheduleApiCollection : ICollectionFixture<ScheduleApiFixture>
{
    public const string Name = "schedules api (app, no server)";
}

/// <summary>Issue 15 items 1 and 2 over HTTP: create, read, list, replace, enable/disable, delete; validation names the field.</summary>
[Collection(ScheduleApiCollection.Name)]
public sealed class ScheduleApiTests(ScheduleApiFixture fx)
{
    private ScheduleClient Api => fx.Client;

    // Far from now, so no tick fires during the test.
    private const string Yearly = "0 0 1 1 *";

    [Fact]
    public async Task An_interval_schedule_is_created_with_its_next_fires_and_a_named_recurring_job()
    {
        var before = DateTime.UtcNow;
        var created = await Api.CreateAsync(new { connectionId = "default", intervalSeconds = 600, durationMs = 30_000, createdBy = "tests" });
        Assert.Equal(("default", 600, (string?)null, "UTC", 30_000L, true, "tests"),
            (created.ConnectionId, created.IntervalSeconds, created.CronExpression, created.TimeZone, created.DurationMs, created.Enabled, created.CreatedBy));
        Assert.Equal("every 10 minutes", created.Cadence);
        Assert.Equal("Capture 30 s every 10 minutes, connection default", created.Description);
        Assert.Equal("recurring", created.JobKind);
        Assert.Null(created.LastFiredAt);
        Assert.Null(created.LastSkipReason);
        // The grid starts at creation: the first tick is one interval later, then one every interval.
        Assert.NotNull(created.NextFireAt);
        Assert.InRange(created.NextFireAt.Value, before.AddSeconds(598), DateTime.UtcNow.AddSeconds(600));
        Assert.Equal(5, created.NextFires.Count);
        Assert.All(created.NextFires.Zip(created.NextFires.Skip(1)), p => Assert.Equal(TimeSpan.FromMinutes(10), p.Second - p.First));

        Assert.Equivalent(created, await Api.GetAsync(created.Id));
        Assert.Contains(await Api.ListAsync(), s => s.Id == created.Id);
        Assert.Contains(await Api.ListAsync("?connectionId=default"), s => s.Id == created.Id);
        Assert.DoesNotContain(await Api.ListAsync("?connectionId=elsewhere"), s => s.Id == created.Id);

        // The recurring job fires on the same grid, and /hangfire names it after what it does.
        var job = Api.RecurringJob(created.Id);
        Assert.NotNull(job);
        Assert.Equal(created.NextFireAt, job.NextExecution);
        var page = await Api.Http.GetStringAsync("/hangfire/recurring?from=0&count=1000");
        Assert.Contains("Capture 30 s every 10 minutes, connection default", page);
    }

    [Fact]
    public async Task Renaming_the_connection_renames_the_job_on_hangfire()
    {
        var name = "before-" + Guid.NewGuid().ToString("N")[..6];
        using var created = await Api.Http.PostAsJsonAsync("/api/connections", new { name, host = "127.0.0.1", port = 1 });
        await BetterDbApi.ExpectAsync(created, HttpStatusCode.Created);
        var connectionId = (await created.Content.ReadFromJsonAsync<ConnectionDto>(BetterDbApi.Json))!.Id;
        var s = await Api.CreateAsync(new { connectionId, cronExpression = Yearly, durationMs = 5_000 });
        Assert.Equal($"Capture 5 s at 00:00, on day 1 of the month, in January (UTC), connection {name}", s.Description);
        Assert.Contains(s.Description, await Api.Http.GetStringAsync("/hangfire/recurring?from=0&count=1000"));

        var renamed = name.Replace("before-", "after-");
        using (var put = await Api.Http.PutAsJsonAsync($"/api/connections/{connectionId}", new { name = renamed, host = "127.0.0.1", port = 1 }))
            await BetterDbApi.ExpectAsync(put, HttpStatusCode.OK);
        Assert.EndsWith($"connection {renamed}", (await Api.GetAsync(s.Id)).Description);
        var page = await Poll.UntilAsync(() => Api.Http.GetStringAsync("/hangfire/recurring?from=0&count=1000"), p => p.Contains($"connection {renamed}"),
            "the recurring job to take the new name");
        Assert.DoesNotContain($"connection {name}", page);
        Assert.Equal(Yearly, Api.RecurringJob(s.Id)!.Cron);
        await Api.Http.DeleteAsync($"/api/monitor/schedules/{s.Id}");
    }

    [Fact]
    public async Task A_cron_schedule_runs_in_its_time_zone()
    {
        var created = await Api.CreateAsync(new { connectionId = "default", cronExpression = "0  9 * *   MON-FRI", timeZone = "Europe/Berlin", durationMs = 60_000 });
        Assert.Equal(("0 9 * * MON-FRI", "Europe/Berlin"), (created.CronExpression, created.TimeZone));
        Assert.Equal("at 09:00, Monday through Friday (Europe/Berlin)", created.Cadence);
        Assert.Equal("Capture 1 min at 09:00, Monday through Friday (Europe/Berlin), connection default", created.Description);
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        Assert.All(created.NextFires, t =>
        {
            var local = TimeZoneInfo.ConvertTimeFromUtc(t, berlin);
            Assert.Equal((9, 0), (local.Hour, local.Minute));
            Assert.InRange((int)local.DayOfWeek, 1, 5);
        });
        var job = Api.RecurringJob(created.Id)!;
        Assert.Equal(("0 9 * * MON-FRI", "Europe/Berlin"), (job.Cron, job.TimeZoneId));
        Assert.Equal(created.NextFireAt, job.NextExecution);
    }

    [Fact]
    public async Task Disable_enable_replace_and_delete_keep_the_job_in_step()
    {
        var s = await Api.CreateAsync(new { connectionId = "default", cronExpression = Yearly, durationMs = 5_000, enabled = false });
        Assert.False(s.Enabled);
        Assert.Null(s.NextFireAt);
        Assert.Empty(s.NextFires);
        Assert.Null(Api.RecurringJob(s.Id));

        s = await Api.SwitchAsync(s.Id, enable: true);
        Assert.True(s.Enabled);
        Assert.NotNull(s.NextFireAt);
        Assert.NotNull(Api.RecurringJob(s.Id));

        s = await Api.SwitchAsync(s.Id, enable: false);
        Assert.Null(Api.RecurringJob(s.Id));
        s = await Api.PutAsync(s.Id, new { connectionId = "default", intervalSeconds = 3600, durationMs = 10_000, byteCap = 1_000_000, lineCap = 500, enabled = true });
        Assert.Equal((3600, (string?)null, 10_000L, (long?)1_000_000, (long?)500, true),
            (s.IntervalSeconds, s.CronExpression, s.DurationMs, s.ByteCap, s.LineCap, s.Enabled));
        Assert.Equal("Capture 10 s every hour, connection default", s.Description);
        var job = Api.RecurringJob(s.Id)!;
        Assert.Equal(s.NextFireAt, job.NextExecution);
        Assert.EndsWith("* * * *", job.Cron);

        // A replace without "enabled" keeps the switch.
        s = await Api.PutAsync(s.Id, new { connectionId = "default", cronExpression = Yearly, durationMs = 10_000 });
        Assert.True(s.Enabled);
        Assert.Equal(Yearly, Api.RecurringJob(s.Id)!.Cron);

        using (var response = await Api.Http.DeleteAsync($"/api/monitor/schedules/{s.Id}"))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null(Api.RecurringJob(s.Id));
        using (var response = await Api.Http.GetAsync($"/api/monitor/schedules/{s.Id}"))
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using (var response = await Api.Http.DeleteAsync($"/api/monitor/schedules/{s.Id}"))
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        foreach (var action in new[] { "enable", "disable" })
        {
            using var response = await Api.Http.PostAsync($"/api/monitor/schedules/{s.Id}/{action}", null);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        var put = await Api.RefusedAsync(HttpMethod.Put, $"/api/monitor/schedules/{s.Id}", $$"""{"connectionId":"default","cronExpression":"{{Yearly}}"}""");
        Assert.Equal(HttpStatusCode.NotFound, put.Status);
    }

    [Fact]
    public async Task An_interval_no_cron_can_say_ticks_as_a_delayed_job_that_goes_with_its_schedule()
    {
        var s = await Api.CreateAsync(new { connectionId = "default", intervalSeconds = 45 * 60, durationMs = 5_000 });
        Assert.Equal("delayed", s.JobKind);
        Assert.Null(Api.RecurringJob(s.Id));
        var row = await RowAsync(s.Id);
        Assert.NotNull(row.PendingJobId);
        Assert.Equal(s.NextFireAt, row.PendingDueAt);
        Assert.Equal("Scheduled", Api.JobState(row.PendingJobId));

        // A new cadence replaces the pending tick; disabling drops it.
        s = await Api.PutAsync(s.Id, new { connectionId = "default", intervalSeconds = 50 * 60, durationMs = 5_000 });
        var replaced = await RowAsync(s.Id);
        Assert.NotEqual(row.PendingJobId, replaced.PendingJobId);
        Assert.Equal("Deleted", Api.JobState(row.PendingJobId));
        Assert.Equal("Scheduled", Api.JobState(replaced.PendingJobId!));
        await Api.SwitchAsync(s.Id, enable: false);
        Assert.Equal("Deleted", Api.JobState(replaced.PendingJobId!));
        Assert.Null((await RowAsync(s.Id)).PendingJobId);

        // Changing to a cadence a cron can say moves it to a recurring job.
        s = await Api.PutAsync(s.Id, new { connectionId = "default", intervalSeconds = 30 * 60, durationMs = 5_000, enabled = true });
        Assert.Equal("recurring", s.JobKind);
        Assert.NotNull(Api.RecurringJob(s.Id));
        Assert.Null((await RowAsync(s.Id)).PendingJobId);
    }

    [Theory]
    [InlineData("0 9 * * MON-FRI")]
    [InlineData("0 9 * * 1-5")]
    [InlineData("*/15 * * * *")]
    [InlineData("0 0-23/6 * * *")]
    [InlineData("15,45 8-18 * JAN-JUN,DEC SAT,SUN")]
    [InlineData("0 0 L * ?")]
    [InlineData("0 0 ? * MON#1")]
    [InlineData("30 0 9 * * *")]
    [InlineData("*/10 * * * * *")]
    [InlineData("0 */5 * * * MON-FRI")]
    public async Task Cron_forms_of_5_and_6_fields_with_ranges_steps_and_names_are_accepted(string cron)
    {
        // Disabled: valid is what is asserted here, not firing.
        var s = await Api.CreateAsync(new { connectionId = "default", cronExpression = cron, durationMs = 5_000, enabled = false });
        Assert.Equal(cron, s.CronExpression);
        Assert.False(string.IsNullOrEmpty(s.Cadence));
    }

    [Theory]
    // Exactly one of interval and cron
    [InlineData("""{"connectionId":"default","durationMs":5000}""", "intervalSeconds", "neither")]
    [InlineData("""{"connectionId":"default","intervalSeconds":60,"cronExpression":"0 * * * *"}""", "intervalSeconds", "not both")]
    [InlineData("""{"connectionId":"default","intervalSeconds":null,"cronExpression":null}""", "intervalSeconds", "neither")]
    // Interval range and type
    [InlineData("""{"connectionId":"default","intervalSeconds":9}""", "intervalSeconds", "between 10")]
    [InlineData("""{"connectionId":"default","intervalSeconds":86401}""", "intervalSeconds", "24 h")]
    [InlineData("""{"connectionId":"default","intervalSeconds":-60}""", "intervalSeconds", "between 10")]
    [InlineData("""{"connectionId":"default","intervalSeconds":"60"}""", "intervalSeconds", "not valid")]
    [InlineData("""{"connectionId":"default","intervalSeconds":60.5}""", "intervalSeconds", "not valid")]
    // Cron: field counts, ranges, steps, names, impossible dates, frequency
    [InlineData("""{"connectionId":"default","cronExpression":"* * * *"}""", "cronExpression", "5 fields")]
    [InlineData("""{"connectionId":"default","cronExpression":"0 0 0 * * * *"}""", "cronExpression", "has 7")]
    [InlineData("""{"connectionId":"default","cronExpression":"   "}""", "cronExpression", "empty")]
    [InlineData("""{"connectionId":"default","cronExpression":"60 * * * *"}""", "cronExpression", "minutes")]
    [InlineData("""{"connectionId":"default","cronExpression":"0 9-25 * * *"}""", "cronExpression", "hours")]
    [InlineData("""{"connectionId":"default","cronExpression":"0 0 0 * *"}""", "cronExpression", "days of month")]
    [InlineData("""{"connectionId":"default","cronExpression":"0 0 * 0 *"}""", "cronExpression", "months")]
    [InlineData("""{"connectionId":"default","cronExpression":"*/0 * * * *"}""", "cronExpression", "minutes")]
    [InlineData("""{"connectionId":"default","cronExpression":"0 9 * * MON-FUN"}""", "cronExpression", "days of week")]
    [InlineData("""{"connectionId":"default","cronExpression":"0 9 * FOO *"}""", "cronExpression", "months")]
    [InlineData("""{"connectionId":"default","cronExpression":"0 9 * * 8"}""", "cronExpression", "days of week")]
    [InlineData("""{"connectionId":"default","cronExpression":"0 9 30 2 *"}""", "cronExpression", "never fires")]
    [InlineData("""{"connectionId":"default","cronExpression":"*/5 * * * * *"}""", "cronExpression", "every 10 s")]
    [InlineData("""{"connectionId":"default","cronExpression":"@hourly"}""", "cronExpression", "Macros")]
    [InlineData("""{"connectionId":"default","cronExpression":"every monday"}""", "cronExpression", "5 fields")]
    [InlineData("""{"connectionId":"default","cronExpression":5}""", "cronExpression", "not valid")]
    // Time zone
    [InlineData("""{"connectionId":"default","cronExpression":"0 9 * * *","timeZone":"Moon/Base"}""", "timeZone", "IANA")]
    [InlineData("""{"connectionId":"default","cronExpression":"0 9 * * *","timeZone":"Central European Standard Time"}""", "timeZone", "IANA")]
    [InlineData("""{"connectionId":"default","cronExpression":"0 9 * * *","timeZone":"../../../etc/passwd"}""", "timeZone", "IANA")]
    // Duration and caps
    [InlineData("""{"connectionId":"default","intervalSeconds":60,"durationMs":999}""", "durationMs", "between 1000")]
    [InlineData("""{"connectionId":"default","cronExpression":"0 9 * * *","durationMs":86400001}""", "durationMs", "24 h")]
    [InlineData("""{"connectionId":"default","intervalSeconds":60,"durationMs":60000}""", "durationMs", "shorter than the interval")]
    [InlineData("""{"connectionId":"default","intervalSeconds":60,"durationMs":"5000"}""", "durationMs", "not valid")]
    [InlineData("""{"connectionId":"default","intervalSeconds":60,"byteCap":0}""", "byteCap", "positive")]
    [InlineData("""{"connectionId":"default","intervalSeconds":60,"lineCap":-1}""", "lineCap", "positive")]
    [InlineData("""{"connectionId":"default","intervalSeconds":60,"enabled":"yes"}""", "enabled", "not valid")]
    [InlineData("""{"intervalSeconds":60}""", "connectionId", "required")]
    public async Task Bad_input_is_a_400_naming_the_field(string json, string field, string detail)
    {
        foreach (var (method, url) in new[] { (HttpMethod.Post, "/api/monitor/schedules"), (HttpMethod.Put, await ExistingUrlAsync()) })
        {
            var (status, named, text) = await Api.RefusedAsync(method, url, json);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(field, named);
            Assert.Contains(detail, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Every_bad_field_is_listed_and_an_unknown_connection_is_a_404()
    {
        using (var response = await Api.Http.PostAsync("/api/monitor/schedules", new StringContent(
                   """{"connectionId":"default","cronExpression":"0 99 * * *","timeZone":"Nowhere/Land","durationMs":0,"createdBy":"x"}""",
                   System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var fields = doc.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
            Assert.Equal(["cronExpression", "durationMs", "timeZone"], fields.Order(StringComparer.Ordinal).ToList());
        }
        var (status, _, detail) = await Api.RefusedAsync(HttpMethod.Post, "/api/monitor/schedules", """{"connectionId":"nope","intervalSeconds":60}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("nope", detail);
        var tooLong = await Api.RefusedAsync(HttpMethod.Post, "/api/monitor/schedules",
            $$"""{"connectionId":"default","intervalSeconds":60,"createdBy":"{{new string('x', 201)}}"}""");
        Assert.Equal((HttpStatusCode.BadRequest, "createdBy"), (tooLong.Status, tooLong.Field));
        var paging = await Api.RefusedAsync(HttpMethod.Get, "/api/monitor/schedules?limit=-1", "{}");
        Assert.Equal((HttpStatusCode.BadRequest, "limit"), (paging.Status, paging.Field));
        // The session list's source filter takes the four sources only.
        var source = await Api.RefusedAsync(HttpMethod.Get, "/api/monitor/sessions?source=cron", "{}");
        Assert.Equal((HttpStatusCode.BadRequest, "source"), (source.Status, source.Field));
    }

    [Fact]
    public async Task A_cadence_can_be_previewed_before_saving()
    {
        using var response = await Api.Http.PostAsync("/api/monitor/schedules/preview", new StringContent(
            """{"cronExpression":"0 9 * * MON-FRI","timeZone":"America/New_York"}""", System.Text.Encoding.UTF8, "application/json"));
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("at 09:00, Monday through Friday (America/New_York)", doc.RootElement.GetProperty("cadence").GetString());
        Assert.Equal(5, doc.RootElement.GetProperty("nextFires").GetArrayLength());
        var bad = await Api.RefusedAsync(HttpMethod.Post, "/api/monitor/schedules/preview", """{"cronExpression":"0 9 * * MON-FUN"}""");
        Assert.Equal((HttpStatusCode.BadRequest, "cronExpression"), (bad.Status, bad.Field));
    }

    private async Task<string> ExistingUrlAsync()
    {
        var s = await Api.CreateAsync(new { connectionId = "default", cronExpression = Yearly, enabled = false });
        return $"/api/monitor/schedules/{s.Id}";
    }

    private async Task<ScheduleEntity> RowAsync(string id)
    {
        await using var db = await fx.App.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>().CreateDbContextAsync();
        return await db.Schedules.AsNoTracking().SingleAsync(s => s.Id == id);
    }
}
