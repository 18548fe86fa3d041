using System.Globalization;

namespace BetterDb.Blazor.Ui;

/// <summary>How numbers, sizes and durations read in the UI: short, human, invariant (the app runs with invariant globalization).</summary>
public static class DisplayFormat
{
    private static readonly string[] ByteUnits = ["B", "KB", "MB", "GB", "TB"];

    /// <summary>1536 -> "1.5 KB". Binary multiples, as operators read Redis memory figures.</summary>
    public static string Bytes(long bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < ByteUnits.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        var format = value >= 100 ? "0" : value >= 10 ? "0.#" : "0.##";
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + ByteUnits[unit];
    }

    /// <summary>12345 -> "12,345".</summary>
    public static string Count(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>Plain integer text for machine-read counters (no separators).</summary>
    public static string Plain(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>"3 primaries, 3 replicas", with ", 1 node unhealthy" when any node is not online.</summary>
    public static string ClusterNodes(int primaries, int replicas, int unhealthy) =>
        $"{Counted(primaries, "primary", "primaries")}, {Counted(replicas, "replica", "replicas")}"
        + (unhealthy > 0 ? $", {Counted(unhealthy, "node", "nodes")} unhealthy" : "");

    /// <summary>"1 replica", "3 replicas".</summary>
    public static string Counted(long n, string one, string many) => $"{Count(n)} {(n == 1 ? one : many)}";

    /// <summary>"850 ms", "12.3 s", "4m 05s", "2h 03m".</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalSeconds < 1) return $"{(int)span.TotalMilliseconds} ms";
        if (span.TotalSeconds < 60) return span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        if (span.TotalHours < 1) return $"{(int)span.TotalMinutes}m {span.Seconds:00}s";
        return $"{(int)span.TotalHours}h {span.Minutes:00}m";
    }

    /// <summary>A requested duration cap in milliseconds: "30 s", "5 min", "2 h".</summary>
    public static string DurationCap(long ms)
    {
        if (ms % 3_600_000 == 0) return $"{ms / 3_600_000} h";
        if (ms % 60_000 == 0) return $"{ms / 60_000} min";
        if (ms % 1_000 == 0) return $"{ms / 1_000} s";
        return $"{ms} ms";
    }

    /// <summary>UTC -> "2026-11-30 09:23:13" in <paramref name="zone"/>.</summary>
    public static string DateTime(System.DateTime utc, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(System.DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
        return local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// MONITOR's timestamp text ("1732958593.123456", epoch seconds) -> "09:23:13.123456" in <paramref name="zone"/>.
    /// The fraction is copied from the text so the microseconds stay exact.
    /// </summary>
    public static string MonitorTime(string? tsRaw, TimeZoneInfo zone)
    {
        if (string.IsNullOrEmpty(tsRaw)) return "";
        var dot = tsRaw.IndexOf('.');
        var secondsText = dot < 0 ? tsRaw : tsRaw[..dot];
        if (!long.TryParse(secondsText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return tsRaw;
        var fraction = dot < 0 ? "" : tsRaw[(dot + 1)..];
        fraction = fraction.Length >= 6 ? fraction[..6] : fraction.PadRight(6, '0');
        var utc = System.DateTime.UnixEpoch.AddSeconds(seconds);
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        return local.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + "." + fraction;
    }
}
