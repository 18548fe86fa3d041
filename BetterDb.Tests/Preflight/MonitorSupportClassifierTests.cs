using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;
using static BetterDb.Tests.Preflight.Resp;

namespace BetterDb.Tests.Preflight;

public sealed class MonitorSupportClassifierTests
{
    [Fact]
    public void COMMAND_INFO_listing_MONITOR_means_supported()
    {
        var reply = Arr(Arr(Bulk("monitor"), new(':', null, 1), Arr(Simple("admin")), new(':', null, 0), new(':', null, 0), new(':', null, 0)));
        var r = MonitorSupportClassifier.FromCommandInfo(reply);
        Assert.Equal(MonitorSupport.Supported, r.State);
        Assert.True(r.IsDefinite);
        Assert.True(r.AsBool);
    }

    [Fact]
    public void A_nil_entry_means_renamed_or_disabled()
    {
        // What redis-server answers with rename-command MONITOR "": one entry per name, nil for an unknown one.
        var r = MonitorSupportClassifier.FromCommandInfo(Arr(NilArray()));
        Assert.Equal(MonitorSupport.Unsupported, r.State);
        Assert.False(r.AsBool);
        Assert.True(r.IsDefinite);
        Assert.Equal(MonitorSupport.Unsupported, MonitorSupportClassifier.FromCommandInfo(Arr(Bulk(null))).State);
    }

    public static TheoryData<RespReply> NotOneEntryPerName => new()
    {
        Arr(),                        // an empty array: a proxy, not a "no"
        NilArray(),
        Simple("OK"),
        Bulk(null),
        Bulk("monitor"),
        new(':', null, 0),
        Arr(NilArray(), NilArray()),  // two entries for one name
        Arr(Arr()),                   // an entry of no known shape
        Arr(Bulk("monitor")),
    };

    [Theory]
    [MemberData(nameof(NotOneEntryPerName))]
    public void A_reply_that_is_not_one_entry_per_name_is_inconclusive_and_never_a_no(RespReply reply)
    {
        var r = MonitorSupportClassifier.FromCommandInfo(reply);
        Assert.Equal(MonitorSupport.Unknown, r.State);
        Assert.False(r.IsDefinite); // never cached
        Assert.Null(r.AsBool);
        Assert.Contains("live probe", r.Detail);
    }

    [Theory]
    [InlineData("ERR command 'monitor' is not allowed")]
    [InlineData("ERR MONITOR is disabled")]
    [InlineData("ERR MONITOR is not supported")]
    [InlineData("ERR MONITOR is not available on your current plan")]
    [InlineData("ERR your subscription does not allow this command")]
    [InlineData("ERR command not allowed")]
    [InlineData("ERR unknown command 'monitor'")]
    [InlineData("ERR unknown command 'MONITOR', with args beginning with: ")]
    public void Refusals_of_MONITOR_are_a_clear_no_in_the_servers_words(string refusal)
    {
        var r = MonitorSupportClassifier.FromLiveProbe(Error(refusal));
        Assert.Equal(MonitorSupport.Unsupported, r.State);
        Assert.True(r.IsDefinite);
        Assert.Contains($"\"{refusal}\"", r.Detail);
    }

    [Theory]
    [InlineData("LOADING Redis is loading the dataset in memory")]
    [InlineData("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.")]
    [InlineData("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")]
    [InlineData("ERR max number of clients reached")]
    [InlineData("NOAUTH Authentication required.")]
    [InlineData("ERR unknown command 'client', with args beginning with: ")] // about another command
    public void Transient_or_unrelated_errors_from_the_live_probe_are_inconclusive(string error)
    {
        var r = MonitorSupportClassifier.FromLiveProbe(Error(error));
        Assert.Equal(MonitorSupport.Unknown, r.State);
        Assert.False(r.IsDefinite);
        Assert.Contains(error, r.Detail);
    }

    [Theory]
    [InlineData("ERR command 'monitor' is not allowed", MonitorSupport.Unsupported)]
    [InlineData("ERR MONITOR is disabled", MonitorSupport.Unsupported)]
    [InlineData("ERR command 'command' is not allowed", MonitorSupport.Unknown)]
    [InlineData("ERR command not allowed", MonitorSupport.Unknown)] // names nothing: it may be about COMMAND itself
    [InlineData("ERR unknown subcommand 'INFO'. Try COMMAND HELP.", MonitorSupport.Unknown)]
    public void A_COMMAND_INFO_refusal_is_a_no_only_when_it_is_about_MONITOR(string error, MonitorSupport expected)
    {
        Assert.Equal(expected, MonitorSupportClassifier.FromCommandInfo(Error(error)).State);
    }

    [Fact]
    public void Unknown_command_MONITOR_means_unsupported_but_unknown_COMMAND_is_inconclusive()
    {
        Assert.Equal(MonitorSupport.Unsupported, MonitorSupportClassifier.FromCommandInfo(Error("ERR unknown command 'MONITOR', with args beginning with: ")).State);
        var noCommand = MonitorSupportClassifier.FromCommandInfo(Error("ERR unknown command 'COMMAND', with args beginning with: 'INFO' 'MONITOR' "));
        Assert.Equal(MonitorSupport.Unknown, noCommand.State);
        Assert.False(noCommand.IsDefinite);
    }

    [Fact]
    public void COMMAND_not_allowed_is_inconclusive()
    {
        var r = MonitorSupportClassifier.FromCommandInfo(Error("NOPERM User x has no permissions to run the 'command|info' command"));
        Assert.Equal(MonitorSupport.Unknown, r.State);
        Assert.Null(r.AsBool);
        Assert.Contains("live probe", r.Detail);
    }

    [Fact]
    public void Live_probe_replies_are_read()
    {
        Assert.Equal(MonitorSupport.Supported, MonitorSupportClassifier.FromLiveProbe(Simple("OK")).State);
        Assert.Equal(MonitorSupport.Unsupported, MonitorSupportClassifier.FromLiveProbe(Error("ERR unknown command 'MONITOR', with args beginning with: ")).State);
        var denied = MonitorSupportClassifier.FromLiveProbe(Error("NOPERM User x has no permissions to run the 'monitor' command"));
        Assert.Equal(MonitorSupport.Denied, denied.State);
        Assert.False(denied.IsDefinite); // ACLs change: never cached
    }
}
