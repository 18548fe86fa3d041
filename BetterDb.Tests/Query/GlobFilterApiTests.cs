using System.Net;
using System.Text.Json.Nodes;
using BetterDb.Testing;
using static BetterDb.Tests.Query.ImportHelpers;

namespace BetterDb.Tests.Query;

/// <summary>
/// The key filter over HTTP: a hostile pattern is refused by length (issue 9, item 8), and a pattern Redis reads in an
/// unusual way is matched exactly as Redis would, with a warning that says how (issue 12, item 10).
/// </summary>
[Collection(QueryAppCollection.Name)]
public sealed class GlobFilterApiTests(QueryAppFixture fx)
{
    private async Task<string> SessionAsync()
    {
        var session = await ImportAsync(fx.Http, Utf8(
            "1700000000.000001 [0 127.0.0.1:1] \"SET\" \"user:[\" \"v\"\n" +
            "1700000000.000002 [0 127.0.0.1:1] \"SET\" \"user:a\" \"v\"\n" +
            "1700000000.000003 [0 127.0.0.1:1] \"SET\" \"user:\\\\\" \"v\"\n"));
        return (string)session["id"]!;
    }

    [Fact]
    public async Task A_pattern_longer_than_512_characters_is_400_naming_key()
    {
        var id = await SessionAsync();
        var hostile = Uri.EscapeDataString(string.Concat(Enumerable.Repeat("*a", 2048)));
        foreach (var url in new[] { $"/api/monitor/sessions/{id}/lines?key={hostile}", $"/api/monitor/sessions/{id}/export?format=txt&key={hostile}",
                     $"/api/monitor/sessions/{id}/analysis?key={hostile}" })
        {
            using var response = await fx.Http.GetAsync(url);
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, "key");
            Assert.Contains("512", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]);
        }
        using var longest = await fx.Http.GetAsync($"/api/monitor/sessions/{id}/lines?key={Uri.EscapeDataString(string.Concat(Enumerable.Repeat("*a", 256)))}");
        await BetterDbApi.ExpectAsync(longest, HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("user:[", 0)]        // Redis: an empty class, never closed: matches no key
    [InlineData("user:[abc", 1)]     // Redis: the class runs to the end of the pattern: user:a
    [InlineData("user:\\", 1)]       // Redis: a trailing backslash is a literal one: user:\
    public async Task An_unusual_pattern_matches_as_redis_reads_it_and_says_so(string pattern, int expected)
    {
        var id = await SessionAsync();
        var page = await GetJsonAsync(fx.Http, $"/api/monitor/sessions/{id}/lines?key={Uri.EscapeDataString(pattern)}");
        Assert.Equal(expected, page["lines"]!.AsArray().Count);
        var warning = Assert.Single(page["warnings"]!.AsArray())!;
        Assert.Equal("key", (string?)warning["field"]);
        Assert.Contains("Redis", (string?)warning["detail"]);

        using var export = await fx.Http.GetAsync($"/api/monitor/sessions/{id}/export?format=txt&key={Uri.EscapeDataString(pattern)}");
        await BetterDbApi.ExpectAsync(export, HttpStatusCode.OK);
        Assert.StartsWith("key: ", Assert.Single(export.Headers.GetValues("X-BetterDb-Warning")));

        var analysis = await GetJsonAsync(fx.Http, $"/api/monitor/sessions/{id}/analysis?key={Uri.EscapeDataString(pattern)}");
        Assert.Equal("key", (string?)Assert.Single(analysis["warnings"]!.AsArray())!["field"]);
    }

    [Fact]
    public async Task An_ordinary_pattern_has_no_warnings()
    {
        var id = await SessionAsync();
        var page = await GetJsonAsync(fx.Http, $"/api/monitor/sessions/{id}/lines?key=user:*");
        Assert.Equal(3, page["lines"]!.AsArray().Count);
        Assert.Empty(page["warnings"]!.AsArray());
        using var export = await fx.Http.GetAsync($"/api/monitor/sessions/{id}/export?format=txt&key=user:*");
        Assert.False(export.Headers.Contains("X-BetterDb-Warning"));
    }
}
