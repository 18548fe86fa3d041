namespace BetterDb.Blazor.Api;

/// <summary>The answer of <c>POST /api/monitor/schedules/preview</c>: the cadence in words and its next fire times (UTC).</summary>
public sealed record SchedulePreview(string? Cadence, IReadOnlyList<DateTime> NextFires);
