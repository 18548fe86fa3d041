using BetterDb.Core.Configuration;
using System.Collections.Concurrent;
using BetterDb.Core.Preflight;

namespace BetterDb.Tests.Preflight;

/// <summary>
/// A scripted pre-flight for component tests: each call is recorded with its token, and answers
/// either at once (<see cref="Report"/>, <see cref="Estimate"/>) or when the test completes it.
/// </summary>
internal sealed class FakePreflightService : IPreflightService
{
    public sealed record Call(PreflightRequest Request, CancellationToken Token, TaskCompletionSource<object> Answer);

    public ConcurrentQueue<Call> RunCalls { get; } = new();
    public ConcurrentQueue<Call> EstimateCalls { get; } = new();

    /// <summary>Answers RunAsync at once when set; otherwise the call waits for the test.</summary>
    public Func<PreflightRequest, PreflightReport>? Report { get; set; }

    /// <summary>Answers EstimateAsync at once when set; otherwise the call waits for the test.</summary>
    public Func<PreflightRequest, ThroughputEstimate>? Estimate { get; set; }

    public async Task<PreflightReport> RunAsync(PreflightRequest request, CancellationToken ct = default)
    {
        var call = new Call(request, ct, new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously));
        RunCalls.Enqueue(call);
        if (Report is not null) return Report(request);
        return (PreflightReport)await call.Answer.Task;
    }

    public async Task<ThroughputEstimate> EstimateAsync(PreflightRequest request, CancellationToken ct = default)
    {
        var call = new Call(request, ct, new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously));
        EstimateCalls.Enqueue(call);
        if (Estimate is not null) return Estimate(request);
        // Deliberately ignores the token, like a slow server would: the panel must drop the stale answer itself.
        return (ThroughputEstimate)await call.Answer.Task;
    }

    public static ThroughputEstimate EstimateFor(long durationMs, double opsPerSec = 100, long byteCap = 52_428_800, long lineCap = 5_000_000) =>
        ThroughputProjection.Project(opsPerSec, durationMs, 80, ThroughputProjection.LineSizeDefault, null, byteCap, lineCap, 1000);

    public static PreflightReport SampleReport(string connectionId = "c1", bool? hasMonitor = true, string user = "capture", long durationMs = 30_000,
        bool allow = true, double opsPerSec = 100)
    {
        var acl = hasMonitor == true
            ? new AclReport { User = user, HasMonitor = true, Rules = "+@all", Verified = true }
            : hasMonitor == false
                ? AclCheck.FromGetUser(user, Resp.Map(("flags", Resp.Strings("on")), ("commands", "+@all -monitor"), ("keys", "~*")))
                : AclCheck.Unverified(user, "ACL GETUSER is not permitted");
        var options = new HealthGateOptions();
        var signals = allow ? new HealthSignals(0.42, 0, 0, false, "maxmemory", 420, 1000, Role: "master", ReplicationLagSource: "no_replicas")
                            : new HealthSignals(0.97, 2, 0, false, "maxmemory", 970, 1000, Role: "master", ReplicationLagSource: "no_replicas");
        var estimate = EstimateFor(durationMs, opsPerSec);
        var warnings = new List<PreflightWarning> { new("unbounded_monitor_buffer", "client-output-buffer-limit for normal clients is 0 0 0 (unbounded) while maxmemory is set") };
        warnings.AddRange(PreflightService.EstimateWarnings(estimate));
        return new PreflightReport
        {
            ConnectionId = connectionId,
            GeneratedAt = DateTime.UtcNow,
            Provider = ProviderDetector.Detect("prod.abc123.ng.0001.use1.cache.amazonaws.com", null),
            Acl = acl,
            HealthGate = HealthGate.Evaluate(signals, options),
            Estimate = estimate,
            WarningDetails = warnings,
            Notes = ["No finished capture on this connection yet: the estimate assumes 80 bytes per MONITOR line."],
            MonitorSupported = true,
            MonitorSupportDetail = "COMMAND INFO lists MONITOR.",
            ConfigChecked = true,
        };
    }
}
