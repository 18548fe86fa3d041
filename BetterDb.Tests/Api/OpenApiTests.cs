using System.Text.Json;
using System.Text.RegularExpressions;
using BetterDb.Testing;

namespace BetterDb.Tests.Api;

/// <summary>
/// Issue 19 item 8: the OpenAPI document at <c>/openapi/v1.json</c> is generated from the endpoints, and every
/// route of API.md is in it. Routes of features not built yet are listed as such, and the test fails as soon as
/// one of them appears, so the list only ever shrinks.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed partial class OpenApiTests(RedisAppFixture fx)
{
    /// <summary>The routes of API.md (../shared/API.md), method and path.</summary>
    private static readonly string[] ApiMdRoutes =
    [
        "GET /api/connections", "POST /api/connections", "PUT /api/connections/{id}", "DELETE /api/connections/{id}",
        "POST /api/connections/{id}/test", "GET /api/connections/{id}/nodes",
        "POST /api/monitor/sessions/preflight", "POST /api/monitor/sessions", "GET /api/monitor/sessions",
        "GET /api/monitor/sessions/{id}", "POST /api/monitor/sessions/{id}/stop", "DELETE /api/monitor/sessions/{id}",
        "POST /api/monitor/sessions/import", "GET /api/monitor/sessions/{id}/lines", "GET /api/monitor/sessions/{id}/export",
        "GET /api/monitor/sessions/{id}/analysis", "GET /api/monitor/sessions/{id}/cross-reference", "GET /api/monitor/sessions/{id}/diff",
        "POST /api/monitor/triggers", "GET /api/monitor/triggers", "DELETE /api/monitor/triggers/{id}",
        "POST /api/monitor/schedules", "GET /api/monitor/schedules", "DELETE /api/monitor/schedules/{id}",
        "GET /api/monitor/schedules/{id}", "PUT /api/monitor/schedules/{id}", "POST /api/monitor/schedules/{id}/enable",
        "POST /api/monitor/schedules/{id}/disable", "POST /api/monitor/schedules/preview",
        "GET /api/anomalies",
        "GET /api/connections/{id}/history/info", "GET /api/connections/{id}/history/slowlog", "GET /api/connections/{id}/history/clients",
        "GET /api/connections/{id}/history/acl-log", "GET /api/connections/{id}/history/commandlog",
        "GET /api/connections/{id}/history/status", "GET /api/monitor/sessions/{id}/server-stats",
        "POST /api/monitor/sessions/{id}/replay", "GET /api/replays/{id}", "GET /api/replays", "POST /api/replays/{id}/cancel",
        "POST /api/auth/tokens", "GET /api/auth/tokens", "DELETE /api/auth/tokens/{id}",
        "POST /api/webhooks", "GET /api/webhooks", "PUT /api/webhooks/{id}", "DELETE /api/webhooks/{id}",
        "POST /api/webhooks/{id}/test", "GET /api/webhooks/{id}/deliveries", "GET /api/webhooks/{id}",
        "POST /api/webhooks/deliveries/{id}/redeliver",
        "GET /api/monitor/triggers/{id}", "GET /api/anomalies/{id}",
    ];

    /// <summary>Routes of features whose issues are still open (none now).</summary>
    private static readonly HashSet<string> NotBuiltYet = [];

    private async Task<HashSet<string>> DocumentedRoutesAsync()
    {
        using var doc = JsonDocument.Parse(await fx.Http.GetStringAsync("/openapi/v1.json"));
        var routes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in doc.RootElement.GetProperty("paths").EnumerateObject())
            foreach (var op in path.Value.EnumerateObject())
                routes.Add($"{op.Name.ToUpperInvariant()} {Placeholder().Replace(path.Name, "{id}")}");
        return routes;
    }

    [Fact]
    public async Task Every_route_of_API_md_is_in_the_OpenAPI_document()
    {
        var documented = await DocumentedRoutesAsync();
        var missing = ApiMdRoutes.Where(r => !NotBuiltYet.Contains(r) && !documented.Contains(r)).ToList();
        Assert.True(missing.Count == 0, "not in /openapi/v1.json: " + string.Join(", ", missing));
        var nowBuilt = NotBuiltYet.Where(documented.Contains).ToList();
        Assert.True(nowBuilt.Count == 0, "built now, take them off NotBuiltYet: " + string.Join(", ", nowBuilt));
    }

    [Fact]
    public void The_list_here_matches_API_md_where_it_is_at_hand()
    {
        // ../shared/API.md beside the repository, when this checkout has it.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BetterDb.sln"))) dir = dir.Parent;
        var apiMd = dir?.Parent is { } parent ? Path.Combine(parent.FullName, "shared", "API.md") : null;
        if (apiMd is null || !File.Exists(apiMd)) return;
        var text = File.ReadAllText(apiMd);
        foreach (Match m in Route().Matches(text))
            foreach (var method in m.Groups[1].Value.Split('/'))
                Assert.Contains($"{method} {Placeholder().Replace(m.Groups[2].Value, "{id}")}", ApiMdRoutes);
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"`((?:GET|POST|PUT|DELETE|PATCH)(?:/(?:GET|POST|PUT|DELETE|PATCH))*) (/api/[^ `?]+)")]
    private static partial Regex Route();
}
