using System.Globalization;
using System.Text.RegularExpressions;

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
        var (code, detail) = Split(reason);
        return code switch
        {
            "duration_cap" => "reached its duration",
            "manual_stop" => "stopped by a user",
            "source_ended" => "the source ended",
            "byte_cap" => "reached its byte cap",
            "line_cap" => "reached its line cap",
            "app_shutdown" => "the app was shut down (what it held was stored)",
            "process_restart" => "the app stopped unexpectedly (found running at the next start)",
            "source_error" => $"the server connection failed: {detail}",
            "monitor_open_failed" => $"MONITOR could not be started: {detail}",
            "storage_error" => $"storing lines failed: {detail}",
            "watchdog" => "stopped by the safety watchdog: " + Watchdog(detail),
            _ => reason,
        };
    }

    private static (string Code, string Detail) Split(string reason)
    {
        var colon = reason.IndexOf(':');
        return colon < 0 ? (reason, "") : (reason[..colon], reason[(colon + 1)..].Trim());
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
