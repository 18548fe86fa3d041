using BetterDb.Blazor.Api;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;
using Microsoft.AspNetCore.WebUtilities;

namespace BetterDb.Blazor.Ui;

/// <summary>
/// The sessions list's own filters, as the Monitor page's URL carries them with the same names as
/// <c>GET /api/monitor/sessions</c>: <c>status</c>, <c>source</c>, <c>requestedBy</c>, <c>q</c>, <c>sort</c>, <c>scheduleId</c>
/// (the sessions one schedule started, linked from the Schedules tab).
/// </summary>
public sealed record SessionListFilter(string? Status = null, string? Source = null, string? RequestedBy = null, string? Search = null,
    SessionSort Sort = SessionSort.Newest, string? ScheduleId = null)
{
    public static readonly SessionListFilter None = new();

    public bool IsEmpty => this == None;

    /// <summary>From the URL's values; unknown words are dropped (a hand-edited URL still opens the list).</summary>
    public static SessionListFilter From(string? status, string? source, string? requestedBy, string? search, string? sort, string? scheduleId = null) => new(
        SessionStatus.All.Contains(status) ? status : null,
        SessionListQuery.Sources.Contains(source) ? source : null,
        string.IsNullOrWhiteSpace(requestedBy) ? null : requestedBy.Trim(),
        string.IsNullOrWhiteSpace(search) ? null : search.Trim(),
        SessionListQuery.TryParseSort(sort, out var s) ? s : SessionSort.Newest,
        string.IsNullOrWhiteSpace(scheduleId) ? null : scheduleId.Trim());

    public SessionQuery ToQuery(string? connectionId, int limit) => new SessionQuery(connectionId, WireName<CaptureStatus>.Find(Status), limit) with
    {
        Source = WireName<CaptureSource>.Find(Source),
        RequestedBy = RequestedBy,
        Search = Search,
        Sort = Sort,
        ScheduleId = ScheduleId,
    };

    public IEnumerable<KeyValuePair<string, string?>> ToPairs()
    {
        if (Status is not null) yield return new("status", Status);
        if (Source is not null) yield return new("source", Source);
        if (RequestedBy is not null) yield return new("requestedBy", RequestedBy);
        if (Search is not null) yield return new("q", Search);
        if (Sort != SessionSort.Newest) yield return new("sort", SessionListQuery.SortName(Sort));
        if (ScheduleId is not null) yield return new("scheduleId", ScheduleId);
    }
}

/// <summary>The app's own links, one place for their shape: the connection and every filter live in the URL.</summary>
public static class MonitorLinks
{
    public const string LinesTab = "lines";
    public const string AnalysisTab = "analysis";

    /// <summary><c>monitor?c=&lt;id&gt;</c> with the list's filters.</summary>
    public static string Monitor(string? connectionId, SessionListFilter? filter = null)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        if (!string.IsNullOrEmpty(connectionId)) pairs.Add(new("c", connectionId));
        if (filter is not null) pairs.AddRange(filter.ToPairs());
        return QueryHelpers.AddQueryString("monitor", pairs);
    }

    /// <summary><c>monitor/sessions/&lt;id&gt;</c> with the line filter (the API's names: command, client, key, db, afterTs, beforeTs, text) and the tab.</summary>
    public static string Session(string sessionId, LineFilter? filter = null, string? tab = null)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        if (filter is not null) pairs.AddRange(filter.ToQuery().Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        if (tab is not null && tab != LinesTab) pairs.Add(new("tab", tab));
        return QueryHelpers.AddQueryString($"monitor/sessions/{Uri.EscapeDataString(sessionId)}", pairs);
    }
}
