using BetterDb.Blazor.Components.Query;
using BetterDb.Core.Configuration;

namespace BetterDb.Tests.Components.Query;

public sealed class FilterFormTests
{
    [Fact]
    public void A_local_time_that_the_clocks_skipped_is_refused_on_its_field()
    {
        // A zone that jumps from 02:00 to 03:00 on the last Sunday of March.
        var rule = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(DateTime.MinValue.Date, DateTime.MaxValue.Date, TimeSpan.FromHours(1),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 3, 5, DayOfWeek.Sunday),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 3, 0, 0), 10, 5, DayOfWeek.Sunday));
        var zone = TimeZoneInfo.CreateCustomTimeZone("dst", TimeSpan.FromHours(1), "dst", "std", "summer", [rule]);

        var ex = Assert.Throws<InvalidInputException>(() => new FilterForm { After = "2025-03-30T02:30:00" }.ToFilter(zone));
        Assert.Equal("afterTs", ex.Field);
        var bad = Assert.Throws<InvalidInputException>(() => new FilterForm { Before = "yesterday" }.ToFilter(zone));
        Assert.Equal("beforeTs", bad.Field);
    }

    [Fact]
    public void Milliseconds_typed_are_kept_exactly()
    {
        var f = new FilterForm { After = "2023-11-14T22:13:20.250", Before = "2023-11-14T22:13:20.500" }.ToFilter(TimeZoneInfo.Utc);
        Assert.Equal(1_700_000_000_250, f.AfterTs);
        Assert.Equal(1_700_000_000_500, f.BeforeTs);
        Assert.True(new FilterForm().ToFilter(TimeZoneInfo.Utc).IsEmpty);
        Assert.True(new FilterForm { Command = " , ", Client = "" }.ToFilter(TimeZoneInfo.Utc).IsEmpty);
    }
}
