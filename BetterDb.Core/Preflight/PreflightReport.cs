namespace BetterDb.Core.Preflight;

/// <summary>What a caller asks the pre-flight about. Nulls take the capture defaults.</summary>
/// <summary>A pre-flight of a capture; <see cref="TargetNodeId"/> checks that node of a cluster connection, as the capture would read it.</summary>
public sealed record PreflightRequest(string? ConnectionId, long? DurationMs = null, long? ByteCap = null, long? LineCap = null, string? TargetNodeId = null);

/// <summary>
/// The pre-flight report of API.md: <c>{provider, acl, healthGate, estimate, warnings}</c>, plus
/// additive fields (<c>verdict</c>, <c>monitorSupported</c>, <c>notes</c>, <c>configHazards</c>...).
/// </summary>
public sealed record PreflightReport
{
    public required string ConnectionId { get; init; }
    /// <summary>The cluster node checked (<c>targetNodeId</c>); null for the connection itself.</summary>
    public string? TargetNode { get; init; }
    public DateTime GeneratedAt { get; init; }
    public required ProviderInfo Provider { get; init; }
    public required AclReport Acl { get; init; }
    public required HealthGateDecision HealthGate { get; init; }
    public required ThroughputEstimate Estimate { get; init; }

    /// <summary>
    /// The one overall answer (ready / risky / will_fail, with reasons), computed from all the sections
    /// by <see cref="PreflightVerdict.From(PreflightReport)"/>; a copy with a new estimate gets a new verdict.
    /// </summary>
    public PreflightVerdict Verdict => PreflightVerdict.From(this);

    /// <summary>What an operator should read before starting, most important first (the messages of <see cref="WarningDetails"/>).</summary>
    public IReadOnlyList<string> Warnings => WarningDetails.Select(w => w.Message).ToList();

    /// <summary>The warnings with a stable code each, so a UI can place or refresh them (e.g. <c>cap_hit</c> follows the estimate).</summary>
    public IReadOnlyList<PreflightWarning> WarningDetails { get; init; } = [];

    /// <summary>Context that is not a warning (which line size was assumed, no ACL on this server...).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>true/false when known (COMMAND INFO or a cached live probe); null when inconclusive.</summary>
    public bool? MonitorSupported { get; init; }

    public string? MonitorSupportDetail { get; init; }

    public IReadOnlyList<ConfigHazard> ConfigHazards { get; init; } = [];

    /// <summary>false when CONFIG GET was refused and the hazards could not be checked.</summary>
    public bool ConfigChecked { get; init; }

    /// <summary><c>redis</c> or <c>valkey</c>, when INFO was readable.</summary>
    public string? ServerName { get; init; }

    public string? ServerVersion { get; init; }
}

/// <summary>One warning of the report.</summary>
/// <param name="Code">e.g. <c>health_gate_closed</c>, <c>monitor_unsupported</c>, <c>acl_monitor_denied</c>, <c>acl_unverified</c>,
/// <c>cap_hit</c>, <c>busy_server</c>, <c>config_unreadable</c>, <c>health_unmeasured</c>, or a <see cref="ConfigHazard"/> code.</param>
public sealed record PreflightWarning(string Code, string Message)
{
    public const string HealthGateClosed = "health_gate_closed";
    public const string HealthUnmeasured = "health_unmeasured";
    public const string MonitorUnsupported = "monitor_unsupported";
    public const string AclMonitorDenied = "acl_monitor_denied";
    public const string AclUnverified = "acl_unverified";
    public const string CapHit = "cap_hit";
    public const string BusyServer = "busy_server";
    public const string ConfigUnreadable = "config_unreadable";

    /// <summary>Warnings that depend only on the estimate, so they change when the duration or caps do.</summary>
    public static bool FollowsEstimate(string code) => code is CapHit or BusyServer;
}

/// <summary>The pre-flight, for the UI (over the circuit) and the HTTP endpoint alike.</summary>
public interface IPreflightService
{
    /// <summary>The full report: provider, ACL, health gate, estimate, warnings. Takes about <c>SampleWindow</c> (1 s).</summary>
    /// <exception cref="BetterDb.Core.Configuration.InvalidInputException">a value is out of range (names the field)</exception>
    /// <exception cref="KeyNotFoundException">no such connection</exception>
    /// <exception cref="TargetUnreachableException">the server cannot be reached (with its error text)</exception>
    Task<PreflightReport> RunAsync(PreflightRequest request, CancellationToken ct = default);

    /// <summary>Only the estimate, re-measured: for when the duration or caps change.</summary>
    /// <exception cref="BetterDb.Core.Configuration.InvalidInputException">a value is out of range (names the field)</exception>
    /// <exception cref="KeyNotFoundException">no such connection</exception>
    /// <exception cref="TargetUnreachableException">the server cannot be reached (with its error text)</exception>
    Task<ThroughputEstimate> EstimateAsync(PreflightRequest request, CancellationToken ct = default);
}
