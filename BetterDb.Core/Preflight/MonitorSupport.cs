using System.Collections.Concurrent;
using BetterDb.Core.Connections;

namespace BetterDb.Core.Preflight;

public enum MonitorSupport
{
    /// <summary>The server knows MONITOR (and, from a live probe, let us run it).</summary>
    Supported,
    /// <summary>
    /// Not offered here: the server does not know MONITOR (renamed or disabled), or a managed service or proxy
    /// refuses it (<see cref="MonitorRefusal"/>). Never concluded from an inconclusive COMMAND INFO.
    /// </summary>
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
    /// <c>COMMAND INFO MONITOR</c>. Real Redis and Valkey always answer an array with one entry per name
    /// asked: the command's description, or nil when the server does not know it (e.g.
    /// <c>rename-command MONITOR ""</c>): only that nil entry, or a refusal that names MONITOR, is a "no".
    /// An empty array, a reply that is not an array or an entry of another shape comes from a proxy that
    /// does not implement COMMAND INFO faithfully: inconclusive (a live probe decides), never a cached "no".
    /// </summary>
    public static MonitorSupportResult FromCommandInfo(RespReply reply)
    {
        if (reply.IsError)
        {
            var text = reply.Text!;
            if (MonitorRefusal.IsRefusal(text) && MonitorRefusal.NamesMonitor(text))
                return new(MonitorSupport.Unsupported, CommandInfo, MonitorRefusal.Describe(text));
            // e.g. "ERR unknown command 'COMMAND'" from a proxy, or NOPERM for COMMAND: says nothing about MONITOR.
            return new(MonitorSupport.Unknown, CommandInfo, $"COMMAND INFO could not be used (the server answered \"{text}\"); a live probe is needed.");
        }
        if (reply.Type != '*' || reply.Items is null || reply.Items.Length != 1)
            return new(MonitorSupport.Unknown, CommandInfo,
                $"COMMAND INFO MONITOR gave an inconclusive answer ({Shape(reply)}; Redis and Valkey answer one entry per command, so this is likely a proxy); a live probe is needed.");
        var entry = reply.Items[0];
        if (entry.IsNull)
            return new(MonitorSupport.Unsupported, CommandInfo, "COMMAND INFO MONITOR returned nil: MONITOR is renamed or disabled on this server.");
        if (entry.Items is { Length: > 0 } && string.Equals(entry.Items[0].Text, "monitor", StringComparison.OrdinalIgnoreCase))
            return new(MonitorSupport.Supported, CommandInfo, "COMMAND INFO lists MONITOR.");
        return new(MonitorSupport.Unknown, CommandInfo, $"COMMAND INFO MONITOR gave an unexpected answer ({Shape(entry)}); a live probe is needed.");
    }

    /// <summary>The first reply to <c>MONITOR</c> on a dedicated connection.</summary>
    public static MonitorSupportResult FromLiveProbe(RespReply reply)
    {
        if (!reply.IsError)
            return reply.Type == '+' && reply.Text == "OK"
                ? new(MonitorSupport.Supported, LiveProbe, "MONITOR answered +OK.")
                : new(MonitorSupport.Unknown, LiveProbe, $"MONITOR answered unexpectedly ({Shape(reply)}).");
        var text = reply.Text!;
        if (text.StartsWith("NOPERM", StringComparison.OrdinalIgnoreCase))
            return new(MonitorSupport.Denied, LiveProbe, $"MONITOR is not permitted for this user (the server answered \"{text}\").");
        // The reply is to MONITOR itself, so a refusal that names no command is about MONITOR too.
        if (MonitorRefusal.IsRefusal(text) && (MonitorRefusal.Subject(text) is not { } subject || subject.Equals("monitor", StringComparison.OrdinalIgnoreCase)))
            return new(MonitorSupport.Unsupported, LiveProbe, MonitorRefusal.Describe(text));
        return new(MonitorSupport.Unknown, LiveProbe, $"MONITOR was refused (the server answered \"{text}\").");
    }

    private static string Shape(RespReply r) => r switch
    {
        { Type: '*', Items: null } => "a nil array",
        { Type: '*', Items.Length: 0 } => "an empty array",
        { Type: '*' } => $"an array of {r.Items!.Length}",
        { Type: '$', Text: null } => "a nil string",
        { Type: ':' } => $"the integer {r.Integer}",
        _ => $"\"{r.Text}\"",
    };
}

/// <summary>
/// The refusals that servers, managed services and proxies send instead of running MONITOR: Redis's
/// <c>ERR unknown command 'monitor'</c>, and the texts of services that block it (<c>ERR command 'monitor'
/// is not allowed</c>, <c>ERR MONITOR is disabled</c>, "not supported", "not available on your plan"...).
/// They are a clear "not here", unlike NOPERM (this user, see ACL) or transient errors (LOADING, BUSY...).
/// </summary>
public static class MonitorRefusal
{
    // Prefixes of errors that say nothing about whether MONITOR exists.
    private static readonly string[] Transient = ["NOPERM", "NOAUTH", "WRONGPASS", "LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN", "MOVED", "ASK", "READONLY", "OOM"];

    private static readonly System.Text.RegularExpressions.Regex Refusal = new(
        @"unknown command|not allowed|disallowed|disabled|not supported|unsupported|not available|unavailable|not permitted|not enabled|forbidden|\bplan\b|subscription|tier\b",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static readonly System.Text.RegularExpressions.Regex Quoted = new(@"'([^']+)'", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static readonly System.Text.RegularExpressions.Regex MonitorWord = new(@"\bmonitor\b",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static bool IsRefusal(string error)
    {
        var code = error.Split(' ', 2)[0];
        if (Transient.Any(t => code.Equals(t, StringComparison.OrdinalIgnoreCase))) return false;
        return Refusal.IsMatch(error);
    }

    /// <summary>The first quoted name in the error (<c>'monitor'</c> in <c>ERR unknown command 'monitor', with args...</c>), if any.</summary>
    public static string? Subject(string error) => Quoted.Match(error) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>Whether the error is about MONITOR: its first quoted name is MONITOR, or, with none, it says MONITOR.</summary>
    public static bool NamesMonitor(string error) =>
        Subject(error) is { } subject ? subject.Equals("monitor", StringComparison.OrdinalIgnoreCase) : MonitorWord.IsMatch(error);

    /// <summary>The detail shown for a refusal: always the server's exact words.</summary>
    public static string Describe(string error) =>
        error.StartsWith("ERR unknown command", StringComparison.OrdinalIgnoreCase)
            ? $"The server does not know MONITOR: it answered \"{error}\"."
            : $"MONITOR is not available on this server: it answered \"{error}\".";
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
