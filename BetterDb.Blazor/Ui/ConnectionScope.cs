using BetterDb.Core.Connections;

namespace BetterDb.Blazor.Ui;

/// <summary>
/// The connection the Monitor pages are scoped to, remembered per circuit (a scoped service),
/// and the list the app bar offers. Holds <see cref="ConnectionView"/>s only: no password reaches a component.
/// </summary>
public sealed class ConnectionScope : IDisposable
{
    private readonly ConnectionService _connections;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private bool _loaded;

    public ConnectionScope(ConnectionService connections)
    {
        _connections = connections;
        _connections.Changed += OnConnectionsChanged;
    }

    public IReadOnlyList<ConnectionView> Connections { get; private set; } = [];

    public string? SelectedId { get; private set; }

    public ConnectionView? Selected => Connections.FirstOrDefault(c => c.Id == SelectedId);

    /// <summary>Raised after the list or the selection changed; may come from a background thread.</summary>
    public event Action? Changed;

    public async Task EnsureLoadedAsync()
    {
        if (_loaded) return;
        await RefreshAsync();
    }

    /// <summary>Reloads the list; keeps the selection while it exists, else falls back to <c>default</c>, else the first.</summary>
    public async Task RefreshAsync()
    {
        await _loading.WaitAsync();
        try
        {
            var list = (await _connections.ListAsync()).Select(ConnectionView.From).ToList();
            Connections = list;
            if (SelectedId is null || list.All(c => c.Id != SelectedId))
                SelectedId = list.FirstOrDefault(c => c.IsDefault)?.Id ?? list.FirstOrDefault()?.Id;
            _loaded = true;
        }
        finally
        {
            _loading.Release();
        }
        Changed?.Invoke();
    }

    public void Select(string? id)
    {
        if (id is null || id == SelectedId || Connections.All(c => c.Id != id)) return;
        SelectedId = id;
        Changed?.Invoke();
    }

    private async void OnConnectionsChanged()
    {
        // async void is the event's shape; a failed refresh must not take the process down.
        try { await RefreshAsync(); }
        catch (Exception) { /* the next change or page load retries */ }
    }

    public void Dispose() => _connections.Changed -= OnConnectionsChanged;
}
