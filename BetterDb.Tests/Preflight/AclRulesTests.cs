using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;
using static BetterDb.Tests.Preflight.Resp;

namespace BetterDb.Tests.Preflight;

public sealed class AclRulesTests
{
    [Theory]
    [InlineData("+@all", true, "+@all")]
    [InlineData("+@all -monitor", false, "-monitor")]
    [InlineData("+@all -monitor +monitor", true, "+monitor")]
    [InlineData("-@all +get +set", false, "-@all")]
    [InlineData("-@all +monitor", true, "+monitor")]
    [InlineData("-@all +@admin", true, "+@admin")]
    [InlineData("-@all +@dangerous", true, "+@dangerous")]
    [InlineData("-@all +@slow", true, "+@slow")]
    [InlineData("+@all -@admin", false, "-@admin")]
    [InlineData("+@all -@dangerous", false, "-@dangerous")]
    [InlineData("+@admin -@dangerous", false, "-@dangerous")]
    [InlineData("-@dangerous +@admin", true, "+@admin")]
    [InlineData("+@read +@write", false, null)]
    [InlineData("+MONITOR", true, "+MONITOR")]
    [InlineData("+@all -monitor|anything", true, "+@all")] // a subcommand rule does not touch MONITOR
    [InlineData("", false, null)]
    public void Rules_apply_in_order_and_the_later_one_wins(string rules, bool allowed, string? decidedBy)
    {
        var (a, d) = AclMonitorEvaluator.EvaluateRules(rules);
        Assert.Equal(allowed, a);
        Assert.Equal(decidedBy, d);
    }

    [Fact]
    public void Redis7_flat_GETUSER_reply_is_read_including_selectors()
    {
        // ACL SETUSER carol on >pw -@all +get (~foo* +set +monitor), as redis-server 7.0 answers GETUSER.
        var reply = Map(
            ("flags", Strings("on")),
            ("passwords", Strings("30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4")),
            ("commands", "-@all +get"),
            ("keys", ""),
            ("channels", ""),
            ("selectors", Arr(Map(("commands", "-@all +monitor +set"), ("keys", "~foo*"), ("channels", "")))));
        var user = AclGetUserParser.Parse("carol", reply)!;
        Assert.Equal(["on"], user.Flags);
        Assert.Equal("-@all +get", user.Commands);
        Assert.Null(user.Keys);
        var selector = Assert.Single(user.Selectors);
        Assert.Equal("-@all +monitor +set", selector.Commands);
        Assert.Equal("~foo*", selector.Keys);

        var permission = AclMonitorEvaluator.Evaluate(user);
        Assert.True(permission.Allowed);
        Assert.Equal("selector", permission.Via);
        Assert.Equal("+monitor", permission.DecidedBy);
    }

    [Fact]
    public void Redis6_0_reply_with_allcommands_flag_and_key_array_is_read()
    {
        var reply = Map(
            ("flags", Strings("on", "allkeys", "allcommands", "nopass")),
            ("passwords", Arr()),
            ("commands", "+@all"),
            ("keys", Strings("*")));
        var user = AclGetUserParser.Parse("default", reply)!;
        Assert.True(user.HasFlag("allcommands"));
        Assert.Equal("*", user.Keys);
        Assert.True(AclMonitorEvaluator.Evaluate(user).Allowed);
    }

    [Fact]
    public void Allcommands_flag_counts_as_a_grant_that_later_rules_can_revoke()
    {
        var user = new AclUser("u", ["on", "allcommands"], "-monitor", null, null, []);
        Assert.False(AclMonitorEvaluator.Evaluate(user).Allowed);
        Assert.True(AclMonitorEvaluator.Evaluate(user with { Commands = "" }).Allowed);
    }

    [Fact]
    public void A_RESP3_map_given_as_pairs_reads_the_same()
    {
        var pairs = new List<KeyValuePair<string, RespReply>>
        {
            new("flags", Arr(Simple("on"))),
            new("commands", Bulk("+@all -@dangerous")),
            new("keys", Bulk("~*")),
            new("selectors", Arr()),
        };
        var user = AclGetUserParser.FromPairs("alice", pairs);
        Assert.Equal("+@all -@dangerous", user.Commands);
        Assert.Equal("~*", user.Keys);
        var permission = AclMonitorEvaluator.Evaluate(user);
        Assert.False(permission.Allowed);
        Assert.Equal("-@dangerous", permission.DecidedBy);
    }

