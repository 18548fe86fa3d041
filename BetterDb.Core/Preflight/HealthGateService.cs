using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Preflight;

/// <summary>
/// Reads a fresh INFO and decides with <see cref="HealthGate"/>. Automated captures (triggers,
/// schedules) ask <see cref="CheckAsync(string, CancellationToken)"/> and skip with the
/// decision's <c>SkipReason</c>; manual captures see the same decision as a warning.
/// </summary>
public sealed class HealthGateService
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan PrimaryLookupTimeout = TimeSpan.FromSeconds(2);

    private readonly ConnectionService _connections;
    private readonly InfoSampleHistory _history;
    private readonly HealthGateOptions _options;

    public HealthGateService(ConnectionService connections, InfoSampleHistory history, IOptions<HealthGateOptions> options)
    {
        _connections = connections;
        _history = history;
        _options = options.Value;
    }

    public HealthGateOptions Options => _options;

    /// <exception cref="KeyNotFoundException">no such connection</exception>
    /// <exception cref="TargetUnreachableException">the server cannot be reached (with its error text)</exception>
    public async Task<HealthGateDecision> CheckAsync(string connectionId, CancellationToken ct = default)
    {
        var profile = await _connections.GetAsync(connectionId, ct) ?? throw new KeyNotFoundException($"No connection '{connectionId}'.");
        return await CheckAsync(profile, ct);
    }

    /// <exception cref="TargetUnreachableException">the server cannot be reached (with its error text)</exception>
    public async Task<HealthGateDecision> CheckAsync(ConnectionProfile profile, CancellationToken ct = default)
    {
        await using var wire = await RedisCommandClient.OpenAsync(profile, "preflight", CommandTimeout, ct);
        var (info, error) = await wire.InfoAsync(ct);
        var at = DateTime.UtcNow;
        return info is null ? Unmeasured(error) : await DecideAsync(profile, info, at, ct);
    }

    /// <summary>Decides from an INFO already read (the pre-flight's second sample) and records it.</summary>
    internal async Task<HealthGateDecision> DecideAsync(ConnectionProfile profile, IReadOnlyDictionary<string, string> info, DateTime at, CancellationToken ct)
    {
        long? primaryOffset = null;
        if (info.GetValueOrDefault("role") == "slave") primaryOffset = await ReadPrimaryOffsetAsync(profile, info, ct);
        var key = ConnectionKey.For(profile);
        var signals = HealthSignalReader.Read(info, at, _history.Earlier(key), _options, primaryOffset);
        Record(profile, info, at);
        return HealthGate.Evaluate(signals, _options);
    }

    internal void Record(ConnectionProfile profile, IReadOnlyDictionary<string, string> info, DateTime at) =>
        _history.Record(ConnectionKey.For(profile), HealthSample.From(at, info));

    /// <summary>INFO was refused (e.g. NOPERM): nothing measured, so nothing to hold a capture back for; the reason is kept.</summary>
    internal HealthGateDecision Unmeasured(string? error) =>
        new(true, null, HealthSignals.Unknown, HealthThresholds.From(_options), [],
            [$"Server health could not be read: INFO was refused ({error})."]);

    /// <summary>
    /// A replica's INFO does not show its primary's offset, so we ask the primary it names,
    /// with the same credentials and TLS setting. Best effort: null when it cannot be reached.
    /// </summary>
    private static async Task<long?> ReadPrimaryOffsetAsync(ConnectionProfile profile, IReadOnlyDictionary<string, string> info, CancellationToken ct)
    {
        var host = info.GetValueOrDefault("master_host");
        if (string.IsNullOrEmpty(host) || HealthSignalReader.Long(info, "master_port") is not { } port || port is <= 0 or > 65535) return null;
        if (info.GetValueOrDefault("master_link_status") != "up") return null;
        var primary = profile with { Host = host, Port = (int)port };
        try
        {
            await using var wire = await RedisCommandClient.OpenAsync(primary, "preflight", PrimaryLookupTimeout, ct);
            var (fields, _) = await wire.InfoAsync(ct, "replication");
            return fields is null ? null : HealthSignalReader.Long(fields, "master_repl_offset");
        }
        catch (TargetUnreachableException)
        {
            return null;
        }
    }
}
