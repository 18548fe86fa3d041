using BetterDb.Core.Configuration;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Configuration;

/// <summary>
/// The <c>BetterDb:HealthGate</c> section: when the server is too stressed for MONITOR.
/// The gate decides for automated captures; for manual ones it is shown as a warning.
/// </summary>
public sealed class HealthGateOptions
{
    public const string Section = "BetterDb:HealthGate";

    /// <summary>Fraction (0, 1] of <c>maxmemory</c> (or of system memory when no limit is set) at which the gate closes.</summary>
    public double MemoryPctThreshold { get; set; } = 0.85;

    /// <summary>Replication lag in bytes at which the gate closes.</summary>
    public long ReplicationLagBytes { get; set; } = 10_485_760;

    /// <summary>How far back an OOM rejection still counts as "recent".</summary>
    public long RecentOomWindowMs { get; set; } = 300_000;

    /// <summary>How far back a role change still counts as a failover in progress.</summary>
    public long RecentFailoverWindowMs { get; set; } = 120_000;
}

/// <summary>Rejects bad values at start, naming the configuration key and the value given.</summary>
public sealed class HealthGateOptionsValidator : IValidateOptions<HealthGateOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthGateOptions o)
    {
        var errors = new List<string>();
        // Written so NaN fails too.
        if (!(o.MemoryPctThreshold > 0 && o.MemoryPctThreshold <= 1))
            errors.Add($"{HealthGateOptions.Section}:MemoryPctThreshold must be a fraction between 0 and 1 (got {Show(o.MemoryPctThreshold)}).");
        if (o.ReplicationLagBytes <= 0)
            errors.Add($"{HealthGateOptions.Section}:ReplicationLagBytes must be a positive number of bytes (got {o.ReplicationLagBytes}).");
        if (o.RecentOomWindowMs <= 0)
            errors.Add($"{HealthGateOptions.Section}:RecentOomWindowMs must be a positive number of milliseconds (got {o.RecentOomWindowMs}).");
        if (o.RecentFailoverWindowMs <= 0)
            errors.Add($"{HealthGateOptions.Section}:RecentFailoverWindowMs must be a positive number of milliseconds (got {o.RecentFailoverWindowMs}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
