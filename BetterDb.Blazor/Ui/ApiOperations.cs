using System.Text.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace BetterDb.Blazor.Ui;

/// <summary>One operation of the OpenAPI document: method, path and what it says about itself.</summary>
public sealed record ApiOperation(string Method, string Path, string? Summary, string? Description, string? OperationId);

/// <summary>The operations under one tag (or, untagged, under the first part of the path after <c>/api</c>).</summary>
public sealed record ApiOperationGroup(string Name, IReadOnlyList<ApiOperation> Operations);

/// <summary>
/// The HTTP API's operations for the <c>/api-docs</c> page, read from the same OpenAPI generator that serves
/// <c>/openapi/v1.json</c> (in-process: no HTTP call back to ourselves), so the page shows exactly that document.
/// </summary>
public sealed class ApiOperations(IServiceProvider services)
{
    public const string DocumentName = "v1";
    public const string DocumentUrl = "/openapi/v1.json";

    private static readonly string[] MethodOrder = ["get", "post", "put", "patch", "delete", "head", "options", "trace"];

    /// <summary>The document as JSON, as <c>/openapi/v1.json</c> serves it; null when no generator is registered.</summary>
    public async Task<string?> DocumentJsonAsync(CancellationToken ct = default)
    {
        if (services.GetKeyedService<IOpenApiDocumentProvider>(DocumentName) is not { } provider) return null;
        var document = await provider.GetOpenApiDocumentAsync(ct);
        using var text = new StringWriter();
        document.SerializeAsV31(new OpenApiJsonWriter(text));
        return text.ToString();
    }

    /// <summary>Every operation of an OpenAPI JSON document, grouped by tag (groups and paths in alphabetical order).</summary>
    public static IReadOnlyList<ApiOperationGroup> Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var groups = new SortedDictionary<string, List<ApiOperation>>(StringComparer.OrdinalIgnoreCase);
        if (!doc.RootElement.TryGetProperty("paths", out var paths)) return [];
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                if (!MethodOrder.Contains(op.Name.ToLowerInvariant()) || op.Value.ValueKind != JsonValueKind.Object) continue;
                var tag = op.Value.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array && tags.GetArrayLength() > 0
                    ? tags[0].GetString()
                    : null;
                var group = string.IsNullOrWhiteSpace(tag) ? GroupOfPath(path.Name) : tag!;
                if (!groups.TryGetValue(group, out var list)) groups[group] = list = [];
                list.Add(new ApiOperation(op.Name.ToUpperInvariant(), path.Name, Text(op.Value, "summary"), Text(op.Value, "description"), Text(op.Value, "operationId")));
            }
        }
        return groups.Select(g => new ApiOperationGroup(g.Key, g.Value
                .OrderBy(o => o.Path, StringComparer.Ordinal)
                .ThenBy(o => Array.IndexOf(MethodOrder, o.Method.ToLowerInvariant()))
                .ToList()))
            .ToList();
    }

    private static string? Text(JsonElement op, string name) =>
        op.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()) ? v.GetString() : null;

    private static string GroupOfPath(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && parts[0] == "api" ? parts[1] : parts.FirstOrDefault() ?? "/";
    }
}
