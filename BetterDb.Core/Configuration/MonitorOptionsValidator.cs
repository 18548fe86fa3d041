using System.Globalization;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Configuration;

/// <summary>Rejects bad values of the <c>BetterDb:Monitor</c> section (limits and watchdog) at start, naming the key.</summary>
public sealed class MonitorOptionsValidator : IValidateOptions<BetterDbOptions>
{
    public ValidateOptionsResult Validate(string? name, BetterDbOptions options)
    {
        var o = options.Monitor.Watchdog;
        var errors = new List<string>();
        if (options.Monitor.MaxLineBytes is < 1024 or > 1 << 30)
            errors.Add($"{BetterDbOptions.Section}:Monitor:MaxLineBytes must be between 1024 and 1073741824 bytes (got {options.Monitor.MaxLineBytes}).");
        if (options.Monitor.FlushIntervalMs is < 50 or > 60_000)
            errors.Add($"{BetterDbOptions.Section}:Monitor:FlushIntervalMs must be between 50 and 60000 milliseconds (got {options.Monitor.FlushIntervalMs}).");
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
