using Microsoft.Extensions.Options;

namespace BetterDb.Core.Retention;

/// <summary><c>BetterDb:Retention</c>: what the retention job deletes, and when. A limit of 0 turns that rule off.</summary>
public sealed class RetentionOptions
{
    public const string Section = "BetterDb:Retention";

    /// <summary>Run the recurring job at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When it runs (5- or 6-field cron, UTC).</summary>
    public string Cron { get; set; } = "15 * * * *";

    /// <summary>Sessions that ended (imports: were imported) longer ago than this are deleted with their lines and analysis.</summary>
    public int SessionMaxAgeDays { get; set; } = 30;

    /// <summary>Above this many stored (compressed) bytes of lines in all, the oldest sessions go first until it fits.</summary>
    public long SessionMaxTotalBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Finished webhook deliveries (not pending) older than this are deleted.</summary>
    public int WebhookDeliveryMaxAgeDays { get; set; } = 30;

    /// <summary>After a prune, the database file is compacted when at least this many bytes of it are free pages.</summary>
    public long CompactAfterFreeBytes { get; set; } = 64L * 1024 * 1024;
}

public sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions o)
    {
        var errors = new List<string>();
        if (o.SessionMaxAgeDays is < 0 or > 36_500)
            errors.Add($"{RetentionOptions.Section}:SessionMaxAgeDays must be from 0 (keep forever) to 36500 days (got {o.SessionMaxAgeDays}).");
        if (o.SessionMaxTotalBytes < 0)
            errors.Add($"{RetentionOptions.Section}:SessionMaxTotalBytes must be 0 (no limit) or a positive number of bytes (got {o.SessionMaxTotalBytes}).");
        if (o.WebhookDeliveryMaxAgeDays is < 0 or > 36_500)
            errors.Add($"{RetentionOptions.Section}:WebhookDeliveryMaxAgeDays must be from 0 (keep forever) to 36500 days (got {o.WebhookDeliveryMaxAgeDays}).");
        if (o.CompactAfterFreeBytes < 0)
            errors.Add($"{RetentionOptions.Section}:CompactAfterFreeBytes must be 0 or more bytes (got {o.CompactAfterFreeBytes}).");
        try
        {
            Cronos.CronExpression.Parse(o.Cron, o.Cron.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? Cronos.CronFormat.IncludeSeconds : Cronos.CronFormat.Standard);
        }
        catch (Exception ex) when (ex is Cronos.CronFormatException or ArgumentException)
        {
            errors.Add($"{RetentionOptions.Section}:Cron '{o.Cron}' is not a 5- or 6-field cron expression: {ex.Message}");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
