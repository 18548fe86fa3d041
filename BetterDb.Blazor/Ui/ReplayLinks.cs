using BetterDb.Core.Lines;
using Microsoft.AspNetCore.WebUtilities;

namespace BetterDb.Blazor.Ui;

/// <summary>Where the replay pages are: one session's replays (with the filter a new replay starts from), one replay.</summary>
public static class ReplayLinks
{
    public const string List = "replays";

    public static string ForSession(string sessionId, LineFilter? filter = null)
    {
        var pairs = new List<KeyValuePair<string, string?>> { new("sessionId", sessionId) };
        if (filter is not null) pairs.AddRange(filter.ToQuery().Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
        return QueryHelpers.AddQueryString(List, pairs);
    }

    public static string Replay(string id) => $"replays/{Uri.EscapeDataString(id)}";
}
