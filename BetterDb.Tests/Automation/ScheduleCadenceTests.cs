using BetterDb.Core.Automation;

namespace BetterDb.Tests.Automation;

/// <summary>Cadences: validation naming the field, the interval grid, the cron Hangfire runs, the words.</summary>
public sealed class ScheduleCadenceTests
{
    private static readonly DateTime Anchor = new(2026, 12, 1, 12, 7, 23, 400, DateTimeKind.Utc);

    private static ScheduleFieldError Error(int? interval, string? cron, string? zone = null)
    {
        Assert.Null(ScheduleCadence.TryParse(interval, cron, zone, out var errors));
        return Assert.Single(errors.DistinctBy(e => e.Field));
    }

    [Theory]
    [InlineData("0 9 * * MON-FRI")]
    [InlineData("*/5 * * * *")]
    [InlineData("0 0,12 1-15 JAN-MAR,JUL *")]
    [InlineData("30 2 * * SUN")]
    [InlineData("0 0 L * *")]
    [InlineData("0 0 15W * *")]
    [InlineData("0 0 ? * 2#3")]
    [InlineData("0 0 * * 5L")]
    [InlineData("*/10 * * * * *")]
    [InlineData("0 */15 9-17 * * MON-FRI")]
    [InlineData("  0   9 * *   1-5  ")]
    public void Valid_cron_expressions_of_5_and_6_fields_parse(string cron)
    {
        var cadence = ScheduleCadence.TryParse(null, cron, null, out var errors);
        Assert.Empty(errors);
        Assert.NotNull(cadence);
        Assert.True(cadence.IsCron);
        Assert.Equal("UTC", cadence.TimeZoneId);
        Assert.NotNull(cadence.Next(DateTime.UtcNow, DateTime.UtcNow));
    }

    [Theory]
    [InlineData("61 * * * *", "minutes: value must be a number between 0 and 59")]
    [InlineData("0 24 * * *", "hours: value must be a number between 0 and 23")]
    [InlineData("0 0 32 * *", "days of month")]
    [InlineData("0 0 * 13 *", "months")]
    [InlineData("0 9 * * MON-XYZ", "days of week")]
    [InlineData("*/0 * * * *", "minutes")]
    [InlineData("1-60/5 * * * *", "minutes")]
    [InlineData("* * * *", "has 4")]
    [InlineData("0 0 0 * * * *", "has 7")]
    [InlineData("@daily", "Macros")]
    [InlineData("abc def ghi jkl mno", "not valid")]
    [InlineData("0 9 31 2 *", "never fires")]
    [InlineData("* * * * * *", "1 s apart")]
    [InlineData("*/5 * * * * *", "5 s apart")]
    [InlineData("0,55 * * * * *", "5 s apart")]
    public void Invalid_cron_expressions_name_the_field_and_say_why(string cron, string why)
    {
        var error = Error(null, cron);
        Assert.Equal("cronExpression", error.Field);
        Assert.Contains(why, error.Message);
    }

    [Fact]
    public void Exactly_one_of_interval_and_cron()
    {
        Assert.Null(ScheduleCadence.TryParse(null, null, null, out var neither));
        Assert.Equal(["intervalSeconds", "cronExpression"], neither.Select(e => e.Field));
        Assert.Null(ScheduleCadence.TryParse(60, "0 * * * *", null, out var both));
        Assert.Equal(["intervalSeconds", "cronExpression"], both.Select(e => e.Field));
        Assert.Contains("not both", both[0].Message);
        // An empty expression is no expression.
        Assert.NotNull(ScheduleCadence.TryParse(60, "", null, out _));
        Assert.Equal("cronExpression", Error(null, "   ").Field);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(0)]
    [InlineData(-10)]
    [InlineData(86401)]
    public void Intervals_outside_10_s_to_24_h_are_refused(int seconds) =>
        Assert.Equal("intervalSeconds", Error(seconds, null).Field);

