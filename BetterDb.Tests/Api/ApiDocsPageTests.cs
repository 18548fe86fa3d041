using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using BetterDb.Blazor.Ui;
using BetterDb.Testing;

namespace BetterDb.Tests.Api;

/// <summary>Issue 19 item 8: the <c>/api-docs</c> page lists exactly the operations of <c>/openapi/v1.json</c>, grouped, with a link to the raw JSON.</summary>
[Collection(ApiCollection.Name)]
public sealed partial class ApiDocsPageTests(RedisAppFixture fx)
{
    [Fact]
    public async Task The_page_lists_every_operation_of_the_served_document_and_links_the_raw_json()
    {
        using var doc = JsonDocument.Parse(await fx.Http.GetStringAsync("/openapi/v1.json"));
        var served = new HashSet<string>();
        foreach (var path in doc.RootElement.GetProperty("paths").EnumerateObject())
            foreach (var op in path.Value.EnumerateObject())
                served.Add($"{op.Name.ToUpperInvariant()} {path.Name}");
        Assert.Contains("POST /api/monitor/sessions", served);

        // The prerendered page: the same generator, in-process.
        using var response = await fx.Http.GetAsync("/api-docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var listed = Operation().Matches(html).Select(m => $"{m.Groups[1].Value} {WebUtility.HtmlDecode(m.Groups[2].Value)}").ToList();
        Assert.Equal(served.Order(), listed.Order());
        Assert.Equal(listed.Count, listed.Distinct().Count());
        Assert.Contains("href=\"/openapi/v1.json\"", html);
        Assert.Contains($"{served.Count} operations in", html);
        Assert.Contains("data-testid=\"nav-api-docs\"", html);
        Assert.Matches("data-testid=\"api-group\" data-group=\"[^\"]+\"", html);
    }

    [Fact]
    public void Operations_are_grouped_by_tag_or_else_by_the_first_part_of_the_path()
    {
        const string json = """
            {"openapi":"3.1.1","paths":{
              "/api/monitor/sessions":{"get":{"tags":["Sessions"],"summary":"List sessions"},"post":{"tags":["Sessions"],"operationId":"start"},"parameters":[]},
              "/api/connections/{id}":{"delete":{"description":"Remove"},"get":{}},
              "/healthz":{"get":{"tags":["Operations"]}}}}
            """;
        var groups = ApiOperations.Parse(json);
        Assert.Equal(["connections", "Operations", "Sessions"], groups.Select(g => g.Name));
        Assert.Equal(["GET", "DELETE"], groups[0].Operations.Select(o => o.Method));
        Assert.Equal("Remove", groups[0].Operations[1].Description);
        var sessions = groups[2].Operations;
        Assert.Equal([("GET", "List sessions"), ("POST", (string?)null)], sessions.Select(o => (o.Method, o.Summary)));
        Assert.Equal("start", sessions[1].OperationId);
    }

    [GeneratedRegex("data-testid=\"api-operation\" data-method=\"([A-Z]+)\" data-path=\"([^\"]+)\"")]
    private static partial Regex Operation();
}
