using BetterDb.Core.Connections;

namespace BetterDb.Core.Capture;

/// <summary>How a fan-out capture ended, from how each primary's part of it ended.</summary>
public static class FanOutEnd
{
    /// <summary>
    /// The worst segment decides (failed, then interrupted, then truncated, then completed); its reason is the session's,
    /// naming the node when the session is worse than completed and not every node ended that way
    /// (<c>source_error: node 10.0.0.5:6379 (3f2a1b9c): ...</c>).
    /// </summary>
    public static CaptureEnd Combine(IReadOnlyList<(ClusterNode Node, CaptureEnd End)> segments)
    {
        if (segments.Count == 0) throw new ArgumentException("a fan-out capture has at least one segment", nameof(segments));
        var (node, worst) = segments.MaxBy(s => Severity(s.End.Status));
        // Every node ended the same way (the duration, a stop, a cap of the session's): nothing to single out.
        if (worst.Status == CaptureStatus.Completed || segments.All(s => s.End == worst)) return worst;
        var at = $"node {node.Address} ({node.Id[..Math.Min(8, node.Id.Length)]})";
        var (kind, detail) = EndReasonKind.Split(worst.Reason);
        var reason = EndReasonKind.With(kind, detail.Length == 0 ? at : $"{at}: {detail}");
        var others = segments.Count(s => s.End.Status == worst.Status) - 1;
        return new CaptureEnd(worst.Status, others > 0 ? $"{reason} (and {others} more node{(others == 1 ? "" : "s")})" : reason);
    }

    private static int Severity(CaptureStatus status) => status switch
    {
        CaptureStatus.Failed => 3,
        CaptureStatus.Interrupted => 2,
        CaptureStatus.Truncated => 1,
        _ => 0,
    };
}
