namespace BetterDb.Blazor.Components.Preflight;

/// <summary>The rule for long manual captures: over five minutes needs an explicit second confirmation.</summary>
public static class LongCaptureConfirmation
{
    public const long ThresholdMs = 5 * 60 * 1000;

    public const string Message = "Sessions over 5 minutes can produce significant load. Confirm to proceed.";

    public static bool IsRequired(long durationMs) => durationMs > ThresholdMs;

    public static bool CanStart(long durationMs, bool confirmed) => !IsRequired(durationMs) || confirmed;
}
