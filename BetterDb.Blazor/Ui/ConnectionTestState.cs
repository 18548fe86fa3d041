using BetterDb.Core.Connections;

namespace BetterDb.Blazor.Ui;

/// <summary>A connection test in progress (<see cref="Result"/> null) or done.</summary>
public sealed record ConnectionTestState(ConnectionTestResult? Result)
{
    public static readonly ConnectionTestState Running = new((ConnectionTestResult?)null);
    public bool IsRunning => Result is null;

    /// <summary>Connected, but this user may not run MONITOR: a capture would fail.</summary>
    public bool MonitorDenied => Result is { Ok: true, MonitorAllowed: false };

    /// <summary>Connected, and whether MONITOR is allowed could not be read.</summary>
    public bool MonitorUnverified => Result is { Ok: true, MonitorAllowed: null };

    /// <summary>
    /// "redis 7.2.4 · standalone · 0.4 ms" ("cluster, 3 primaries, 3 replicas, 1 node unhealthy" for a cluster),
    /// "connected, but this user cannot run MONITOR", or the server's error text.
    /// </summary>
    public string Summary => Result switch
    {
        null => "Testing…",
        { Ok: true, MonitorAllowed: false } r => $"Connected ({r.ServerName} {r.ServerVersion}), but user '{r.User}' cannot run MONITOR",
        { Ok: true } r => $"{r.ServerName} {r.ServerVersion} · {Mode(r)} · {r.LatencyMs:0.##} ms" + (r.MonitorAllowed is null ? " · MONITOR not verified" : ""),
        { } r => r.Error ?? "The test failed.",
    };

    /// <summary>"standalone", or "cluster, 3 primaries, 3 replicas" (see <see cref="DisplayFormat.ClusterNodes"/>).</summary>
    private static string Mode(ConnectionTestResult r) =>
        r is { Mode: "cluster", Primaries: { } primaries, Replicas: { } replicas }
            ? $"cluster, {DisplayFormat.ClusterNodes(primaries, replicas, r.UnhealthyNodes ?? 0)}"
            : r.Mode ?? "";
}
