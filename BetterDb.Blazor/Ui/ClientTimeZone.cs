namespace BetterDb.Blazor.Ui;

/// <summary>
/// Times are shown in the browser's time zone, not the server's. The layout asks the
/// browser once per circuit and cascades the <see cref="TimeZoneInfo"/>; until then
/// (and in prerendering) the server's zone stands in.
/// </summary>
public static class ClientTimeZone
{
    public static TimeZoneInfo Resolve(string? ianaId)
    {
        if (string.IsNullOrWhiteSpace(ianaId)) return TimeZoneInfo.Local;
        try { return TimeZoneInfo.FindSystemTimeZoneById(ianaId); }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException) { return TimeZoneInfo.Local; }
    }
}
