using System.Diagnostics;
using System.Globalization;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Preflight;

/// <summary>
/// Tells the operator what a capture will cost and whether it is safe, before it starts.
/// One short connection (<c>betterdb-preflight</c>): COMMAND INFO MONITOR, ACL WHOAMI/GETUSER,
/// CONFIG GET, then two INFO samples about <see cref="SampleWindow"/> apart, with nothing of ours
/// in between, so the measured rate is the application's.
/// </summary>
public sealed class PreflightService : IPreflightService
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    /// <summary>From this rate on, the cost of MONITOR itself is worth a warning.</summary>
    public const double BusyServerOpsPerSec = 10_000;

    private readonly ConnectionService _connections;
    private readonly CaptureSessionService _sessions;
    private readonly HealthGateService _health;
    private readonly MonitorSupportService _monitor;
    private readonly MonitorOptions _monitorOptions;

    public PreflightService(ConnectionService connections, CaptureSessionService sessions, HealthGateService health,
        MonitorSupportService monitor, IOptions<BetterDbOptions> options)
    {
        _connections = connections;
        _sessions = sessions;
        _health = health;
        _monitor = monitor;
        _monitorOptions = options.Value.Monitor;
    }

    /// <summary>The gap between the two INFO samples that measure ops/sec.</summary>
    public TimeSpan SampleWindow { get; set; } = TimeSpan.FromSeconds(1);

    public async Task<PreflightReport> RunAsync(PreflightRequest request, CancellationToken ct = default)
    {
        var (connectionId, durationMs, byteCap, lineCap) = Validate(request);
        var (profile, node) = await TargetAsync(connectionId, request.TargetNodeId, ct);
        await using var wire = await RedisCommandClient.OpenAsync(profile, "preflight", CommandTimeout, ct);

        // Everything but the rate first: between the two samples the connection stays quiet.
        var monitor = await _monitor.CheckAsync(profile, wire, ct);
        var (acl, defaultUser) = await ReadAclAsync(wire, profile, ct);
        var (config, configError) = await ReadConfigAsync(wire, ct);
        var rate = await SampleRateAsync(wire, ct);

        HealthGateDecision health;
        if (rate.First is { } first) _health.Record(profile, first, rate.FirstAt);
        health = rate.Second is { } second
            ? await _health.DecideAsync(profile, second, rate.SecondAt, ct)
            : _health.Unmeasured(rate.Error);

        var info = rate.Second ?? rate.First;
        var provider = ProviderDetector.Detect(profile.Host, info);
        var estimate = await ProjectAsync(connectionId, rate, durationMs, byteCap, lineCap, ct);
        var hazards = config is null ? [] : ConfigHazards.Detect(config, defaultUser.User, defaultUser.Unreadable);

        var warnings = new List<PreflightWarning>();
        var notes = new List<string>();
        if (!health.Signals.Measured)
            warnings.AddRange(health.Detail.Select(d => new PreflightWarning(PreflightWarning.HealthUnmeasured, d)));
        else if (!health.Allow)
            warnings.Add(new(PreflightWarning.HealthGateClosed,
                $"Health gate: an automated capture would be skipped now ({health.SkipReason}). " + string.Join(" ", health.Detail)));
        if (monitor.State == MonitorSupport.Unsupported)
            warnings.Add(new(PreflightWarning.MonitorUnsupported,
                $"This server does not offer MONITOR: {monitor.Detail} A capture would end failed (monitor_open_failed)."));
        if (acl.HasMonitor == false)
            warnings.Add(new(PreflightWarning.AclMonitorDenied,
                $"User '{acl.User}' may not run MONITOR. {acl.Note} An administrator can allow it with: {acl.SetUserSnippet}"));
        else if (acl.HasMonitor is null && acl.Note is not null)
            warnings.Add(new(PreflightWarning.AclUnverified, acl.Note));
        else if (acl.Note is not null)
            notes.Add(acl.Note);
        warnings.AddRange(EstimateWarnings(estimate));
        warnings.AddRange(hazards.Select(h => new PreflightWarning(h.Code, h.Message)));
        if (config is null)
            warnings.Add(new(PreflightWarning.ConfigUnreadable,
                $"Could not read the server configuration (CONFIG GET refused: {configError}); configuration hazards were not checked."));
        if (estimate.LineSizeSource == ThroughputProjection.LineSizeDefault)
            notes.Add($"No finished capture on this connection yet: the estimate assumes {ThroughputProjection.DefaultAvgLineBytes} bytes per MONITOR line.");
        else
            notes.Add($"Line size ({estimate.AvgLineBytes.ToString("0.#", CultureInfo.InvariantCulture)} bytes) is taken from the last capture on this connection ({estimate.LineSizeSessionId}).");
        if (health.Signals.ReplicationLagSource == "primary_not_visible")
            notes.Add("This is a replica and its primary could not be asked for its offset: replication lag is shown as 0.");
        if (monitor.State is MonitorSupport.Unknown or MonitorSupport.Denied)
            notes.Add($"MONITOR support is not confirmed yet ({monitor.Detail}); a short live probe runs when the capture starts.");

        return new PreflightReport
        {
            ConnectionId = connectionId,
            TargetNode = node,
            GeneratedAt = DateTime.UtcNow,
            Provider = provider,
            Acl = acl,
            HealthGate = health,
            Estimate = estimate,
            WarningDetails = warnings,
            Notes = notes,
            MonitorSupported = monitor.AsBool,
            MonitorSupportDetail = monitor.Detail,
            ConfigHazards = hazards,
            ConfigChecked = config is not null,
            ServerName = info is null ? null : info.GetValueOrDefault("server_name")?.ToLowerInvariant() == "valkey" ? "valkey" : "redis",
            ServerVersion = info?.GetValueOrDefault("valkey_version") ?? info?.GetValueOrDefault("redis_version"),
        };
    }

    public async Task<ThroughputEstimate> EstimateAsync(PreflightRequest request, CancellationToken ct = default)
    {
        var (connectionId, durationMs, byteCap, lineCap) = Validate(request);
        var (profile, node) = await TargetAsync(connectionId, request.TargetNodeId, ct);
        RateSamples rate;
        await using (var wire = await RedisCommandClient.OpenAsync(profile, "preflight", CommandTimeout, ct))
            rate = await SampleRateAsync(wire, ct);
        if (rate.First is { } first) _health.Record(profile, first, rate.FirstAt);
        if (rate.Second is { } second) _health.Record(profile, second, rate.SecondAt);
        return await ProjectAsync(connectionId, rate, durationMs, byteCap, lineCap, ct);
    }

    /// <summary>The warnings that follow from an estimate alone (a cap will end the capture early; a busy server).</summary>
    public static IReadOnlyList<PreflightWarning> EstimateWarnings(ThroughputEstimate estimate)
    {
        var warnings = new List<PreflightWarning>();
        if (estimate.CapHit is not null)
            warnings.Add(new(PreflightWarning.CapHit,
                $"At about {OpsText(estimate.OpsPerSec)} ops/s the {CapName(estimate)} will end this capture after about " +
                $"{Duration(estimate.EndsAfterMs)}, before the requested {Duration(estimate.DurationMs)}."));
        if (estimate.OpsPerSec >= BusyServerOpsPerSec)
            warnings.Add(new(PreflightWarning.BusyServer,
                $"The server runs about {OpsText(estimate.OpsPerSec)} commands/s: MONITOR formats and sends every one of them " +
                "to the capture, which can noticeably reduce throughput while it runs. Keep the capture short."));
        return warnings;
    }

    /// <summary>The connection, or the one node of its cluster that a capture with <c>targetNodeId</c> would read (checked there, not on the seed).</summary>
    private async Task<(ConnectionProfile Profile, string? Node)> TargetAsync(string connectionId, string? targetNodeId, CancellationToken ct)
    {
        var profile = await _connections.GetAsync(connectionId, ct) ?? throw new KeyNotFoundException($"No connection '{connectionId}'.");
        if (string.IsNullOrWhiteSpace(targetNodeId)) return (profile, null);
        var (nodeProfile, node) = await ClusterNodeTarget.ResolveAsync(profile, targetNodeId, ct);
        return (nodeProfile, node.Id);
    }

    private (string ConnectionId, long DurationMs, long ByteCap, long LineCap) Validate(PreflightRequest r)
    {
        if (string.IsNullOrWhiteSpace(r.ConnectionId)) throw new InvalidInputException("connectionId", "connectionId is required.");
        var duration = r.DurationMs ?? CaptureSessionService.DefaultDurationMs;
        if (duration is < CaptureSessionService.MinDurationMs or > CaptureSessionService.MaxDurationMs)
            throw new InvalidInputException("durationMs",
                $"durationMs must be between {CaptureSessionService.MinDurationMs} (1 s) and {CaptureSessionService.MaxDurationMs} (24 h).");
        var byteCap = r.ByteCap ?? _monitorOptions.DefaultByteCap;
        if (byteCap <= 0) throw new InvalidInputException("byteCap", "byteCap must be a positive number of bytes.");
        var lineCap = r.LineCap ?? _monitorOptions.DefaultLineCap;
        if (lineCap <= 0) throw new InvalidInputException("lineCap", "lineCap must be a positive number of lines.");
        return (r.ConnectionId, duration, byteCap, lineCap);
    }

    private sealed record RateSamples(Dictionary<string, string>? First, DateTime FirstAt, Dictionary<string, string>? Second, DateTime SecondAt,
        TimeSpan Elapsed, string? Error);

    private async Task<RateSamples> SampleRateAsync(RedisCommandClient wire, CancellationToken ct)
    {
        var (first, error) = await wire.InfoAsync(ct);
        var firstAt = DateTime.UtcNow;
        if (first is null) return new RateSamples(null, firstAt, null, firstAt, TimeSpan.Zero, error);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(SampleWindow, ct);
        var (second, error2) = await wire.InfoAsync(ct);
        return new RateSamples(first, firstAt, second, DateTime.UtcNow, Stopwatch.GetElapsedTime(started), error2);
    }

    private async Task<ThroughputEstimate> ProjectAsync(string connectionId, RateSamples rate, long durationMs, long byteCap, long lineCap, CancellationToken ct)
    {
        var measured = rate.First is not null && rate.Second is not null;
        var ops = measured
            ? ThroughputProjection.OpsPerSec(
                HealthSignalReader.Long(rate.First!, "total_commands_processed") ?? 0,
                HealthSignalReader.Long(rate.Second!, "total_commands_processed") ?? 0,
                rate.Elapsed)
            : 0;
        var recent = await _sessions.ListAsync(new SessionQuery(connectionId, null, 5, 0), ct);
        var (avg, source, sessionId) = ThroughputProjection.LineSize(recent);
        return ThroughputProjection.Project(ops, durationMs, avg, source, sessionId, byteCap, lineCap,
            (long)rate.Elapsed.TotalMilliseconds, measured);
    }

    private static async Task<(AclReport Report, DefaultUserReading DefaultUser)> ReadAclAsync(RedisCommandClient wire, ConnectionProfile profile, CancellationToken ct)
    {
        var whoami = await wire.SendAsync(ct, "ACL", "WHOAMI");
        if (AclCheck.IsUnknownCommand(whoami)) return (AclCheck.NoAcl(whoami.Text!), DefaultUserReading.NoAcl);
        var user = whoami.IsError || string.IsNullOrEmpty(whoami.Text) ? profile.Username ?? "default" : whoami.Text;
        var getUser = await wire.SendAsync(ct, "ACL", "GETUSER", user);
        var report = AclCheck.FromGetUser(user, getUser);
        if (whoami.IsError)
            report = report with { Note = $"ACL WHOAMI was refused ({whoami.Text}); assuming user '{user}'. {report.Note}".TrimEnd() };
        var defaultUser = DefaultUserReading.From(user == "default" && !getUser.IsError
            ? getUser
            : await wire.SendAsync(ct, "ACL", "GETUSER", "default"));
        return (report, defaultUser);
    }

    /// <summary>One CONFIG GET per setting (multi-argument CONFIG GET is Redis 7+).</summary>
    private static async Task<(Dictionary<string, string>? Config, string? Error)> ReadConfigAsync(RedisCommandClient wire, CancellationToken ct)
    {
        var config = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in ConfigHazards.Parameters)
        {
            var reply = await wire.SendAsync(ct, "CONFIG", "GET", name);
            if (reply.IsError) return (null, reply.Text);
            var items = reply.Items ?? [];
            for (var i = 0; i + 1 < items.Length; i += 2)
                if (items[i].Text is { } key && items[i + 1].Text is { } value) config[key] = value;
        }
        return (config, null);
    }

    private static string OpsText(double ops) => ops.ToString(ops >= 100 ? "#,0" : "0.#", CultureInfo.InvariantCulture);

    private static string CapName(ThroughputEstimate e) => e.CapHit == EndReasonKind.ByteCap
        ? $"byte cap ({e.ByteCap.ToString("#,0", CultureInfo.InvariantCulture)} bytes)"
        : $"line cap ({e.LineCap.ToString("#,0", CultureInfo.InvariantCulture)} lines)";

    /// <summary>"850 ms", "42 s", "5 min 30 s", "2 h 5 min".</summary>
    public static string Duration(long ms)
    {
        if (ms < 1000) return $"{ms} ms";
        var t = TimeSpan.FromMilliseconds(ms);
        if (t.TotalMinutes < 1) return $"{(long)Math.Round(t.TotalSeconds)} s";
        if (t.TotalHours < 1) return t.Seconds == 0 ? $"{(long)t.TotalMinutes} min" : $"{(long)t.TotalMinutes} min {t.Seconds} s";
        return t.Minutes == 0 ? $"{(long)t.TotalHours} h" : $"{(long)t.TotalHours} h {t.Minutes} min";
    }
}
