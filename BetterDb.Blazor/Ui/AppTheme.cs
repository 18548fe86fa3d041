using MudBlazor;

namespace BetterDb.Blazor.Ui;

/// <summary>
/// The app's palette: calm neutrals, one steel-blue accent, and the status colours
/// (info, success, warning, error, default, secondary = purple for "interrupted")
/// kept distinct in both light and dark. System fonts only: there is no font download.
/// </summary>
public static class AppTheme
{
    public static readonly string[] SansFonts = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Ubuntu", "Cantarell", "Noto Sans", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Create() => new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#2f5d8a",
            Secondary = "#7e57c2",
            Info = "#1e88e5",
            Success = "#2e7d32",
            Warning = "#ed8c00",
            Error = "#d32f2f",
            AppbarBackground = "#1f2a37",
            AppbarText = "#f3f4f6",
            Background = "#f6f7f9",
            DrawerBackground = "#ffffff",
            TextPrimary = "#1f2933",
            TextSecondary = "#52606d",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#7fb0e0",
            Secondary = "#b39ddb",
            Info = "#64b5f6",
            Success = "#66bb6a",
            Warning = "#ffb74d",
            Error = "#ef5350",
            AppbarBackground = "#171a20",
            AppbarText = "#e5e7eb",
            Background = "#111317",
            Surface = "#1a1d23",
            DrawerBackground = "#15181d",
            TextPrimary = "#e5e7eb",
            TextSecondary = "#9aa5b1",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = SansFonts },
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "210px" },
    };
}