    [Fact]
    public void A_selector_does_not_revoke_what_the_root_grants()
    {
        var user = new AclUser("u", ["on"], "+@all", "~*", null, [new AclSelector("-@all -monitor", "~x*", null)]);
        var p = AclMonitorEvaluator.Evaluate(user);
        Assert.True(p.Allowed);
        Assert.Equal("root", p.Via);
    }

    [Fact]
    public void GETUSER_denying_MONITOR_gives_the_exact_snippet_naming_the_user()
    {
        var reply = Map(("flags", Strings("on")), ("passwords", Arr()), ("commands", "+@all -monitor"), ("keys", "~*"), ("channels", ""), ("selectors", Arr()));
        var report = AclCheck.FromGetUser("capture-bot", reply);
        Assert.False(report.HasMonitor);
        Assert.True(report.Verified);
        Assert.Equal("+@all -monitor", report.Rules);
        Assert.Equal("ACL SETUSER capture-bot +monitor", report.SetUserSnippet);
        Assert.Equal("-monitor", report.DecidedBy);
        Assert.Contains("-monitor", report.Note);
    }

    [Fact]
    public void GETUSER_allowing_MONITOR_has_no_snippet()
    {
        var reply = Map(("flags", Strings("on", "nopass")), ("commands", "+@all"), ("keys", "~*"), ("channels", "&*"));
        var report = AclCheck.FromGetUser("default", reply);
        Assert.True(report.HasMonitor);
        Assert.Null(report.SetUserSnippet);
        Assert.Null(report.Note);
    }

    [Fact]
    public void GETUSER_refused_with_NOPERM_is_unverified_and_suggests_the_live_probe()
    {
        var report = AclCheck.FromGetUser("ops", Error("NOPERM User ops has no permissions to run the 'acl|getuser' command"));
        Assert.Null(report.HasMonitor);
        Assert.False(report.Verified);
        Assert.Equal("ACL SETUSER ops +monitor", report.SetUserSnippet);
        Assert.Contains("Could not verify", report.Note);
        Assert.Contains("live MONITOR probe", report.Note);
        Assert.Contains("NOPERM", report.Note);
    }

    [Fact]
    public void GETUSER_nil_for_a_vanished_user_is_unverified()
    {
        var report = AclCheck.FromGetUser("gone", NilArray());
        Assert.Null(report.HasMonitor);
        Assert.False(report.Verified);
    }

    [Fact]
    public void A_server_without_ACL_allows_MONITOR_with_a_note()
    {
        var whoami = Error("ERR unknown command 'ACL'");
        Assert.True(AclCheck.IsUnknownCommand(whoami));
        var report = AclCheck.NoAcl(whoami.Text!);
        Assert.True(report.HasMonitor);
        Assert.False(report.AclSupported);
        Assert.Null(report.User);
        Assert.Null(report.SetUserSnippet);
        Assert.Contains("no ACL", report.Note);
    }

    [Fact]
    public void NOPERM_is_not_mistaken_for_a_missing_ACL_command()
    {
        var denied = Error("NOPERM User x has no permissions to run the 'acl|whoami' command");
        Assert.False(AclCheck.IsUnknownCommand(denied));
        Assert.True(AclCheck.IsNoPerm(denied));
    }

    [Theory]
    [InlineData("+@all", true)]
    [InlineData("-@all +@all", true)]
    [InlineData("+@all +get", true)]
    [InlineData("+@all -debug", false)]
    [InlineData("+@all -@dangerous", false)]
    [InlineData("+@all -monitor|anything", false)]
    [InlineData("+@read +@write", false)]
    [InlineData("+@all reset", false)]
    [InlineData("allcommands", true)]
    [InlineData("", false)]
    public void All_commands_means_nothing_taken_away_after_the_last_grant_of_all(string rules, bool all)
    {
        Assert.Equal(all, AclGrant.AllCommands(rules, allFlag: false));
    }

