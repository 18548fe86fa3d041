using BetterDb.Core.Preflight;

namespace BetterDb.Tests.Preflight;

public sealed class ProviderDetectorTests
{
    [Theory]
    [InlineData("my-cluster.abc123.ng.0001.use1.cache.amazonaws.com", "aws_elasticache")]
    [InlineData("my-cache-abc123.serverless.use1.cache.amazonaws.com", "aws_elasticache_serverless")] // with the region label
    [InlineData("serverless-app.abc123.ng.0001.use1.cache.amazonaws.com", "aws_elasticache")] // "serverless" in a name is not the label
    [InlineData("my-cache.serverless.cache.amazonaws.com", "aws_elasticache_serverless")]
    [InlineData("MY-CACHE.SERVERLESS.CACHE.AMAZONAWS.COM.", "aws_elasticache_serverless")]
    [InlineData("eu1-happy-cat-12345.upstash.io", "upstash")]
    [InlineData("redis-12345.c1.us-east-1-2.ec2.redislabs.com", "redis_cloud")]
    [InlineData("redis-12345.c1.us-east-1-2.ec2.redns.redis-cloud.com", "redis_cloud")]
    [InlineData("redis-12345.internal.c1.us-central1-mz.gcp.cloud.rlrcp.com", "redis_cloud")]
    [InlineData("10-0-0-3.abc.memorystore.googleapis.com", "gcp_memorystore")]
    [InlineData("contoso.redis.cache.windows.net", "azure_cache")]
    [InlineData("Contoso.Redis.Cache.Windows.Net.", "azure_cache")]
    public void Host_suffix_names_the_provider(string host, string expected)
    {
        var p = ProviderDetector.Detect(host, null);
        Assert.Equal(expected, p.Id);
        Assert.Equal("host", p.DetectedBy);
        Assert.True(p.Managed);
        Assert.NotEmpty(p.Restrictions);
    }

    [Fact]
    public void The_more_specific_suffix_wins_whatever_the_order_of_the_list()
    {
        Assert.Equal("AWS ElastiCache Serverless", ProviderDetector.Detect("x.serverless.cache.amazonaws.com", null).Name);
        Assert.Equal("AWS ElastiCache", ProviderDetector.Detect("x.cache.amazonaws.com", null).Name);
    }

    [Theory]
    [InlineData("cache.amazonaws.com.evil.example")] // suffix must end the name
    [InlineData("notupstash.io")]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Look_alike_hosts_are_self_hosted(string host)
    {
        var p = ProviderDetector.Detect(host, new Dictionary<string, string> { ["os"] = "Linux 6.1.0 x86_64", ["redis_build_id"] = "ae4d7c971a948f0" });
        Assert.Equal(ProviderDetector.SelfHostedId, p.Id);
        Assert.Equal("self-hosted", p.Name);
        Assert.False(p.Managed);
        Assert.Empty(p.Restrictions);
        Assert.Equal("none", p.DetectedBy);
    }

    [Fact]
    public void Info_fields_identify_a_provider_behind_a_custom_host_name()
    {
        var p = ProviderDetector.Detect("redis.internal.example.com", new Dictionary<string, string> { ["os"] = "Amazon ElastiCache" });
        Assert.Equal("aws_elasticache", p.Id);
        Assert.Equal("info", p.DetectedBy);
    }

    [Fact]
    public void Host_suffix_takes_precedence_over_info_fields()
    {
        var p = ProviderDetector.Detect("x.upstash.io", new Dictionary<string, string> { ["os"] = "Amazon ElastiCache" });
        Assert.Equal("upstash", p.Id);
    }

    [Fact]
    public void Managed_restrictions_are_advice_not_a_block()
    {
        foreach (var host in new[] { "a.cache.amazonaws.com", "a.serverless.cache.amazonaws.com", "a.upstash.io", "a.redislabs.com", "a.memorystore.googleapis.com", "a.redis.cache.windows.net" })
        {
            var p = ProviderDetector.Detect(host, null);
            Assert.Contains(p.Restrictions, r => r.Contains("may", StringComparison.OrdinalIgnoreCase));
        }
    }
}
