using BetterDb.Core.Connections;
using BetterDb.Testing;
using BetterDb.Tests.Query;

namespace BetterDb.Tests.Connections;

/// <summary>Issue 11 item 3: the one command client reads RESP2 and RESP3 replies alike, against a real server.</summary>
[Collection(QueryRedisCollection.Name)]
public sealed class RespProtocolTests(RedisFixture fx)
{
    private ConnectionProfile Profile => new() { Id = "resp", Name = "resp", Host = "127.0.0.1", Port = fx.Server.Port };

    [Fact]
    public async Task Replies_read_the_same_under_RESP2_and_RESP3()
    {
        await using var client = await RedisCommandClient.OpenAsync(Profile, "resp-test", TimeSpan.FromSeconds(5));
        var key = "resp3:" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(":", (await client.SendAsync(default, "ZADD", key, "1.5", "m")).Type.ToString());

        var resp2 = await ReadAllAsync(client, key);
        var hello = await client.SendAsync(default, "HELLO", "3");
        // HELLO's map comes as a flat key/value array.
        Assert.Equal('*', hello.Type);
        var fields = hello.Items!.Select(i => i.Text ?? i.Integer.ToString()).ToList();
        Assert.Equal("3", fields[fields.IndexOf("proto") + 1]);
        var resp3 = await ReadAllAsync(client, key);
        Assert.Equal(resp2, resp3);
        await client.SendAsync(default, "DEL", key);
    }

    /// <summary>A map (CONFIG GET), a double (ZSCORE), a null (GET of nothing), a set-like array, an integer.</summary>
    private static async Task<string[]> ReadAllAsync(RedisCommandClient client, string key)
    {
        var config = await client.SendAsync(default, "CONFIG", "GET", "maxmemory-policy");
        var score = await client.SendAsync(default, "ZSCORE", key, "m");
        var missing = await client.SendAsync(default, "GET", key + ":none");
        var members = await client.SendAsync(default, "ZRANGE", key, "0", "-1");
        var exists = await client.SendAsync(default, "EXISTS", key);
        return
        [
            string.Join(",", config.Items!.Select(i => i.Text)),
            score.Text!,
            missing.IsNull.ToString(),
            string.Join(",", members.Items!.Select(i => i.Text)),
            exists.Integer.ToString(),
        ];
    }
}
