namespace BetterDb.Core.Preflight;

/// <summary>Where the server runs, as far as we can tell, and what that provider may restrict.</summary>
/// <param name="Id">stable machine name, e.g. <c>aws_elasticache_serverless</c>.</param>
/// <param name="Name">what the UI shows, e.g. <c>AWS ElastiCache Serverless</c>.</param>
/// <param name="Managed">a managed service: restrictions are advisory text, never a block.</param>
/// <param name="DetectedBy"><c>host</c> (host-name suffix), <c>info</c> (INFO server fields) or <c>none</c>.</param>
public sealed record ProviderInfo(string Id, string Name, bool Managed, string DetectedBy, IReadOnlyList<string> Restrictions);

/// <summary>
/// Recognises managed Redis/Valkey services: by host-name suffix first (the most
/// specific suffix wins), then by INFO server fields, else self-hosted.
/// </summary>
public static class ProviderDetector
{
    public const string SelfHostedId = "self_hosted";

    private sealed record Provider(string Id, string Name, string[] Restrictions);

    private static readonly Provider AwsElastiCache = new("aws_elasticache", "AWS ElastiCache",
    [
        "ElastiCache restricts some administrative commands (for example parts of CONFIG); MONITOR may be unavailable or limited on some engine versions.",
        "With ElastiCache RBAC, the user needs +monitor (or @admin / @dangerous) in its access string.",
        "MONITOR on a busy node can noticeably reduce its throughput; prefer a replica endpoint or a short duration.",
    ]);

    private static readonly Provider AwsElastiCacheServerless = new("aws_elasticache_serverless", "AWS ElastiCache Serverless",
    [
        "ElastiCache Serverless supports only a subset of commands; MONITOR may be disabled.",
        "Access is governed by ElastiCache RBAC user groups: the user needs +monitor in its access string.",
        "Serverless endpoints route across shards: a capture sees the traffic of the node it lands on, not necessarily all of it.",
    ]);

    private static readonly Provider Upstash = new("upstash", "Upstash",
    [
        "Upstash may disable or rate-limit MONITOR, and commands may count towards a request-based plan.",
        "Administrative commands such as CONFIG and parts of ACL may be restricted.",
    ]);

    private static readonly Provider RedisCloud = new("redis_cloud", "Redis Cloud",
    [
        "Redis Cloud restricts some administrative commands (CONFIG, parts of ACL); MONITOR may be limited.",
        "Access is governed by the database's data-access roles: the user needs +monitor (or @admin / @dangerous).",
        "A proxy sits in front of the shards: a capture may not see every shard's traffic.",
    ]);

    private static readonly Provider GcpMemorystore = new("gcp_memorystore", "GCP Memorystore",
    [
        "Memorystore blocks some administrative commands (CONFIG and others); MONITOR may be restricted.",
        "MONITOR on a busy instance can noticeably reduce its throughput; keep captures short.",
    ]);

    private static readonly Provider AzureCache = new("azure_cache", "Azure Cache for Redis",
    [
        "Azure Cache for Redis blocks some administrative commands (CONFIG and others); MONITOR may be restricted.",
        "Access policies (data-access configuration) may not grant MONITOR to the user.",
        "MONITOR on a busy cache can noticeably reduce its throughput; keep captures short.",
    ]);

    private static readonly Provider SelfHosted = new(SelfHostedId, "self-hosted", []);

    // Matched by longest suffix, so ".serverless.cache.amazonaws.com" beats ".cache.amazonaws.com".
    private static readonly (string Suffix, Provider Provider)[] Suffixes =
    [
        (".serverless.cache.amazonaws.com", AwsElastiCacheServerless),
        (".cache.amazonaws.com", AwsElastiCache),
        (".upstash.io", Upstash),
        (".redislabs.com", RedisCloud),
        (".redis-cloud.com", RedisCloud),
        (".gcp.cloud.rlrcp.com", RedisCloud),
        (".memorystore.googleapis.com", GcpMemorystore),
        (".redis.cache.windows.net", AzureCache),
    ];

    // Fragments looked for (case-insensitively) in INFO server's redis_build_id, os and server_name.
    private static readonly (string Fragment, Provider Provider)[] InfoFragments =
    [
        ("elasticache", AwsElastiCache),
        ("amazon", AwsElastiCache),
        ("upstash", Upstash),
        ("redislabs", RedisCloud),
        ("redis enterprise", RedisCloud),
        ("memorystore", GcpMemorystore),
        ("azure", AzureCache),
    ];

    private static readonly string[] InfoFields = ["os", "server_name", "redis_build_id"];

    /// <param name="host">the connection's host name (case and a trailing dot do not matter).</param>
    /// <param name="infoServer">INFO fields (the server section is enough); null when unknown.</param>
    public static ProviderInfo Detect(string? host, IReadOnlyDictionary<string, string>? infoServer)
    {
        var byHost = MatchHost(host);
        if (byHost is not null) return ToInfo(byHost, "host");
        if (infoServer is not null)
        {
            foreach (var field in InfoFields)
            {
                if (!infoServer.TryGetValue(field, out var value) || string.IsNullOrEmpty(value)) continue;
                foreach (var (fragment, provider) in InfoFragments)
                    if (value.Contains(fragment, StringComparison.OrdinalIgnoreCase)) return ToInfo(provider, "info");
            }
        }
        return ToInfo(SelfHosted, "none");
    }

    private static Provider? MatchHost(string? host)
    {
        if (string.IsNullOrWhiteSpace(host)) return null;
        var h = host.Trim().TrimEnd('.').ToLowerInvariant();
        Provider? best = null;
        var bestLength = 0;
        foreach (var (suffix, provider) in Suffixes)
        {
            var matches = h.EndsWith(suffix, StringComparison.Ordinal) || h == suffix[1..];
            if (matches && suffix.Length > bestLength)
            {
                best = provider;
                bestLength = suffix.Length;
            }
        }
        // Real serverless endpoints put a region label in between: <name>.serverless.use1.cache.amazonaws.com.
        if (best == AwsElastiCache)
        {
            var labels = h.Split('.');
            if (labels.Length >= 6 && labels[^5] == "serverless") best = AwsElastiCacheServerless;
        }
        return best;
    }

    private static ProviderInfo ToInfo(Provider p, string detectedBy) =>
        new(p.Id, p.Name, p.Id != SelfHostedId, detectedBy, p.Restrictions);
}
