namespace BetterDb.Core.Configuration;

/// <summary>
/// <c>BetterDb:Monitor:Watchdog</c>: the lines a running capture must not cross on the server it watches.
/// When one is crossed the capture ends <c>completed</c> with <c>watchdog: &lt;signal&gt; &lt;value&gt; &gt; &lt;limit&gt;</c>.
/// </summary>
public sealed class WatchdogOptions
{
    public const string Section = BetterDbOptions.Section + ":Monitor:Watchdog";

    public bool Enabled { get; set; } = true;

    /// <summary>Our MONITOR client's output buffer on the server (<c>omem</c> in <c>CLIENT LIST</c>).</summary>
    public long MaxOutputBufferBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary><c>used_memory / maxmemory</c>; null takes the health gate's <c>MemoryPctThreshold</c>. Ignored without maxmemory.</summary>
    public double? MaxMemoryFraction { get; set; }

    /// <summary>Round trip of a PING on the watchdog's own connection.</summary>
    public int MaxPingMs { get; set; } = 250;

    /// <summary>How often the signals are read (additive key).</summary>
    public int IntervalMs { get; set; } = 250;
}
