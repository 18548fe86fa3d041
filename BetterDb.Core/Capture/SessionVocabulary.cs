using BetterDb.Core.Configuration;

namespace BetterDb.Core.Capture;

/// <summary>Session statuses as the API spells them.</summary>
public static class SessionStatus
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Truncated = "truncated";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    public const string Interrupted = "interrupted";

    /// <summary>Every status, in <see cref="CaptureStatus"/>'s order (the one list of them).</summary>
    public static readonly string[] All = [.. WireName<CaptureStatus>.All];
}

public static class SessionSource
{
    public const string Manual = "manual";
    public const string Trigger = "trigger";
    public const string Schedule = "schedule";
    public const string Import = "import";

    /// <summary>Every source, in <see cref="CaptureSource"/>'s order (the one list of them).</summary>
    public static readonly string[] All = [.. WireName<CaptureSource>.All];
}

/// <summary>Why a session ended, and the status that reason implies.</summary>
public sealed record CaptureEnd(string Status, string Reason)
{
    public static readonly CaptureEnd DurationCap = new(SessionStatus.Completed, "duration_cap");
    public static readonly CaptureEnd ManualStop = new(SessionStatus.Completed, "manual_stop");
    public static readonly CaptureEnd SourceEnded = new(SessionStatus.Completed, "source_ended");
    public static readonly CaptureEnd ByteCap = new(SessionStatus.Truncated, "byte_cap");
    public static readonly CaptureEnd LineCap = new(SessionStatus.Truncated, "line_cap");
    public static readonly CaptureEnd AppShutdown = new(SessionStatus.Interrupted, "app_shutdown");
    public static readonly CaptureEnd ProcessRestart = new(SessionStatus.Interrupted, "process_restart");

    public static CaptureEnd SourceError(string message) => new(SessionStatus.Failed, "source_error: " + message);
    public static CaptureEnd MonitorOpenFailed(string message) => new(SessionStatus.Failed, "monitor_open_failed: " + message);
    public static CaptureEnd StorageError(string message) => new(SessionStatus.Failed, "storage_error: " + message);
}
