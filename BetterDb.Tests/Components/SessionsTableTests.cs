using System.Text;
using BetterDb.Blazor.Components.Pages;
using BetterDb.Blazor.Components.Sessions;
using BetterDb.Core.Capture;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace BetterDb.Tests.Components;

public sealed class SessionsTableTests : ComponentTestContext
{
    private static CaptureSession Session(string id, CaptureStatus status, long bytes = 0, long lines = 0, DateTime? started = null, DateTime? ended = null,
        string? reason = null, string? requestedBy = null) => new()
    {
        Id = id,
        ConnectionId = "default",
        Status = status,
        Source = CaptureSource.Manual,
        StartedAt = started ?? DateTime.UtcNow.AddMinutes(-10),
        EndedAt = ended,
        DurationMs = 30_000,
        ByteCount = bytes,
        LineCount = lines,
        TerminationReason = reason,
        RequestedBy = requestedBy,
    };

    [Fact]
    public async Task Rows_show_status_counts_human_bytes_and_the_reason()
    {
        var start = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var items = new[]
        {
            Session("a", CaptureStatus.Running, bytes: 1536, lines: 12, started: DateTime.UtcNow.AddSeconds(-5), requestedBy: "alice"),
            Session("b", CaptureStatus.Truncated, bytes: 5L * 1024 * 1024, lines: 1_234_567, started: start, ended: start.AddSeconds(90), reason: "byte_cap"),
            Session("c", CaptureStatus.Failed, bytes: 999, lines: 0, started: start, ended: start.AddMilliseconds(250), reason: "monitor_open_failed: Connection refused"),
            Session("d", CaptureStatus.Completed, bytes: 3_435_973_837, lines: 7, started: start, ended: start.AddHours(2).AddMinutes(3), reason: "duration_cap"),
        };

        var cut = Ctx.Render<CascadingValue<TimeZoneInfo>>(p => p
            .Add(c => c.Value, TimeZoneInfo.Utc)
            .AddChildContent<SessionsTable>(t => t.Add(x => x.Items, items)));

        var rows = cut.FindAll("[data-testid=session-row]");
        Assert.Equal(["a", "b", "c", "d"], rows.Select(r => r.GetAttribute("data-session-id")));
        Assert.Equal(["running", "truncated", "failed", "completed"], rows.Select(r => r.GetAttribute("data-status")));
        Assert.All(rows, r => Assert.NotNull(r.QuerySelector("[data-testid=status-badge]")));

        var a = rows[0].TextContent;
        Assert.Contains("1.5 KB", a);
        Assert.Contains("/ 30 s", a); // a running row shows its duration against the cap
        Assert.Contains("alice", a);

        var b = rows[1].TextContent;
        Assert.Contains("5 MB", b);
        Assert.Contains("1,234,567", b);
        Assert.Contains("1m 30s", b); // actual duration: endedAt - startedAt, not the 30 s cap
        Assert.Contains("2026-01-02 03:04:05", b); // started, in the cascaded (browser) zone
        // The reason in words; the code as the API spells it stays in the tooltip.
        Assert.Contains("reached its byte cap", b);
        Assert.Equal("byte_cap", rows[1].QuerySelector("td.reason")!.GetAttribute("title"));

        Assert.Contains("999 B", rows[2].TextContent);
        Assert.Contains("250 ms", rows[2].TextContent);
        Assert.Contains("MONITOR could not be started: Connection refused", rows[2].TextContent);
        Assert.Equal("monitor_open_failed: Connection refused", rows[2].QuerySelector("td.reason")!.GetAttribute("title"));
        Assert.Contains("3.2 GB", rows[3].TextContent);
        Assert.Contains("2h 03m", rows[3].TextContent);
    }

