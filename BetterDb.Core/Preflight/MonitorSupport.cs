using System.Collections.Concurrent;
using BetterDb.Core.Connections;

namespace BetterDb.Core.Preflight;

public enum MonitorSupport
{
    /// <summary>The server knows MONITOR (and, from a live probe, let us run it).</summary>
    Supported,
    /// <summary>The server does not know MONITOR (renamed or disabled, or a proxy without it).</summary>
    Unsupported,
    /// <summary>The server knows MONITOR but this user may not run it (NOPERM). Not cached: ACLs change.</summary>
    Denied,
    /// <summary>Inconclusive, or a transient failure. Never cached.</summary>
    Unknown,
}

/// <param name="Source"><c>command_info</c>, <c>live_probe</c> or <c>cache</c>.</param>
public sealed record MonitorSupportResult(MonitorSupport State, string Source, string Detail)
{
    /// <summary>Only definite answers about the server itself are worth remembering.</summary>
    public bool IsDefinite => State is MonitorSupport.Supported or MonitorSupport.Unsupported;

    /// <summary>true/false when known, null otherwise (the report's <c>monitorSupported</c>).</summary>
    public bool? AsBool => State switch
    {
        MonitorSupport.Supported => true,
        MonitorSupport.Unsupported => false,
        _ => null,
    };
}

/// <summary>Reads the replies of the two MONITOR probes (pure).</summary>
public static class MonitorSupportClassifier
{
    public const string CommandInfo = "command_info";
    public const string LiveProbe = "live_probe";
    public const string Cache = "cache";

    /// <summary>
    /// <c>COMMAND INFO MONITOR</c>: a nil entry or an empty reply means the server does not know
    /// MONITOR (e.g. <c>rename-command MONITOR ""</c>); "unknown command" means the same, unless it is
    /// COMMAND itself that is unknown. NOPERM and other errors are inconclusive.
    /// </summary>
    public static MonitorSupportResult FromCommandInfo(RespReply reply)
    {
        if (reply.IsError)
        {
            var text = reply.Text!;
            if (text.StartsWith("ERR unknown command", StringComparison.OrdinalIgnoreCase))
                return text.Contains("'command'", StringComparison.OrdinalIgnoreCase)
                    ? new(MonitorSupport.Unknown, CommandInfo, $"COMMAND is not available ({text}); a live probe is needed.")
                    : new(MonitorSupport.Unsupported, CommandInfo, $"The server does not know MONITOR ({text}).");
            return new(MonitorSupport.Unknown, CommandInfo, $"COMMAND INFO could not be used ({text}); a live probe is needed.");
        }
        if (reply.Items is null || reply.Items.Length == 0)
            return new(MonitorSupport.Unsupported, CommandInfo, "COMMAND INFO MONITOR returned nothing: MONITOR is not available.");
        var entry = reply.Items[0];
        if (entry.Items is null || entry.Items.Length == 0)
            return new(MonitorSupport.Unsupported, CommandInfo, "COMMAND INFO MONITOR returned nil: MONITOR is renamed or disabled on this server.");
        if (string.Equals(entry.Items[0].Text, "monitor", StringComparison.OrdinalIgnoreCase))
            return new(MonitorSupport.Supported, CommandInfo, "COMMAND INFO lists MONITOR.");
        return new(MonitorSupport.Unknown, CommandInfo, "COMMAND INFO MONITOR gave an unexpected answer; a live probe is needed.");
    }

    /// <summary>The first reply to <c>MONITOR</c> on a dedicated connection.</summary>
    public static MonitorSupportResult FromLiveProbe(RespReply reply)
    {
        if (!reply.IsError)
            return reply.Type == '+' && reply.Text == "OK"
                ? new(MonitorSupport.Supported, LiveProbe, "MONITOR answered +OK.")
                : new(MonitorSupport.Unknown, LiveProbe, $"MONITOR answered unexpectedly ({reply}).");
        var text = reply.Text!;
        if (text.StartsWith("ERR unknown command", StringComparison.OrdinalIgnoreCase))
            return new(MonitorSupport.Unsupported, LiveProbe, $"The server does not know MONITOR ({text}).");
        if (text.StartsWith("NOPERM", StringComparison.OrdinalIgnoreCase))
            return new(MonitorSupport.Denied, LiveProbe, $"MONITOR is not permitted for this user ({text}).");
        return new(MonitorSupport.Unknown, LiveProbe, $"MONITOR was refused ({text}).");
    }
}

