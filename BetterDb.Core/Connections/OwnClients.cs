using System.Net;

namespace BetterDb.Core.Connections;

/// <summary>
/// The app's own open connections to each server (pre-flight, key specs, the watchdog, history collectors...), by
/// the address the server gives their lines, so a capture of that server can leave their commands out: they are
/// ours, not what the server is being asked to do. A connection registers when it connects (before its first command)
/// and leaves a little after it closes (<see cref="Linger"/>).
/// </summary>
public static class OwnClients
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, Dictionary<string, int>> Open = new(StringComparer.OrdinalIgnoreCase);
    private static readonly List<Watcher> Watchers = [];

    /// <summary>The key of a server: its host and port as the profile names them.</summary>
    public static string ServerKey(ConnectionProfile profile) => $"{profile.Host}:{profile.Port}";

    /// <summary>Records one of our connections to <paramref name="server"/>; disposing the result forgets it, <see cref="Linger"/> later.</summary>
    public static IDisposable Register(string server, EndPoint? local)
    {
        if (Format(local) is not { } address) return Nothing.Instance;
        Watcher[] watchers;
        lock (Gate)
        {
            if (!Open.TryGetValue(server, out var addresses)) Open[server] = addresses = new(StringComparer.Ordinal);
            addresses[address] = addresses.GetValueOrDefault(address) + 1;
            watchers = Watchers.Where(w => string.Equals(w.Server, server, StringComparison.OrdinalIgnoreCase)).ToArray();
        }
        foreach (var w in watchers) w.Added(address);
        return new Registration(server, address);
    }

    /// <summary>
    /// Tells <paramref name="added"/> about every connection of ours to <paramref name="server"/>, now and as they
    /// open, and <paramref name="removed"/> as they close (a later client may get the same port); dispose to stop.
    /// </summary>
    public static IDisposable Watch(string server, Action<string> added, Action<string> removed)
    {
        var watcher = new Watcher(server, added, removed);
        string[] current;
        lock (Gate)
        {
            Watchers.Add(watcher);
            current = Open.TryGetValue(server, out var addresses) ? addresses.Keys.ToArray() : [];
        }
        foreach (var a in current) added(a);
        return watcher;
    }

    /// <summary>An endpoint as Redis writes client addresses: <c>1.2.3.4:5</c>, <c>[::1]:5</c>.</summary>
    public static string? Format(EndPoint? endPoint)
    {
        if (endPoint is not IPEndPoint ip) return null;
        var address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{address}]:{ip.Port}"
            : $"{address}:{ip.Port}";
    }

    private static void Unregister(string server, string address)
    {
        Watcher[] watchers = [];
        lock (Gate)
        {
            if (!Open.TryGetValue(server, out var addresses) || !addresses.TryGetValue(address, out var n)) return;
            if (n > 1)
            {
                addresses[address] = n - 1;
                return;
            }
            addresses.Remove(address);
            if (addresses.Count == 0) Open.Remove(server);
            watchers = Watchers.Where(w => string.Equals(w.Server, server, StringComparison.OrdinalIgnoreCase)).ToArray();
        }
        foreach (var w in watchers) w.Removed(address);
    }

    /// <summary>
    /// How long a closed connection of ours stays known. A capture reads MONITOR behind the server: the last commands of
    /// a connection that just closed (a session-boundary INFO, a pre-flight probe) can still be in its socket or buffers
    /// when the close is told, and forgetting the address at once would let exactly those lines in. Long enough for a
    /// reader that keeps up (the watchdog stops one that falls far behind); short against the time before the OS hands
    /// the same local port to another client of that server.
    /// </summary>
    internal static TimeSpan Linger { get; set; } = TimeSpan.FromSeconds(10);

    private sealed class Registration(string server, string address) : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            var linger = Linger;
            if (linger <= TimeSpan.Zero) Unregister(server, address);
            else _ = Task.Delay(linger).ContinueWith(_ => Unregister(server, address), TaskScheduler.Default);
        }
    }

    private sealed record Watcher(string Server, Action<string> Added, Action<string> Removed) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate) Watchers.Remove(this);
        }
    }

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();
        public void Dispose() { }
    }
}
