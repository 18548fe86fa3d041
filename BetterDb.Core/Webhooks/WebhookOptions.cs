using System.Globalization;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Webhooks;

/// <summary><c>BetterDb:Webhooks</c>: how long an attempt may take and the pauses between attempts.</summary>
public sealed class WebhookOptions
{
    public const string Section = "BetterDb:Webhooks";

    /// <summary>One attempt's limit, connect to last byte of the answer.</summary>
    public int TimeoutMs { get; set; } = 10_000;

    /// <summary>
    /// The pauses before each retry, in milliseconds, comma-separated: one attempt plus one per pause. The default,
    /// 30 s, 2 min, 5 min, 15 min, 40 min, is six attempts over about an hour.
    /// </summary>
    public string RetryDelaysMs { get; set; } = "30000,120000,300000,900000,2400000";

    /// <summary>Hangfire workers of the webhook queue: deliveries to a hanging endpoint hold at most this many.</summary>
    public int Workers { get; set; } = 20;

    public TimeSpan Timeout => TimeSpan.FromMilliseconds(TimeoutMs);

    public IReadOnlyList<TimeSpan> RetryDelays => ParseDelays(RetryDelaysMs) ?? [];

    public int MaxAttempts => RetryDelays.Count + 1;

    internal static IReadOnlyList<TimeSpan>? ParseDelays(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var delays = new List<TimeSpan>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > 86_400_000) return null;
            delays.Add(TimeSpan.FromMilliseconds(ms));
        }
        return delays;
    }
}

internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions o)
    {
        var errors = new List<string>();
        if (o.TimeoutMs is < 100 or > 300_000)
            errors.Add($"{WebhookOptions.Section}:TimeoutMs must be from 100 to 300000 (milliseconds); it is {o.TimeoutMs}.");
        if (WebhookOptions.ParseDelays(o.RetryDelaysMs) is not { } delays || delays.Count > 20)
            errors.Add($"{WebhookOptions.Section}:RetryDelaysMs must be at most 20 comma-separated whole numbers of milliseconds, each at most 86400000; it is '{o.RetryDelaysMs}'.");
        if (o.Workers is < 1 or > 100)
            errors.Add($"{WebhookOptions.Section}:Workers must be from 1 to 100; it is {o.Workers}.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