    [Theory]
    [InlineData("~*", true)]
    [InlineData("%RW~*", true)]
    [InlineData("%R~* %W~*", true)]
    [InlineData("*", true)]        // Redis 6 lists patterns without the ~
    [InlineData("allkeys", true)]
    [InlineData("%R~*", false)]     // read-only
    [InlineData("~app:*", false)]
    [InlineData("~* resetkeys", false)]
    [InlineData(null, false)]
    public void All_keys_means_every_key_read_and_write(string? keys, bool all)
    {
        Assert.Equal(all, AclGrant.AllKeys(keys, allFlag: false));
    }

    [Fact]
    public void The_unrestricted_grant_may_come_from_the_root_a_selector_or_Redis_6_flags()
    {
        Assert.True(AclGrant.IsUnrestricted(new AclUser("default", ["off"], "+@all", "~*", "&*", [])));
        Assert.False(AclGrant.IsUnrestricted(new AclUser("default", ["off"], "+@all", "~*", null, [])));
        Assert.Equal(["&*"], AclGrant.Missing(new AclUser("default", ["off"], "+@all", "~*", null, [])));
        Assert.True(AclGrant.IsUnrestricted(new AclUser("default", ["off"], "-@all", null, null, [new AclSelector("+@all", "~*", "&*")])));
        Assert.False(AclGrant.IsUnrestricted(new AclUser("default", ["off"], "-@all", null, null, [new AclSelector("+@all", "~x*", "&*")])));
        Assert.True(AclGrant.IsUnrestricted(new AclUser("default", ["off", "allkeys", "allchannels", "allcommands"], "", null, null, [])));
        // Redis 6.0 has no channel rules at all: nothing to lack there.
        Assert.True(AclGrant.IsUnrestricted(new AclUser("default", ["off"], "+@all", "*", null, []) { ChannelsReported = false }));
        Assert.Equal("ACL SETUSER default +@all ~*", AclGrant.SetUserSnippet(new AclUser("default", ["off"], "-@all", null, "&*", [])));
    }

    [Fact]
    public void The_default_users_GETUSER_reply_is_read_or_says_why_not()
    {
        // redis-server 7.0 after ACL SETUSER default off -@all
        var off = DefaultUserReading.From(Map(("flags", Strings("off", "nopass")), ("passwords", Arr()), ("commands", "-@all"),
            ("keys", "~*"), ("channels", "&*"), ("selectors", Arr())));
        Assert.Null(off.Unreadable);
        Assert.True(off.User!.HasFlag("off"));
        Assert.Equal(["+@all"], AclGrant.Missing(off.User));

        // Redis 6.0: keys as an array of patterns, no channels field.
        var redis60 = DefaultUserReading.From(Map(("flags", Strings("on", "allkeys", "allcommands", "nopass")), ("passwords", Arr()),
            ("commands", "+@all"), ("keys", Strings("*"))));
        Assert.False(redis60.User!.ChannelsReported);
        Assert.True(AclGrant.IsUnrestricted(redis60.User));

        var noPerm = DefaultUserReading.From(Error("NOPERM User ops has no permissions to run the 'acl|getuser' command"));
        Assert.Null(noPerm.User);
        Assert.Contains("not permitted", noPerm.Unreadable);
        Assert.Contains("NOPERM", noPerm.Unreadable);

        Assert.Contains("nil", DefaultUserReading.From(NilArray()).Unreadable);
        Assert.Contains("nil", DefaultUserReading.From(Bulk(null)).Unreadable);
        Assert.Contains("unexpected", DefaultUserReading.From(Arr()).Unreadable);            // a proxy's empty answer
        Assert.Contains("unexpected", DefaultUserReading.From(Simple("OK")).Unreadable);
        Assert.Contains("unexpected", DefaultUserReading.From(Map(("name", "default"))).Unreadable);
        Assert.Contains("unexpected", DefaultUserReading.From(Strings("flags", "on", "commands")).Unreadable); // odd count
    }
}