    [Theory]
    [InlineData("Europe/Berlin")]
    [InlineData("America/Argentina/Buenos_Aires")]
    [InlineData("Etc/GMT+5")]
    [InlineData("utc")]
    public void Iana_time_zones_are_accepted(string zone) =>
        Assert.NotNull(ScheduleCadence.TryParse(null, "0 9 * * *", zone, out _));

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("W. Europe Standard Time")]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/localtime")]
    public void Unknown_time_zones_name_the_field(string zone) =>
        Assert.Equal("timeZone", Error(null, "0 9 * * *", zone).Field);

    [Fact]
    public void A_cron_is_read_in_its_time_zone()
    {
        var cadence = ScheduleCadence.Parse(null, "0 9 * * MON-FRI", "Europe/Berlin");
        // Wednesday 2 December 2026, 08:30 UTC = 09:30 in Berlin (CET, +1): the next 09:00 Berlin is Thursday 08:00 UTC.
        var next = cadence.Next(new DateTime(2026, 12, 2, 8, 30, 0, DateTimeKind.Utc), Anchor);
        Assert.Equal(new DateTime(2026, 12, 3, 8, 0, 0, DateTimeKind.Utc), next);
        // Friday -> Monday
        Assert.Equal(new DateTime(2026, 12, 7, 8, 0, 0, DateTimeKind.Utc),
            cadence.Next(new DateTime(2026, 12, 4, 8, 0, 0, DateTimeKind.Utc), Anchor));
    }

    [Fact]
    public void An_interval_ticks_on_a_grid_from_its_anchor_in_whole_seconds()
    {
        var cadence = ScheduleCadence.Parse(45, null, null);
        var anchor = ScheduleCadence.WholeSeconds(Anchor);
        var fires = cadence.Occurrences(Anchor.AddSeconds(100), Anchor).Take(3).ToList();
        Assert.Equal([anchor.AddSeconds(135), anchor.AddSeconds(180), anchor.AddSeconds(225)], fires);
        // Exactly on a grid point: the next one.
        Assert.Equal(anchor.AddSeconds(90), cadence.Next(anchor.AddSeconds(45), Anchor));
        Assert.Equal(anchor, cadence.Next(anchor.AddSeconds(-1), Anchor));
    }

    [Theory]
    [InlineData(10, "3/10 * * * * *")]
    [InlineData(15, "8/15 * * * * *")]
    [InlineData(30, "23/30 * * * * *")]
    [InlineData(60, "23 * * * * *")]
    [InlineData(300, "23 2/5 * * * *")]
    [InlineData(900, "23 7/15 * * * *")]
    [InlineData(3600, "23 7 * * * *")]
    [InlineData(6 * 3600, "23 7 0/6 * * *")]
    [InlineData(8 * 3600, "23 7 4/8 * * *")]
    [InlineData(86400, "23 7 12 * * *")]
    [InlineData(45, null)]
    [InlineData(90, null)]
    [InlineData(7 * 60, null)]
    [InlineData(90 * 60, null)]
    [InlineData(5 * 3600, null)]
    public void An_interval_a_cron_can_say_runs_as_that_cron_else_as_delayed_jobs(int seconds, string? cron)
    {
        var cadence = ScheduleCadence.Parse(seconds, null, null);
        Assert.Equal(cron, cadence.HangfireCron(Anchor));
        if (cron is null) return;
        // The cron's occurrences are exactly the grid's.
        var asCron = ScheduleCadence.Parse(null, cron, null);
        var from = Anchor.AddDays(3).AddSeconds(17);
        Assert.Equal(cadence.Occurrences(from, Anchor).Take(20), asCron.Occurrences(from, Anchor).Take(20));
    }

    [Theory]
    [InlineData(10, "every 10 seconds")]
    [InlineData(60, "every minute")]
    [InlineData(90, "every 90 seconds")]
    [InlineData(5400, "every 90 minutes")]
    [InlineData(3600, "every hour")]
    [InlineData(7200, "every 2 hours")]
    [InlineData(86400, "every 24 hours")]
    public void Intervals_in_words(int seconds, string words) =>
        Assert.Equal(words, ScheduleCadence.Parse(seconds, null, null).Describe());

    [Theory]
    [InlineData("0 9 * * MON-FRI", "at 09:00, Monday through Friday (UTC)")]
    [InlineData("0 9 * * *", "at 09:00, every day (UTC)")]
    [InlineData("30 0 9 * * *", "at 09:00:30, every day (UTC)")]
    [InlineData("0 9,17 * * *", "at 09:00 and 17:00, every day (UTC)")]
    [InlineData("*/5 * * * *", "every 5 minutes (UTC)")]
    [InlineData("* * * * *", "every minute (UTC)")]
    [InlineData("*/10 * * * * *", "every 10 seconds (UTC)")]
    [InlineData("5/15 * * * *", "every 15 minutes from minute 5 (UTC)")]
    [InlineData("0 * * * *", "every hour on the hour (UTC)")]
    [InlineData("30 * * * *", "every hour at minute 30 (UTC)")]
    [InlineData("0 */2 * * *", "every 2 hours on the hour (UTC)")]
    [InlineData("*/15 9-17 * * MON-FRI", "every 15 minutes between 09:00 and 17:59, Monday through Friday (UTC)")]
    [InlineData("0 0 1 * *", "at 00:00, on day 1 of the month (UTC)")]
    [InlineData("0 0 1,15 * *", "at 00:00, on days 1 and 15 of the month (UTC)")]
    [InlineData("0 0 L * *", "at 00:00, on the last day of the month (UTC)")]
    [InlineData("0 0 15W * *", "at 00:00, on the weekday nearest day 15 of the month (UTC)")]
    [InlineData("0 0 ? * 2#3", "at 00:00, on the third Tuesday of the month (UTC)")]
    [InlineData("0 0 * * 5L", "at 00:00, on the last Friday of the month (UTC)")]
    [InlineData("0 0 * * SUN", "at 00:00, on Sunday (UTC)")]
    [InlineData("0 0 * * MON,WED,FRI", "at 00:00, Monday, Wednesday and Friday (UTC)")]
    [InlineData("0 0 * * FRI-MON", "at 00:00, Friday through Monday (UTC)")]
    [InlineData("0 6 * JAN-MAR *", "at 06:00, every day, in January through March (UTC)")]
    [InlineData("0 0 1 * MON", "at 00:00, on day 1 of the month, only if it is Monday (UTC)")]
    public void Cron_in_words(string cron, string words) =>
        Assert.Equal(words, ScheduleCadence.Parse(null, cron, null).Describe());

    [Fact]
    public void Words_name_the_time_zone() =>
        Assert.Equal("at 09:00, Monday through Friday (Europe/Berlin)", ScheduleCadence.Parse(null, "0 9 * * 1-5", "Europe/Berlin").Describe());
}
