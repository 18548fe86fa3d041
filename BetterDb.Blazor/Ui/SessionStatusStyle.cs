using BetterDb.Core.Capture;
using MudBlazor;

namespace BetterDb.Blazor.Ui;

/// <summary>One colour and icon per session status, used everywhere a status is shown.</summary>
public static class SessionStatusStyle
{
    public static Color ColorOf(string status) => status switch
    {
        SessionStatus.Running => Color.Info,
        SessionStatus.Completed => Color.Success,
        SessionStatus.Truncated => Color.Warning,
        SessionStatus.Failed => Color.Error,
        SessionStatus.Skipped => Color.Default,
        SessionStatus.Interrupted => Color.Secondary,
        _ => Color.Dark,
    };

    public static string IconOf(string status) => status switch
    {
        SessionStatus.Running => Icons.Material.Filled.FiberManualRecord,
        SessionStatus.Completed => Icons.Material.Filled.CheckCircle,
        SessionStatus.Truncated => Icons.Material.Filled.ContentCut,
        SessionStatus.Failed => Icons.Material.Filled.Error,
        SessionStatus.Skipped => Icons.Material.Filled.SkipNext,
        SessionStatus.Interrupted => Icons.Material.Filled.PauseCircle,
        _ => Icons.Material.Filled.Help,
    };
}