    [Fact]
    public void Every_cell_of_a_row_is_a_real_link_to_its_session_and_only_the_first_is_a_tab_stop()
    {
        var items = new[] { Session("first", CaptureStatus.Completed), Session("second", CaptureStatus.Skipped) };
        var cut = Ctx.Render<SessionsTable>(p => p.Add(t => t.Items, items));

        var row = cut.Find("[data-session-id=second]");
        var links = row.QuerySelectorAll("a.row-link");
        Assert.True(links.Length >= 8);
        Assert.All(links, a => Assert.Equal("monitor/sessions/second", a.GetAttribute("href")));
        Assert.Null(links[0].GetAttribute("tabindex"));
        Assert.All(links.Skip(1), a => Assert.Equal("-1", a.GetAttribute("tabindex")));
        Assert.Empty(cut.FindAll("[data-testid=delete-session]")); // no delete without a handler
    }

    [Fact]
    public async Task An_empty_list_says_so()
    {
        var cut = Ctx.Render<SessionsTable>(p => p.Add(t => t.Items, Array.Empty<CaptureSession>()));

        Assert.Empty(cut.FindAll("[data-testid=session-row]"));
        Assert.NotNull(cut.Find("[data-testid=sessions-empty]"));
    }

    [Fact]
    public async Task The_monitor_page_lists_the_connection_s_sessions_opens_one_on_click_and_shows_new_ones_without_reload()
    {
        var first = await ImportAsync("default", lines: 3);
        var other = await ImportAsync(null, lines: 1); // not on this connection

        var cut = RenderMonitorPage();
        await cut.WaitForAssertionAsync(() => Assert.Single(cut.FindAll("[data-testid=session-row]")), Patience);
        var row = cut.Find("[data-testid=session-row]");
        Assert.Equal(first.Id, row.GetAttribute("data-session-id"));
        Assert.Equal("completed", row.GetAttribute("data-status"));
        Assert.Empty(cut.FindAll($"[data-session-id='{other.Id}']"));

        var second = await ImportAsync("default", lines: 2);
        await cut.WaitForAssertionAsync(() => Assert.Equal(
            [second.Id, first.Id],
            cut.FindAll("[data-testid=session-row]").Select(r => r.GetAttribute("data-session-id"))), Patience);

        Assert.Equal($"monitor/sessions/{first.Id}", cut.Find($"[data-session-id='{first.Id}'] [data-testid=session-link]").GetAttribute("href"));
    }

    private IRenderedComponent<IComponent> RenderMonitorPage() => Ctx.Render(builder =>
    {
        builder.OpenComponent<MudPopoverProvider>(0);
        builder.CloseComponent();
        builder.OpenComponent<MudDialogProvider>(1);
        builder.CloseComponent();
        builder.OpenComponent<MonitorPage>(2);
        builder.CloseComponent();
    });

    private Task<CaptureSession> ImportAsync(string? connectionId, int lines)
    {
        var text = new StringBuilder();
        for (var i = 0; i < lines; i++) text.Append($"1732958593.{i:000000} [0 127.0.0.1:5000] \"set\" \"k{i}\" \"v\"\n");
        return Service<SessionImport>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), connectionId, "test");
    }
}

/// <summary>Termination reasons in words, the watchdog's with its figures.</summary>
public sealed class EndReasonTests
{
    [Theory]
    [InlineData("duration_cap", "reached its duration")]
    [InlineData("line_cap", "reached its line cap")]
    [InlineData("source_error: connection closed by the server", "the server connection failed: connection closed by the server")]
    [InlineData("watchdog: omem 41943040 > 33554432", "stopped by the safety watchdog: the server's output buffer for this capture reached 40 MB, over its 32 MB limit")]
    [InlineData("watchdog: memory 0.912 > 0.85 (used_memory 912, maxmemory 1000)", "stopped by the safety watchdog: the server's memory reached 91 % of maxmemory, over the 85 % limit (used_memory 912, maxmemory 1000)")]
    [InlineData("watchdog: ping_ms 312 > 250", "stopped by the safety watchdog: the server took 312 ms to answer a PING, over the 250 ms limit")]
    [InlineData("something_new", "something_new")]
    public void Describes_each_reason(string reason, string words) =>
        Assert.Equal(words, BetterDb.Blazor.Ui.EndReason.Describe(reason));
}
