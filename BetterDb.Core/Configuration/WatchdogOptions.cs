using System.Globalization;
using Microsoft.Extensions.Options;

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

/// <summary>Rejects bad watchdog values at start, naming the key.</summary>
public sealed class WatchdogOptionsValidator : IValidateOptions<BetterDbOptions>
{
    public ValidateOptionsResult Validate(string? name, BetterDbOptions options)
    {
        var o = options.Monitor.Watchdog;
        var errors = new List<string>();
        if (o.MaxOutputBufferBytes <= 0)
            errors.Add($"{WatchdogOptions.Section}:MaxOutputBufferBytes must be a positive number of bytes (got {o.MaxOutputBufferBytes}).");
        // Written so NaN fails too.
        if (o.MaxMemoryFraction is { } f && !(f > 0 && f <= 1))
            errors.Add($"{WatchdogOptions.Section}:MaxMemoryFraction must be a fraction between 0 and 1 (got {f.ToString(CultureInfo.InvariantCulture)}).");
        if (o.MaxPingMs is <= 0 or > 60_000)
            errors.Add($"{WatchdogOptions.Section}:MaxPingMs must be between 1 and 60000 milliseconds (got {o.MaxPingMs}).");
        if (o.IntervalMs is < 50 or > 60_000)
            errors.Add($"{WatchdogOptions.Section}:IntervalMs must be between 50 and 60000 milliseconds (got {o.IntervalMs}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
