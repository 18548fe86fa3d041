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
    public void A_nil_entry_or_an_empty_reply_means_renamed_or_disabled()
    {
        Assert.Equal(MonitorSupport.Unsupported, MonitorSupportClassifier.FromCommandInfo(Arr(NilArray())).State);
        Assert.Equal(MonitorSupport.Unsupported, MonitorSupportClassifier.FromCommandInfo(Arr()).State);
        Assert.False(MonitorSupportClassifier.FromCommandInfo(Arr()).AsBool);
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
