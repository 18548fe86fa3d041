using BetterDb.Blazor.Components.Query;
using BetterDb.Core.Lines;
using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor.Services;

namespace BetterDb.Tests.Components.Query;

public sealed class FilterBarTests : IAsyncLifetime
{
    // A fixed +02:00 zone, so the local-time conversion is visible whatever the machine's zone.
    private static readonly TimeZoneInfo Plus2 = TimeZoneInfo.CreateCustomTimeZone("test+2", TimeSpan.FromHours(2), "test+2", "test+2");

    private readonly BunitContext _ctx = new();
    private readonly List<LineFilter> _emitted = [];

    public FilterBarTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
    }

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _ctx.DisposeAsync();

    private IRenderedComponent<FilterBar> Render(LineFilter? filter = null) =>
        _ctx.Render<CascadingValue<TimeZoneInfo>>(p => p
            .Add(c => c.Value, Plus2)
            .AddChildContent<FilterBar>(f => f
                .Add(x => x.Filter, filter)
                .Add(x => x.FilterChanged, (LineFilter v) => _emitted.Add(v))))
        .FindComponent<FilterBar>();

    [Fact]
    public void The_browsers_zone_arriving_after_typing_keeps_what_was_typed()
    {
        // The page knows the browser's zone only once its circuit asked the browser: a user may type before that.
        var zone = TimeZoneInfo.Utc;
        var cascade = _ctx.Render<CascadingValue<TimeZoneInfo>>(p => p
            .Add(c => c.Value, zone)
            .AddChildContent<FilterBar>(f => f.Add(x => x.FilterChanged, (LineFilter v) => _emitted.Add(v))));
        var cut = cascade.FindComponent<FilterBar>();
        cut.Find("[data-testid=filter-command]").Input("GET");
        cut.Find("[data-testid=filter-after]").Input("2023-11-15T00:13:20");
        cascade.Render(p => p
            .Add(c => c.Value, Plus2)
            .AddChildContent<FilterBar>(f => f.Add(x => x.FilterChanged, (LineFilter v) => _emitted.Add(v))));
        Assert.Same(cut.Instance, cascade.FindComponent<FilterBar>().Instance); // the same bar, told of a zone
        cut.Find("[data-testid=filter-apply]").Click();

        var f = Assert.Single(_emitted);
        Assert.Equal(["GET"], f.Commands);
        // A time typed is read in the zone the page shows when Apply is pressed (+02:00 here).
        Assert.Equal(1_700_000_000_000, f.AfterTs);
    }

    [Fact]
    public void Apply_emits_every_field_as_the_core_filter_with_local_times_in_epoch_ms()
    {
        var cut = Render();
        cut.Find("[data-testid=filter-command]").Input("get, hset  set");
        cut.Find("[data-testid=filter-client]").Input("10.0.0.7");
        cut.Find("[data-testid=filter-key]").Input("user:*");
        cut.Find("[data-testid=filter-db]").Input("3");
        cut.Find("[data-testid=filter-after]").Input("2023-11-15T00:13:20");   // +02:00, so 22:13:20 UTC = 1700000000 s
        cut.Find("[data-testid=filter-before]").Input("2023-11-15T00:13:25");
        cut.Find("[data-testid=filter-text]").Input("\"alice\"");
        cut.Find("[data-testid=filter-apply]").Click();

        var f = Assert.Single(_emitted);
        Assert.Equal(["GET", "HSET", "SET"], f.Commands);
        Assert.Equal("10.0.0.7", f.Client);
        Assert.Equal("user:*", f.Key!.Pattern);
        Assert.Equal(3, f.Db);
        Assert.Equal(1_700_000_000_000, f.AfterTs);
        // "to" a whole second keeps that whole second.
        Assert.Equal(1_700_000_005_999, f.BeforeTs);
        Assert.Equal("\"alice\"", f.Text);
        // The emitted filter really filters as API.md says.
        Assert.True(f.Matches("1700000002.500000 [3 10.0.0.7:5000] \"set\" \"user:1\" \"alice\""u8));
        Assert.False(f.Matches("1700000002.500000 [3 10.0.0.7:5000] \"set\" \"order:1\" \"alice\""u8));
        Assert.False(f.Matches("1700000006.000000 [3 10.0.0.7:5000] \"set\" \"user:1\" \"alice\""u8));
    }

    [Fact]
    public void Enter_in_a_field_applies_and_clear_emits_an_empty_filter()
    {
        var cut = Render();
        var key = cut.Find("[data-testid=filter-key]");
        key.Input("order:[0-9]*");
        key.KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });
        Assert.Equal("order:[0-9]*", Assert.Single(_emitted).Key!.Pattern);

        cut.Find("[data-testid=filter-clear]").Click();
        Assert.Equal(2, _emitted.Count);
        Assert.True(_emitted[1].IsEmpty);
        Assert.Equal("", cut.Find("[data-testid=filter-key]").GetAttribute("value") ?? "");
    }

    [Fact]
    public void A_bad_db_is_shown_on_the_db_field_and_nothing_is_emitted()
    {
        var cut = Render();
        cut.Find("[data-testid=filter-db]").Input("-1");
        cut.Find("[data-testid=filter-apply]").Click();

        Assert.Empty(_emitted);
        Assert.Equal("The database is a whole number, 0 or more.", FieldError(cut, "filter-db"));
        Assert.Null(FieldError(cut, "filter-key"));

        // Fixed, the error goes and the filter is emitted.
        cut.Find("[data-testid=filter-db]").Input("0");
        cut.Find("[data-testid=filter-apply]").Click();
        cut.WaitForAssertion(() => Assert.Equal(0, Assert.Single(_emitted).Db));
        Assert.Null(FieldError(cut, "filter-db"));
    }

    [Fact]
    public void A_window_that_ends_before_it_starts_is_shown_on_the_from_field()
    {
        var cut = Render();
        cut.Find("[data-testid=filter-after]").Input("2023-11-14T22:13:30");
        cut.Find("[data-testid=filter-before]").Input("2023-11-14T22:13:20");
        cut.Find("[data-testid=filter-apply]").Click();

        Assert.Empty(_emitted);
        Assert.Contains("\"From\" is later than \"To\"", FieldError(cut, "filter-after"));
        Assert.DoesNotContain("afterTs", FieldError(cut, "filter-after"));
    }

    [Fact]
    public void A_filter_from_outside_fills_the_fields_in_local_time()
    {
        var filter = LineFilter.Create(["GET", "SET"], keyGlob: "k:*", db: 2, afterTs: 1_700_000_000_000, beforeTs: 1_700_000_005_999);
        var cut = Render(filter);

        Assert.Equal("GET, SET", cut.Find("[data-testid=filter-command]").GetAttribute("value"));
        Assert.Equal("k:*", cut.Find("[data-testid=filter-key]").GetAttribute("value"));
        Assert.Equal("2", cut.Find("[data-testid=filter-db]").GetAttribute("value"));
        Assert.Equal("2023-11-15T00:13:20", cut.Find("[data-testid=filter-after]").GetAttribute("value"));
        Assert.Equal("2023-11-15T00:13:25", cut.Find("[data-testid=filter-before]").GetAttribute("value"));
        Assert.Equal("datetime-local", cut.Find("[data-testid=filter-after]").GetAttribute("type"));

        // Applying the unchanged fields gives the same filter back.
        cut.Find("[data-testid=filter-apply]").Click();
        var again = Assert.Single(_emitted);
        Assert.Equal(filter.ToQuery(), again.ToQuery());
    }

    private static string? FieldError(IRenderedComponent<FilterBar> cut, string testId)
    {
        var control = cut.Find($"[data-testid={testId}]").Closest(".mud-input-control");
        var error = control?.QuerySelector(".mud-input-helper-text.mud-input-error");
        return string.IsNullOrWhiteSpace(error?.TextContent) ? null : error.TextContent.Trim();
    }

    [Fact]
    public void A_glob_redis_reads_unusually_is_explained_under_the_bar()
    {
        var cut = Render(LineFilter.Create(keyGlob: "user:["));
        var warning = cut.Find("[data-testid=filter-warning]").TextContent;
        Assert.Contains("Key:", warning);
        Assert.Contains("never closed", warning);
        Assert.Contains("Redis", warning);

        Assert.Empty(Render(LineFilter.Create(keyGlob: "user:*")).FindAll("[data-testid=filter-warning]"));
    }
}