/// <summary>
/// Whether a connection's server supports MONITOR. The free check (<c>COMMAND INFO MONITOR</c>)
/// runs in every pre-flight; only when it is inconclusive does the start path pay for a short
/// live MONITOR on a dedicated connection (<see cref="ConfirmBeforeStartAsync"/>). Definite answers
/// are cached per connection target and forgotten when any connection changes; transient
/// failures (timeouts, refused connections) are never cached.
/// </summary>
public sealed class MonitorSupportService : IDisposable
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    private readonly ConnectionService _connections;
    private readonly ConcurrentDictionary<string, MonitorSupportResult> _cache = new(StringComparer.Ordinal);

    public MonitorSupportService(ConnectionService connections)
    {
        _connections = connections;
        _connections.Changed += OnConnectionsChanged;
    }

    /// <summary>The remembered definite answer for this connection, if any.</summary>
    public MonitorSupportResult? GetCached(ConnectionProfile profile) =>
        _cache.TryGetValue(ConnectionKey.For(profile), out var r) ? r with { Source = MonitorSupportClassifier.Cache } : null;

    /// <summary>Forgets every cached answer (also done whenever a connection is added, changed or removed).</summary>
    public void Invalidate() => _cache.Clear();

    internal void Remember(ConnectionProfile profile, MonitorSupportResult result)
    {
        if (result.IsDefinite) _cache[ConnectionKey.For(profile)] = result;
    }

    /// <summary>The cached answer, else COMMAND INFO MONITOR on an open pre-flight connection.</summary>
    internal async Task<MonitorSupportResult> CheckAsync(ConnectionProfile profile, RedisCommandClient wire, CancellationToken ct)
    {
        if (GetCached(profile) is { } cached) return cached;
        var result = MonitorSupportClassifier.FromCommandInfo(await wire.SendAsync(ct, "COMMAND", "INFO", "MONITOR"));
        Remember(profile, result);
        return result;
    }

    /// <summary>
    /// For the capture start path, at the moment the user commits: the cached answer, else
    /// COMMAND INFO, else a live MONITOR probe. Never throws for an unreachable server: that is
    /// <see cref="MonitorSupport.Unknown"/> with the error text (and not cached).
    /// </summary>
    /// <exception cref="KeyNotFoundException">no such connection</exception>
    public async Task<MonitorSupportResult> ConfirmBeforeStartAsync(string connectionId, CancellationToken ct = default)
    {
        var profile = await _connections.GetAsync(connectionId, ct) ?? throw new KeyNotFoundException($"No connection '{connectionId}'.");
        if (GetCached(profile) is { } cached) return cached;
        try
        {
            await using var wire = await RedisCommandClient.OpenAsync(profile, "preflight", ProbeTimeout, ct);
            var byInfo = await CheckAsync(profile, wire, ct);
            if (byInfo.State != MonitorSupport.Unknown) return byInfo;
        }
        catch (TargetUnreachableException ex)
        {
            return new MonitorSupportResult(MonitorSupport.Unknown, MonitorSupportClassifier.CommandInfo, ex.Message);
        }
        return await ProbeLiveAsync(profile, ct);
    }

    /// <summary>
    /// Opens a dedicated connection, sends MONITOR, reads the first reply and closes at once,
    /// so the server streams to us for only a moment.
    /// </summary>
    public async Task<MonitorSupportResult> ProbeLiveAsync(ConnectionProfile profile, CancellationToken ct = default)
    {
        try
        {
            await using var wire = await RedisCommandClient.OpenAsync(profile, "preflight-probe", ProbeTimeout, ct);
            var result = MonitorSupportClassifier.FromLiveProbe(await wire.SendAsync(ct, "MONITOR"));
            Remember(profile, result);
            return result;
        }
        catch (TargetUnreachableException ex)
        {
            return new MonitorSupportResult(MonitorSupport.Unknown, MonitorSupportClassifier.LiveProbe, ex.Message);
        }
    }

    private void OnConnectionsChanged() => Invalidate();

    public void Dispose() => _connections.Changed -= OnConnectionsChanged;
}
