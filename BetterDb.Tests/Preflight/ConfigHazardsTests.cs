using BetterDb.Core.Preflight;

namespace BetterDb.Tests.Preflight;

public sealed class ConfigHazardsTests
{
    private const string DefaultCobl = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";

    private static Dictionary<string, string> Config(string maxmemory = "0", string cobl = DefaultCobl, string? maxmemoryClients = "0", string appendonly = "no")
    {
        var d = new Dictionary<string, string> { ["maxmemory"] = maxmemory, ["client-output-buffer-limit"] = cobl, ["appendonly"] = appendonly };
        if (maxmemoryClients is not null) d["maxmemory-clients"] = maxmemoryClients;
        return d;
    }

    private static AclUser DefaultUser(params string[] flags) => new("default", flags, "+@all", "~*", "&*", []);

    [Fact]
    public void Stock_configuration_has_no_hazard()
    {
        Assert.Empty(ConfigHazards.Detect(Config(), DefaultUser("on", "nopass")));
    }

    [Fact]
    public void Unbounded_normal_buffer_with_maxmemory_set_is_a_hazard()
    {
        var h = Assert.Single(ConfigHazards.Detect(Config(maxmemory: "104857600"), null));
        Assert.Equal(ConfigHazards.UnboundedMonitorBuffer, h.Code);
        Assert.Contains("maxmemory", h.Message);
    }

    [Fact]
    public void A_limited_normal_buffer_warns_that_a_slow_reader_is_disconnected()
    {
        var h = Assert.Single(ConfigHazards.Detect(Config(maxmemory: "104857600", cobl: "normal 33554432 0 0 replica 0 0 0 pubsub 0 0 0"), null));
        Assert.Equal(ConfigHazards.MonitorBufferLimited, h.Code);
        Assert.Contains("33,554,432", h.Message);
    }

    [Theory]
    [InlineData("10%", true)]
    [InlineData("1073741824", true)]
    [InlineData("1gb", true)]
    [InlineData("0", false)]
    [InlineData("0%", false)]
    public void Client_eviction_is_a_hazard_when_set(string value, bool hazard)
    {
        var found = ConfigHazards.Detect(Config(maxmemoryClients: value), null).Any(h => h.Code == ConfigHazards.ClientEvictionEnabled);
        Assert.Equal(hazard, found);
    }

    [Fact]
    public void Servers_before_7_have_no_maxmemory_clients_and_that_is_fine()
    {
        Assert.Empty(ConfigHazards.Detect(Config(maxmemoryClients: null), null));
    }

    private static AclUser Restricted(params string[] flags) => new("default", flags, "-@all", "~*", "&*", []);

    [Fact]
    public void Default_user_off_and_restricted_with_AOF_on_is_a_hazard()
    {
        var h = Assert.Single(ConfigHazards.Detect(Config(appendonly: "yes"), Restricted("off", "nopass")));
        Assert.Equal(ConfigHazards.DefaultUserOffWithAof, h.Code);
        Assert.Contains("MULTI/EXEC", h.Message);
        Assert.Contains("AOF", h.Message);
        Assert.Contains("+@all ~* &*", h.Message);
        Assert.Contains("'-@all'", h.Message); // what it holds instead
        Assert.Contains("ACL SETUSER default +@all leaves it off", h.Message); // exactly what is missing

        Assert.Empty(ConfigHazards.Detect(Config(appendonly: "no"), Restricted("off")));
        Assert.Empty(ConfigHazards.Detect(Config(appendonly: "yes"), Restricted("on"))); // on: not the hazard described
        Assert.Empty(ConfigHazards.Detect(Config(appendonly: "yes"), null)); // no ACL on this server: nothing to check
    }

    [Fact]
    public void Default_user_off_but_holding_the_unrestricted_grant_is_not_the_hazard()
    {
        // ACL SETUSER default off, from a stock default user: still +@all ~* &*, which is the workaround the warning gives.
        Assert.Empty(ConfigHazards.Detect(Config(appendonly: "yes"), DefaultUser("off", "nopass")));
        // Redis 6.0/6.2 say the same with flags.
        var redis6 = new AclUser("default", ["off", "allkeys", "allchannels", "allcommands", "nopass"], "+@all", "*", "*", []);
        Assert.Empty(ConfigHazards.Detect(Config(appendonly: "yes"), redis6));
        var redis60 = new AclUser("default", ["off", "allkeys", "allcommands", "nopass"], "+@all", "*", null, []) { ChannelsReported = false };
        Assert.Empty(ConfigHazards.Detect(Config(appendonly: "yes"), redis60));
    }

    [Theory]
    [InlineData("+@all -flushall", "~*", "&*", "+@all")]
    [InlineData("+@all", "~app:*", "&*", "~*")]
    [InlineData("+@all", "%R~*", "&*", "~*")]
    [InlineData("+@all", "~*", null, "&*")]
    [InlineData("-@all +get", null, null, "+@all ~* &*")]
    public void Each_missing_part_of_the_grant_is_named_and_added_by_the_advice(string commands, string? keys, string? channels, string missing)
    {
        var user = new AclUser("default", ["off"], commands, keys, channels, []);
        var h = Assert.Single(ConfigHazards.Detect(Config(appendonly: "yes"), user));
        Assert.Equal(ConfigHazards.DefaultUserOffWithAof, h.Code);
        Assert.Contains($"lacks {missing}:", h.Message);
        Assert.Contains($"ACL SETUSER default {missing} leaves it off", h.Message);
    }

    [Fact]
    public void Unreadable_default_user_rules_with_AOF_on_could_not_be_verified()
    {
        var why = "ACL GETUSER default is not permitted for this user (NOPERM User ops has no permissions to run the 'acl|getuser' command)";
        var h = Assert.Single(ConfigHazards.Detect(Config(appendonly: "yes"), null, why));
        Assert.Equal(ConfigHazards.DefaultUserUnverifiedWithAof, h.Code);
        Assert.Contains("could not be verified", h.Message);
        Assert.Contains("NOPERM", h.Message);
        Assert.Contains("+@all ~* &*", h.Message);

        Assert.Empty(ConfigHazards.Detect(Config(appendonly: "no"), null, why)); // no AOF: nothing to verify
    }

    [Fact]
    public void Normal_class_is_found_wherever_it_sits()
    {
        Assert.Equal((0L, 0L, 0L), ConfigHazards.NormalClassLimit(DefaultCobl));
        Assert.Equal((1L << 20, 512L * 1024, 60L), ConfigHazards.NormalClassLimit("replica 1 2 3 normal 1mb 512kb 60"));
        Assert.Null(ConfigHazards.NormalClassLimit("pubsub 1 2 3"));
    }
}
