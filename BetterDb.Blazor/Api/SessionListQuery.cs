using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;

namespace BetterDb.Blazor.Api;

/// <summary>The words of the sessions list's query string (<c>source</c>, <c>sort</c>), shared by the API and the Monitor page's URL.</summary>
public static class SessionListQuery
{
    public static readonly string[] Sources = [.. WireName<CaptureSource>.All];

    public static readonly string[] SortNames = [.. WireName<SessionSort>.All];

    /// <summary>null or "" is <see cref="SessionSort.Newest"/>; an unknown word is false.</summary>
    public static bool TryParseSort(string? text, out SessionSort sort)
    {
        sort = SessionSort.Newest;
        return string.IsNullOrEmpty(text) || WireName<SessionSort>.TryParse(text, out sort);
    }

    public static string SortName(SessionSort sort) => WireName<SessionSort>.Of(sort);
}
