using BetterDb.Core.Capture;

namespace BetterDb.Blazor.Ui;

/// <summary>
/// The sessions table as the Monitor page shows it: one connection's (or all of them, <see cref="ConnectionScope.All"/>),
/// filtered and sorted as the URL says, a page that grows on "show more", running rows refreshed in place from the live counters.
/// </summary>
public sealed class SessionList(CaptureSessionService sessions, int pageSize = 50)
{
    private readonly int _pageSize = pageSize;
    private List<CaptureSession> _items = [];

    public string? ConnectionId { get; private set; }
    public SessionListFilter Filter { get; private set; } = SessionListFilter.None;
    public IReadOnlyList<CaptureSession> Items => _items;
    public int Limit { get; private set; }
    /// <summary>True when the last load filled the page, so older sessions may exist.</summary>
    public bool HasMore { get; private set; }
    public bool AnyRunning => _items.Any(s => s.IsRunning);

    public Task LoadAsync(string? connectionId, CancellationToken ct = default) => LoadAsync(connectionId, SessionListFilter.None, ct);

    public Task LoadAsync(string? connectionId, SessionListFilter filter, CancellationToken ct = default)
    {
        ConnectionId = connectionId;
        Filter = filter;
        Limit = _pageSize;
        return ReloadAsync(ct);
    }

    /// <summary>
    /// Whether the rows are those of <see cref="ConnectionId"/> and <see cref="Filter"/>: false from a new filter until its
    /// rows arrive (the page says so instead of showing the previous filter's rows under the new one's name).
    /// </summary>
    public bool IsCurrent => _shown == (ConnectionId, Filter);

    private (string?, SessionListFilter)? _shown;
    private int _generation;

    public async Task ReloadAsync(CancellationToken ct = default)
    {
        var (generation, connectionId, filter, limit) = (++_generation, ConnectionId, Filter, Limit);
        List<CaptureSession> rows = connectionId is null ? []
            : [.. await sessions.ListAsync(filter.ToQuery(connectionId == ConnectionScope.All ? null : connectionId, limit + 1), ct)];
        // Loads overlap (a session event reloads while a new filter loads): only the newest one's rows are shown.
        if (generation != _generation) return;
        HasMore = rows.Count > limit;
        _items = rows.Take(limit).ToList();
        _shown = (connectionId, filter);
    }

    public Task LoadMoreAsync(CancellationToken ct = default)
    {
        Limit += _pageSize;
        return ReloadAsync(ct);
    }

    /// <summary>Whether a <see cref="CaptureSessionService.SessionChanged"/> event concerns this list.</summary>
    public bool Concerns(CaptureSession changed) =>
        ConnectionId is not null && (ConnectionId == ConnectionScope.All || changed.ConnectionId == ConnectionId || _items.Any(s => s.Id == changed.Id));

    /// <summary>Re-reads the running rows (live counters, or their final state if they just ended). Returns whether any row was running.</summary>
    public async Task<bool> RefreshRunningAsync(CancellationToken ct = default)
    {
        var running = _items.Where(s => s.IsRunning).Select(s => s.Id).ToList();
        if (running.Count == 0) return false;
        foreach (var id in running)
        {
            var fresh = await sessions.GetAsync(id, ct);
            var index = _items.FindIndex(s => s.Id == id);
            if (index < 0) continue;
            if (fresh is null) _items.RemoveAt(index);
            else _items[index] = fresh;
        }
        return true;
    }
}
