using System.Globalization;
using System.Security.Authentication;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;

namespace BetterDb.Core.Preflight;

/// <summary>How a capture started now would go, as far as the pre-flight can tell.</summary>
public enum PreflightVerdictLevel
{
    /// <summary>Nothing known stands in the way and nothing needs reading first.</summary>
    Ready,
    /// <summary>It can run, but something is ambiguous or costly: read the reasons first (a UI may ask "start anyway").</summary>
    Risky,
    /// <summary>It cannot succeed as things stand (it would end <c>failed</c>): a UI should not offer Start.</summary>
    WillFail,
}

/// <param name="Level"><see cref="PreflightVerdictLevel.WillFail"/> or <see cref="PreflightVerdictLevel.Risky"/>: what this reason alone makes of the capture.</param>
/// <param name="Code">the warning code it comes from (<c>acl_monitor_denied</c>, <c>cap_hit</c>...), or <c>target_unreachable</c>,
/// <c>tls_failed</c>, <c>connection_not_found</c>, <c>invalid_input</c>, <c>monitor_unconfirmed</c>, <c>preflight_failed</c>.</param>
/// <param name="Message">one sentence for people; the section or warning below it has the detail.</param>
public sealed record PreflightVerdictReason(PreflightVerdictLevel Level, string Code, string Message);

/// <summary>
/// The report's one overall answer, computed here and only here from every section, so the sections
/// can never be read as saying different things: <c>will_fail</c> when the capture cannot succeed
/// (unreachable server, TLS failure, a user the ACL denies MONITOR, a server or provider that does not
/// offer MONITOR), <c>risky</c> for anything else worth reading first (every other warning: the health
/// gate, an estimate that hits a cap, configuration hazards, what could not be verified), <c>ready</c>
/// otherwise. Reasons come most serious first. Notes never count.
/// </summary>
public sealed record PreflightVerdict(PreflightVerdictLevel Level, IReadOnlyList<PreflightVerdictReason> Reasons)
{
    public const string TargetUnreachable = "target_unreachable";
    public const string TlsFailed = "tls_failed";
    public const string ConnectionNotFound = "connection_not_found";
    public const string InvalidInput = "invalid_input";
    public const string MonitorUnconfirmed = "monitor_unconfirmed";
    public const string PreflightFailed = "preflight_failed";

    /// <summary>The verdict of a whole report, with its own estimate.</summary>
    public static PreflightVerdict From(PreflightReport report) => From(report, report.Estimate);

    /// <summary>
    /// The verdict of a report whose estimate was measured again (the duration or caps changed): the
    /// report's own estimate warnings are replaced by those of <paramref name="estimate"/> (none when null:
    /// there is no current estimate, e.g. while the duration is out of range).
    /// </summary>
    public static PreflightVerdict From(PreflightReport report, ThroughputEstimate? estimate)
    {
        var reasons = new List<PreflightVerdictReason>();
        var acl = report.Acl;

        // What makes the capture fail: MONITOR open would be refused.
        if (acl.HasMonitor == false)
            reasons.Add(Fail(PreflightWarning.AclMonitorDenied,
                $"User '{acl.User}' may not run MONITOR{(acl.DecidedBy is null ? "" : $" ({acl.DecidedBy})")}: the capture would fail with NOPERM. " +
                $"Grant it with: {acl.SetUserSnippet}"));
        if (report.MonitorSupported == false)
            reasons.Add(Fail(PreflightWarning.MonitorUnsupported, $"This server does not offer MONITOR. {report.MonitorSupportDetail}"));

        // Everything else worth reading first, in the report's order.
        foreach (var w in report.WarningDetails)
        {
            if (w.Code is PreflightWarning.AclMonitorDenied or PreflightWarning.MonitorUnsupported) continue; // above
            if (PreflightWarning.FollowsEstimate(w.Code)) continue; // taken from the current estimate below
            reasons.Add(Risk(w.Code, Summary(w, report)));
        }
        if (estimate is not null)
            foreach (var w in PreflightService.EstimateWarnings(estimate))
                reasons.Add(Risk(w.Code, Summary(w, report, estimate)));
        if (report.MonitorSupported is null && acl.HasMonitor != false)
            reasons.Add(Risk(MonitorUnconfirmed, "MONITOR support could not be confirmed yet; a short live probe runs when the capture starts."));

        return Of(reasons);
    }

