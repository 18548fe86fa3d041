using BetterDb.Core.Capture;
using MudBlazor;

namespace BetterDb.Blazor.Ui;

/// <summary>One colour and icon per session status, used everywhere a status is shown.</summary>
public static class SessionStatusStyle
{
    public static Color ColorOf(CaptureStatus status) => status switch
    {
        CaptureStatus.Running => Color.Info,
        CaptureStatus.Completed => Color.Success,
        CaptureStatus.Truncated => Color.Warning,
        CaptureStatus.Failed => Color.Error,
        CaptureStatus.Skipped => Color.Default,
        CaptureStatus.Interrupted => Color.Secondary,
        _ => Color.Dark,
    };

    public static string IconOf(CaptureStatus status) => status switch
    {
        CaptureStatus.Running => Icons.Material.Filled.FiberManualRecord,
        CaptureStatus.Completed => Icons.Material.Filled.CheckCircle,
        CaptureStatus.Truncated => Icons.Material.Filled.ContentCut,
        CaptureStatus.Failed => Icons.Material.Filled.Error,
        CaptureStatus.Skipped => Icons.Material.Filled.SkipNext,
        CaptureStatus.Interrupted => Icons.Material.Filled.PauseCircle,
        _ => Icons.Material.Filled.Help,
    };
}
