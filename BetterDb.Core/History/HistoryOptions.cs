using Microsoft.Extensions.Options;

namespace BetterDb.Core.History;

/// <summary>
/// <c>BetterDb:History</c>: the background collectors that keep each connection's instance history (INFO samples,
/// SLOWLOG, COMMANDLOG, CLIENT LIST, ACL LOG) and how long it is kept. Every cadence is its own key.
/// </summary>
public sealed class HistoryOptions
{
    public const string Section = "BetterDb:History";

    /// <summary>Run the collectors at all (the session-boundary snapshots are taken either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often INFO is read; these samples are kept in memory for <see cref="RecentMinutes"/>.</summary>
    public int InfoIntervalMs { get; set; } = 1_000;

    /// <summary>How often an INFO sample is stored (one per slot of this length).</summary>
    public int InfoPersistIntervalMs { get; set; } = 10_000;

    /// <summary>How long the in-memory INFO samples reach back.</summary>
    public int RecentMinutes { get; set; } = 60;

    public int SlowlogIntervalMs { get; set; } = 10_000;
    public int CommandlogIntervalMs { get; set; } = 10_000;
    public int ClientListIntervalMs { get; set; } = 60_000;
    public int AclLogIntervalMs { get; set; } = 10_000;

    /// <summary>Entries asked for per SLOWLOG / COMMANDLOG / ACL LOG poll (more are asked for when a poll finds a gap).</summary>
    public int MaxEntriesPerPoll { get; set; } = 128;

    /// <summary>History older than this is deleted.</summary>
    public int RetentionDays { get; set; } = 7;

    /// <summary>How often old history is deleted.</summary>
    public int PruneIntervalMinutes { get; set; } = 60;

    /// <summary>A collector that cannot reach its server waits 1 s, then twice as long each time, up to this.</summary>
    public int MaxBackoffMs { get; set; } = 60_000;

    /// <summary>How long the collectors wait for a connection or an answer.</summary>
    public int CommandTimeoutMs { get; set; } = 5_000;

    public TimeSpan RetentionPeriod => TimeSpan.FromDays(RetentionDays);
}

/// <summary>Rejects bad values at start, naming the key and the value given.</summary>
public sealed class HistoryOptionsValidator : IValidateOptions<HistoryOptions>
{
    public ValidateOptionsResult Validate(string? name, HistoryOptions o)
    {
        var errors = new List<string>();
        void Range(string key, long value, long min, long max, string unit)
        {
            if (value < min || value > max)
                errors.Add($"{HistoryOptions.Section}:{key} must be between {min} and {max} {unit} (got {value}).");
        }
        Range(nameof(o.InfoIntervalMs), o.InfoIntervalMs, 100, 60_000, "milliseconds");
        Range(nameof(o.InfoPersistIntervalMs), o.InfoPersistIntervalMs, 1_000, 60_000, "milliseconds");
        if (o.InfoPersistIntervalMs < o.InfoIntervalMs && o.InfoIntervalMs is >= 100 and <= 60_000)
            errors.Add($"{HistoryOptions.Section}:InfoPersistIntervalMs ({o.InfoPersistIntervalMs}) must not be shorter than {HistoryOptions.Section}:InfoIntervalMs ({o.InfoIntervalMs}): a stored sample is one of the samples read.");
        Range(nameof(o.RecentMinutes), o.RecentMinutes, 1, 24 * 60, "minutes");
        Range(nameof(o.SlowlogIntervalMs), o.SlowlogIntervalMs, 100, 3_600_000, "milliseconds");
        Range(nameof(o.CommandlogIntervalMs), o.CommandlogIntervalMs, 100, 3_600_000, "milliseconds");
        Range(nameof(o.ClientListIntervalMs), o.ClientListIntervalMs, 100, 3_600_000, "milliseconds");
        Range(nameof(o.AclLogIntervalMs), o.AclLogIntervalMs, 100, 3_600_000, "milliseconds");
        Range(nameof(o.MaxEntriesPerPoll), o.MaxEntriesPerPoll, 1, 10_000, "entries");
        Range(nameof(o.RetentionDays), o.RetentionDays, 1, 365, "days");
        Range(nameof(o.PruneIntervalMinutes), o.PruneIntervalMinutes, 1, 24 * 60, "minutes");
        Range(nameof(o.MaxBackoffMs), o.MaxBackoffMs, 1_000, 3_600_000, "milliseconds");
        Range(nameof(o.CommandTimeoutMs), o.CommandTimeoutMs, 100, 60_000, "milliseconds");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
