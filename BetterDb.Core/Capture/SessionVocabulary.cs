using BetterDb.Core.Configuration;

namespace BetterDb.Core.Capture;

/// <summary>The status words (<see cref="CaptureStatus"/>'s, the one list of them), for lists of words such as a URL's filter.</summary>
public static class SessionStatus
{
    public static readonly string[] All = [.. WireName<CaptureStatus>.All];
}

/// <summary>
/// The kinds a termination reason starts with: <c>duration_cap</c>, or a kind, a colon and free text
/// (<c>watchdog: omem 41943040 &gt; 33554432</c>). The one list of them: <see cref="CaptureEnd"/> writes them and the UI
/// reads them.
/// </summary>
public static class EndReasonKind
{
    public const string DurationCap = "duration_cap";
    public const string ManualStop = "manual_stop";
    public const string SourceEnded = "source_ended";
    public const string ByteCap = "byte_cap";
    public const string LineCap = "line_cap";
    public const string AppShutdown = "app_shutdown";
    public const string ProcessRestart = "process_restart";
    public const string SourceError = "source_error";
    public const string MonitorOpenFailed = "monitor_open_failed";
    public const string StorageError = "storage_error";
    public const string Watchdog = "watchdog";

    /// <summary>A reason's kind and its free text: <c>("watchdog", "omem 41943040 &gt; 33554432")</c>; the text is "" when there is none.</summary>
    public static (string Kind, string Detail) Split(string reason)
    {
        var colon = reason.IndexOf(':');
        return colon < 0 ? (reason, "") : (reason[..colon], reason[(colon + 1)..].Trim());
    }

    public static string KindOf(string reason) => Split(reason).Kind;

    /// <summary>A reason of a kind with its free text: <c>source_error: connection reset</c>.</summary>
    public static string With(string kind, string detail) => kind + ": " + detail;
}

/// <summary>Why a session ended, and the status that reason implies.</summary>
public sealed record CaptureEnd(CaptureStatus Status, string Reason)
{
    public static readonly CaptureEnd DurationCap = new(CaptureStatus.Completed, EndReasonKind.DurationCap);
    public static readonly CaptureEnd ManualStop = new(CaptureStatus.Completed, EndReasonKind.ManualStop);
    public static readonly CaptureEnd SourceEnded = new(CaptureStatus.Completed, EndReasonKind.SourceEnded);
    public static readonly CaptureEnd ByteCap = new(CaptureStatus.Truncated, EndReasonKind.ByteCap);
    public static readonly CaptureEnd LineCap = new(CaptureStatus.Truncated, EndReasonKind.LineCap);
    public static readonly CaptureEnd AppShutdown = new(CaptureStatus.Interrupted, EndReasonKind.AppShutdown);
    public static readonly CaptureEnd ProcessRestart = new(CaptureStatus.Interrupted, EndReasonKind.ProcessRestart);

    public static CaptureEnd SourceError(string message) => new(CaptureStatus.Failed, EndReasonKind.With(EndReasonKind.SourceError, message));
    public static CaptureEnd MonitorOpenFailed(string message) => new(CaptureStatus.Failed, EndReasonKind.With(EndReasonKind.MonitorOpenFailed, message));
    public static CaptureEnd StorageError(string message) => new(CaptureStatus.Failed, EndReasonKind.With(EndReasonKind.StorageError, message));
}
