using System.Globalization;
using System.Text.RegularExpressions;
using BetterDb.Core.Capture;

namespace BetterDb.Blazor.Ui;

/// <summary>
/// A session's termination reason in words for the UI. The code as the API spells it
/// (<c>duration_cap</c>, <c>watchdog: omem 41943040 &gt; 33554432</c>) stays available for a tooltip.
/// </summary>
public static partial class EndReason
{
    public static string Describe(string? reason)
    {
        if (string.IsNullOrEmpty(reason)) return "";
        var (code, detail) = EndReasonKind.Split(reason);
        return code switch
        {
            EndReasonKind.DurationCap => "reached its duration",
            EndReasonKind.ManualStop => "stopped by a user",
            EndReasonKind.SourceEnded => "the source ended",
            EndReasonKind.ByteCap => "reached its byte cap",
            EndReasonKind.LineCap => "reached its line cap",
            EndReasonKind.AppShutdown => "the app was shut down (what it held was stored)",
            EndReasonKind.ProcessRestart => "the app stopped unexpectedly (found running at the next start)",
            EndReasonKind.SourceError => $"the server connection failed: {detail}",
            EndReasonKind.MonitorOpenFailed => $"MONITOR could not be started: {detail}",
            EndReasonKind.StorageError => $"storing lines failed: {detail}",
            EndReasonKind.Watchdog => "stopped by the safety watchdog: " + Watchdog(detail),
            _ => reason,
        };
    }

    /// <summary><c>omem 41943040 &gt; 33554432</c> -> "output buffer 40 MB over its 32 MB limit".</summary>
    private static string Watchdog(string detail)
    {
        var m = WatchdogDetail().Match(detail);
        if (!m.Success) return detail;
        var (signal, value, limit, rest) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value.Trim());
        var text = signal switch
        {
            "omem" when long.TryParse(value, out var v) && long.TryParse(limit, out var l) =>
                $"the server's output buffer for this capture reached {DisplayFormat.Bytes(v)}, over its {DisplayFormat.Bytes(l)} limit",
            "memory" when double.TryParse(value, CultureInfo.InvariantCulture, out var v) && double.TryParse(limit, CultureInfo.InvariantCulture, out var l) =>
                $"the server's memory reached {v:P0} of maxmemory, over the {l:P0} limit",
            "ping_ms" => $"the server took {value} ms to answer a PING, over the {limit} ms limit",
            _ => detail,
        };
        return rest.Length == 0 ? text : $"{text} {rest}";
    }

    [GeneratedRegex(@"^(\w+) ([\d.]+) > ([\d.]+)(.*)$")]
    private static partial Regex WatchdogDetail();
}
