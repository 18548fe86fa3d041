using BetterDb.Core.Capture;
using BetterDb.Core.Connections;

namespace BetterDb.Blazor.Ui;

/// <summary>A connection that was deleted while sessions of it remain: found under its old name.</summary>
public sealed record FormerConnection(string Id, string Name);

/// <summary>
/// The connection the Monitor pages are scoped to for this circuit (a scoped service), and the list the app bar offers:
/// the live connections, "all connections", and deleted connections that still have sessions. The page's URL
/// (<c>/monitor?c=&lt;id&gt;</c>) is the source of truth; this holds the circuit's last choice for links without one.
/// Holds <see cref="ConnectionView"/>s only: no password reaches a component.
/// </summary>
public sealed class ConnectionScope : IDisposable
{
    /// <summary>The choice "all connections" (sessions of every connection, deleted ones and imports without one included).</summary>
    public const string All = "all";

    /// <summary>Sessions scanned at most to find deleted connections (newest first).</summary>
    public const int FormerScanLimit = 20_000;

    private readonly ConnectionService _connections;
    private readonly CaptureSessionService? _sessions;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private bool _loaded;

    public ConnectionScope(ConnectionService connections, CaptureSessionService? sessions = null)
    {
        _connections = connections;
        _sessions = sessions;
        _connections.Changed += OnConnectionsChanged;
    }

    public IReadOnlyList<ConnectionView> Connections { get; private set; } = [];

    /// <summary>Deleted connections that sessions still name, newest first.</summary>
    public IReadOnlyList<FormerConnection> Former { get; private set; } = [];

    /// <summary>A live connection's id, a deleted one's, or <see cref="All"/>.</summary>
    public string? SelectedId { get; private set; }

    /// <summary>The chosen live connection; null for all connections or a deleted one.</summary>
    public ConnectionView? Selected => Connections.FirstOrDefault(c => c.Id == SelectedId);

    public bool IsAll => SelectedId == All;

    /// <summary>The user picked (or a URL named) the selection, so a fallback must not replace it.</summary>
    public bool Chosen { get; private set; }

    /// <summary>Raised after the list or the selection changed; may come from a background thread.</summary>
    public event Action? Changed;

    public async Task EnsureLoadedAsync()
    {
        if (_loaded) return;
        await RefreshAsync();
    }

    /// <summary>Reloads the lists; keeps the selection while it exists, else falls back to <c>default</c>, else the first.</summary>
    public async Task RefreshAsync()
    {
        await _loading.WaitAsync();
        try
        {
            var list = (await _connections.ListAsync()).Select(ConnectionView.From).ToList();
            Connections = list;
            Former = await FindFormerAsync(list);
            if (!IsKnown(SelectedId))
            {
                SelectedId = list.FirstOrDefault(c => c.IsDefault)?.Id ?? list.FirstOrDefault()?.Id ?? (Former.Count > 0 ? All : null);
                Chosen = false;
            }
            _loaded = true;
        }
        finally
        {
            _loading.Release();
        }
        Changed?.Invoke();
    }

    /// <summary>Whether <paramref name="id"/> can be selected: all, a live connection, or a deleted one with sessions.</summary>
    public bool IsKnown(string? id) =>
        id is not null && (id == All || Connections.Any(c => c.Id == id) || Former.Any(f => f.Id == id));

    /// <summary>Selects a known choice (see <see cref="IsKnown"/>); returns false and changes nothing for an unknown one.</summary>
    public bool Select(string? id)
    {
        if (!IsKnown(id)) return false;
        Chosen = true;
        if (id == SelectedId) return true;
        SelectedId = id;
        Changed?.Invoke();
        return true;
    }

    /// <summary>
    /// A session page names its own connection: a deleted one joins <see cref="Former"/> (it has a session, this one),
    /// so the app bar can show it as selected.
    /// </summary>
    public void Remember(string connectionId, string? name)
    {
        if (IsKnown(connectionId)) return;
        Former = [new FormerConnection(connectionId, name ?? connectionId), .. Former];
        Changed?.Invoke();
    }

    /// <summary>How the UI names a session's connection: its current name and endpoint, or its old name marked deleted.</summary>
    public ConnectionLabel Describe(string? connectionId, string? nameAtCapture)
    {
        if (connectionId is null) return new ConnectionLabel(null, "no connection", null, Deleted: false);
        if (Connections.FirstOrDefault(c => c.Id == connectionId) is { } live)
            return new ConnectionLabel(connectionId, live.Name, Endpoint(live), Deleted: false);
        var name = nameAtCapture ?? Former.FirstOrDefault(f => f.Id == connectionId)?.Name ?? connectionId;
        return new ConnectionLabel(connectionId, name, null, Deleted: true);
    }

    /// <summary>The selected choice as words: "all connections", a name, or "name (deleted)".</summary>
    public string SelectedName => SelectedId switch
    {
        null => "",
        All => "All connections",
        var id => Describe(id, null).Text,
    };

    public static string Endpoint(ConnectionView c) => c.Host.Contains(':') ? $"[{c.Host}]:{c.Port}" : $"{c.Host}:{c.Port}";

    /// <summary>
    /// Deleted connections named by sessions. The core has no "distinct connections of the sessions" query yet, so the
    /// newest sessions are read a page at a time (at most <see cref="FormerScanLimit"/>).
    /// </summary>
    private async Task<IReadOnlyList<FormerConnection>> FindFormerAsync(IReadOnlyList<ConnectionView> live)
    {
        if (_sessions is null) return [];
        var liveIds = live.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var found = new List<FormerConnection>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        const int page = 1000;
        for (var offset = 0; offset < FormerScanLimit; offset += page)
        {
            var rows = await _sessions.ListAsync(new SessionQuery(null, null, page, offset));
            foreach (var s in rows)
            {
                if (s.ConnectionId is not { } id || liveIds.Contains(id) || !seen.Add(id)) continue;
                found.Add(new FormerConnection(id, s.ConnectionName ?? id));
            }
            if (rows.Count < page) break;
        }
        return found;
    }

    private async void OnConnectionsChanged()
    {
        // async void is the event's shape; a failed refresh must not take the process down.
        try { await RefreshAsync(); }
        catch (Exception) { /* the next change or page load retries */ }
    }

    public void Dispose() => _connections.Changed -= OnConnectionsChanged;
}

/// <summary>A session's connection as shown: <see cref="Name"/>, its endpoint when it still exists, or marked deleted.</summary>
public sealed record ConnectionLabel(string? Id, string Name, string? Endpoint, bool Deleted)
{
    public string Text => Deleted ? $"{Name} (deleted)" : Name;
}
