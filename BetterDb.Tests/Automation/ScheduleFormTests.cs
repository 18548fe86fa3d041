using BetterDb.Blazor.Ui;
using BetterDb.Core.Automation;

namespace BetterDb.Tests.Automation;

/// <summary>The schedule dialog's form (pure): its units, its messages under each field, and what it sends to the core.</summary>
public sealed class ScheduleFormTests
{
    private static Schedule Existing(int? interval = null, string? cron = null, string zone = "UTC", long durationMs = 30_000, long? byteCap = null) => new()
    {
        Id = "s1", ConnectionId = "default", IntervalSeconds = interval, CronExpression = cron, TimeZone = zone, DurationMs = durationMs,
        ByteCap = byteCap, Enabled = true, Cadence = "", Description = "", JobKind = "recurring",
    };

    [Theory]
    [InlineData(45, 45, "seconds")]
    [InlineData(600, 10, "minutes")]
    [InlineData(5400, 90, "minutes")]
    [InlineData(7200, 2, "hours")]
    [InlineData(86400, 24, "hours")]
    public void An_interval_opens_in_the_largest_unit_that_says_it_exactly(int seconds, int amount, string unit)
    {
        var form = ScheduleForm.From(Existing(interval: seconds));
        Assert.Equal((false, amount, unit, seconds), (form.UseCron, form.IntervalAmount, form.IntervalUnit, form.IntervalSeconds));
    }

    [Fact]
    public void A_cron_schedule_opens_in_cron_mode_with_its_zone_and_caps_in_the_forms_units()
    {
        var form = ScheduleForm.From(Existing(cron: "0 9 * * MON-FRI", zone: "Europe/Berlin", durationMs: 90_000, byteCap: 5 * 1024 * 1024));
        Assert.Equal((true, "0 9 * * MON-FRI", "Europe/Berlin", 90, 5.0), (form.UseCron, form.CronExpression, form.TimeZone, form.DurationSeconds, form.ByteCapMb));
        var input = form.ToInput();
        Assert.Equal(((int?)null, "0 9 * * MON-FRI", "Europe/Berlin", (long?)90_000, (long?)5 * 1024 * 1024),
            (input.IntervalSeconds, input.CronExpression, input.TimeZone, input.DurationMs, input.ByteCap));
        Assert.Equal("at 09:00, Monday through Friday (Europe/Berlin)", form.Preview().Cadence);
        Assert.Empty(form.Problems());
    }

    [Fact]
    public void The_interval_is_sent_in_seconds_without_a_cron_or_zone()
    {
        var form = new ScheduleForm { ConnectionId = "default", IntervalAmount = 15, IntervalUnit = "minutes", DurationSeconds = 30, CronExpression = "0 9 * * *" };
        var input = form.ToInput();
        Assert.Equal((900, (string?)null, (string?)null, 30_000L), (input.IntervalSeconds, input.CronExpression, input.TimeZone, input.DurationMs));
        Assert.Equal("every 15 minutes", form.Preview().Cadence);
        Assert.Equal(5, form.Preview().NextFires.Count);
        Assert.Empty(form.Problems());
    }

    [Theory]
    [InlineData(5, "seconds", "5 seconds is shorter")]
    [InlineData(25, "hours", "25 hours is longer")]
    [InlineData(null, "hours", "How often")]
    public void An_interval_out_of_range_is_said_in_the_forms_units(int? amount, string unit, string message)
    {
        var form = new ScheduleForm { ConnectionId = "default", IntervalAmount = amount, IntervalUnit = unit };
        Assert.Contains(message, form.IntervalProblem());
        Assert.Contains("intervalSeconds", form.Problems().Keys);
        Assert.False(form.Preview().IsValid);
    }

    [Fact]
    public void A_capture_as_long_as_its_interval_is_refused_under_the_duration()
    {
        var form = new ScheduleForm { ConnectionId = "default", IntervalAmount = 10, IntervalUnit = "seconds", DurationSeconds = 30 };
        Assert.StartsWith("Shorter than the interval (every 10 seconds)", form.DurationProblem());
        form.DurationSeconds = 9;
        Assert.Null(form.DurationProblem());
        // A cron has no interval to be shorter than.
        form.UseCron = true;
        form.CronExpression = "0 * * * *";
        form.DurationSeconds = 3600;
        Assert.Null(form.DurationProblem());
    }

    [Theory]
    [InlineData("", "Enter a cron expression")]
    [InlineData("0 9 * * MON-FUN", "days of week")]
    [InlineData("0 9 * *", "5 fields")]
    [InlineData("*/5 * * * * *", "5 s apart")]
    public void A_bad_cron_is_an_error_of_the_cron_field(string cron, string message)
    {
        var form = new ScheduleForm { ConnectionId = "default", UseCron = true, CronExpression = cron };
        var preview = form.Preview();
        Assert.False(preview.IsValid);
        Assert.Empty(preview.NextFires);
        var error = Assert.Single(preview.Errors);
        Assert.Equal("cronExpression", error.Field);
        Assert.Contains(message, error.Message);
        Assert.Contains(message, form.Problems()["cronExpression"]);
    }

    [Fact]
    public void An_unknown_zone_is_an_error_of_the_zone_field()
    {
        var form = new ScheduleForm { ConnectionId = "default", UseCron = true, CronExpression = "0 9 * * *", TimeZone = "Mars/Olympus" };
        Assert.Equal("timeZone", Assert.Single(form.Preview().Errors).Field);
    }

    [Theory]
    [InlineData(0.4, "now")]
    [InlineData(41.2, "in 42 s")]
    [InlineData(300, "in 5 min")]
    [InlineData(3 * 3600, "in 3 h")]
    [InlineData(5 * 86400, "in 5 days")]
    public void Time_until_a_fire_is_said_briefly(double seconds, string words)
    {
        var now = new DateTime(2026, 12, 2, 9, 0, 0, DateTimeKind.Utc);
        Assert.Equal(words, ScheduleWords.Until(now.AddSeconds(seconds), now));
    }

    [Fact]
    public void Skip_reasons_are_said_in_words_and_unknown_ones_kept()
    {
        Assert.Equal("a capture was already running on the connection", ScheduleWords.SkipReason("session_already_active"));
        Assert.Equal("server memory above the health gate's threshold", ScheduleWords.SkipReason("memory_above_threshold"));
        Assert.Equal("something_new", ScheduleWords.SkipReason("something_new"));
    }
}
