using BetterDb.Core.Lines;
using System.Collections.Concurrent;
using BetterDb.Core.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BetterDb.Core.Capture;

/// <summary>
/// The key-spec table of each connection's server, fetched with <c>COMMAND INFO</c> on first use and kept:
/// a table, or the server's definite "no" (Redis &lt; 7 without key specs, a refused COMMAND) which means
/// <see cref="KeySpecTable.BuiltIn"/>. A failure that may pass (unreachable, timeout, LOADING) answers
/// <see cref="KeySpecTable.BuiltIn"/> for now and is never cached, so the next request asks again.
/// Concurrent requests share one fetch; editing or removing a connection forgets its entry.
/// </summary>
public sealed class KeySpecCache : IDisposable
{
    /// <summary>A reader (lines, export, analysis) waits at most this long for the server before using the built-in table.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(3);

    private readonly ConnectionService _connections;
    private readonly ILogger<KeySpecCache> _log;
    private readonly ConcurrentDictionary<string, Lazy<Task<Fetched>>> _entries = new(StringComparer.Ordinal);

    public KeySpecCache(ConnectionService connections, ILogger<KeySpecCache>? log = null)
    {
        _connections = connections;
        _log = log ?? NullLogger<KeySpecCache>.Instance;
        _connections.Changed += Clear;
    }

    /// <summary>The table for a connection; <see cref="KeySpecTable.BuiltIn"/> without one (imports) or when its server cannot say.</summary>
    public async Task<KeySpecTable> GetAsync(string? connectionId, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(connectionId)) return KeySpecTable.BuiltIn;
        var entry = _entries.GetOrAdd(connectionId, id => new Lazy<Task<Fetched>>(() => FetchAsync(id)));
        Fetched fetched;
        try
        {
            fetched = await entry.Value.WaitAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            fetched = new Fetched(KeySpecTable.BuiltIn, Definite: false);
        }
        // Only a definite answer stays; a transient failure is forgotten so the next call retries.
        if (!fetched.Definite) _entries.TryRemove(new KeyValuePair<string, Lazy<Task<Fetched>>>(connectionId, entry));
        return fetched.Table;
    }

    /// <summary>
    /// Like <see cref="GetAsync"/> but waits at most <paramref name="maxWait"/> for a first fetch, then uses the
    /// built-in table: a page of lines must not hang on an unreachable server.
    /// </summary>
    public async Task<KeySpecTable> GetOrBuiltInAsync(string? connectionId, TimeSpan maxWait, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(maxWait);
        try { return await GetAsync(connectionId, cts.Token); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return KeySpecTable.BuiltIn; }
    }

    /// <summary>Forgets a connection's table (its server changed, e.g. after an upgrade).</summary>
    public void Forget(string connectionId) => _entries.TryRemove(connectionId, out _);

    public void Clear() => _entries.Clear();

    private async Task<Fetched> FetchAsync(string connectionId)
    {
        // Not the caller's token: a shared fetch must not fail for everyone because one reader went away.
        using var cts = new CancellationTokenSource(FetchTimeout);
        try
        {
            var profile = await _connections.GetAsync(connectionId, cts.Token);
            if (profile is null) return new Fetched(KeySpecTable.BuiltIn, Definite: false); // may be created later
            return await FetchAsync(profile, cts.Token);
        }
        catch (Exception ex) when (ex is TargetUnreachableException or OperationCanceledException)
        {
            _log.LogInformation("Key specs of connection {ConnectionId} not available now ({Message}); using the built-in table",
                connectionId, ex.Message);
            return new Fetched(KeySpecTable.BuiltIn, Definite: false);
        }
    }

    /// <summary>Asks one server for its key specs (no caching): a table, or null when the server has none or refuses.</summary>
    public static async Task<KeySpecTable?> FetchAsync(ConnectionProfile profile, TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            var fetched = await FetchAsync(profile, cts.Token);
            return fetched.Table.IsBuiltIn ? null : fetched.Table;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no COMMAND INFO answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    private static async Task<Fetched> FetchAsync(ConnectionProfile profile, CancellationToken ct)
    {
        await using var client = await RedisCommandClient.OpenAsync(profile, "keyspecs", FetchTimeout, ct);
        var reply = await client.SendAsync(ct, "COMMAND", "INFO");
        if (reply.IsError)
        {
            // LOADING, BUSY and friends pass; NOPERM or an unknown COMMAND (an old proxy) is the server's answer.
            var transient = reply.Text is { } text && (text.StartsWith("LOADING", StringComparison.Ordinal)
                || text.StartsWith("BUSY", StringComparison.Ordinal) || text.StartsWith("TRYAGAIN", StringComparison.Ordinal)
                || text.StartsWith("MASTERDOWN", StringComparison.Ordinal) || text.StartsWith("CLUSTERDOWN", StringComparison.Ordinal));
            return new Fetched(KeySpecTable.BuiltIn, Definite: !transient);
        }
        return new Fetched(KeySpecTable.FromCommandInfo(reply) ?? KeySpecTable.BuiltIn, Definite: true);
    }

    public void Dispose() => _connections.Changed -= Clear;

    private sealed record Fetched(KeySpecTable Table, bool Definite);
}