    /// <summary>The verdict when the pre-flight itself could not run (what <see cref="IPreflightService.RunAsync"/> threw).</summary>
    public static PreflightVerdict Failed(Exception error) => Of([ReasonFor(error)]);

    /// <summary>The reason a failed pre-flight or estimate gives: unreachable and TLS failures mean the capture would fail too.</summary>
    public static PreflightVerdictReason ReasonFor(Exception error) => error switch
    {
        TargetUnreachableException ex when IsTls(ex) => Fail(TlsFailed, $"The TLS connection to the server failed: {ex.Message}"),
        TargetUnreachableException ex => Fail(TargetUnreachable, $"The server cannot be reached: {ex.Message}"),
        KeyNotFoundException => Fail(ConnectionNotFound, "This connection no longer exists."),
        InvalidInputException ex => Fail(InvalidInput, ex.Message),
        _ => Risk(PreflightFailed, $"The pre-flight could not complete ({error.Message}): nothing was checked."),
    };

    /// <summary>A verdict from reasons: the most serious one decides the level.</summary>
    public static PreflightVerdict Of(IEnumerable<PreflightVerdictReason> reasons)
    {
        var ordered = reasons.OrderByDescending(r => r.Level).ToList(); // stable: keeps section order within a level
        var level = ordered.Count == 0 ? PreflightVerdictLevel.Ready : ordered[0].Level;
        return new PreflightVerdict(level, ordered);
    }

    /// <summary>This verdict with more reasons (e.g. the panel's own: a duration out of range).</summary>
    public PreflightVerdict With(params PreflightVerdictReason[] more) => more.Length == 0 ? this : Of(Reasons.Concat(more));

    /// <summary>Same level and same reasons (records compare lists by reference).</summary>
    public bool SameAs(PreflightVerdict? other) =>
        other is not null && other.Level == Level && other.Reasons.SequenceEqual(Reasons);

    public static PreflightVerdictReason Fail(string code, string message) => new(PreflightVerdictLevel.WillFail, code, message);

    public static PreflightVerdictReason Risk(string code, string message) => new(PreflightVerdictLevel.Risky, code, message);

    private static bool IsTls(Exception ex)
    {
        for (var e = ex.InnerException; e is not null; e = e.InnerException)
            if (e is AuthenticationException || e.Message.Contains("TLS", StringComparison.Ordinal)) return true;
        return ex.Message.Contains("TLS", StringComparison.Ordinal);
    }

    /// <summary>One sentence per warning; the warning itself (shown below the verdict) has the whole story.</summary>
    private static string Summary(PreflightWarning w, PreflightReport report, ThroughputEstimate? estimate = null) => w.Code switch
    {
        PreflightWarning.HealthGateClosed => $"The health gate is closed ({report.HealthGate.SkipReason}): an automated capture would be skipped now.",
        PreflightWarning.HealthUnmeasured => "Server health could not be measured (INFO refused or unreadable).",
        PreflightWarning.AclUnverified => $"Whether user '{report.Acl.User}' may run MONITOR could not be verified.",
        PreflightWarning.ConfigUnreadable => "The server configuration could not be read: configuration hazards were not checked.",
        PreflightWarning.CapHit when estimate is not null =>
            $"The {(estimate.CapHit == EndReasonKind.ByteCap ? "byte" : "line")} cap will end the capture after about " +
            $"{PreflightService.Duration(estimate.EndsAfterMs)} of the requested {PreflightService.Duration(estimate.DurationMs)}.",
        PreflightWarning.BusyServer when estimate is not null =>
            $"The server is busy (about {estimate.OpsPerSec.ToString("#,0", CultureInfo.InvariantCulture)} commands/s): MONITOR will slow it down while it runs.",
        ConfigHazards.UnboundedMonitorBuffer => "A capture that falls behind can grow its output buffer without limit and push the server into evictions or OOM.",
        ConfigHazards.MonitorBufferLimited => "The normal-client output buffer limit can disconnect a capture that falls behind, ending it early.",
        ConfigHazards.ClientEvictionEnabled => "Client eviction (maxmemory-clients) can evict the capture, ending it early.",
        ConfigHazards.DefaultUserOffWithAof => "AOF is on and the default user is off without +@all ~* &*: transactional writes can be lost on AOF reload.",
        ConfigHazards.DefaultUserUnverifiedWithAof => "AOF is on and the default user's grants could not be verified (AOF reload data-loss hazard).",
        _ => w.Message,
    };
}
