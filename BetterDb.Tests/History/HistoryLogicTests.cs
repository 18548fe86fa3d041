using System.Text;
using BetterDb.Core.Analysis;
using BetterDb.Core.Configuration;
using BetterDb.Core.History;
using BetterDb.Core.Storage;
using BetterDb.Tests.Preflight;

namespace BetterDb.Tests.History;

/// <summary>The pure parts of the instance history: log dedup and gaps, ACL LOG matching, parsers, shapes, the rate test, options.</summary>
public sealed class HistoryLogicTests
{
    private static LogEntry E(long id, long ts = 1000, string cmd = "GET") => new(id, ts, 10, [cmd, "k"], "127.0.0.1:1", null);

    [Fact]
    public void First_read_stores_everything_and_records_no_gap()
    {
        var batch = LogTracker.Advance(null, "run1", [E(12), E(10), E(11)], "SLOWLOG");
        Assert.Equal([10L, 11, 12], batch.New.Select(e => e.Id));
        Assert.Null(batch.Gap);
        Assert.Equal(new LogPosition("run1", 12, 1_000_000), batch.Position);
    }

    [Fact]
    public void Entries_seen_before_are_skipped_and_a_jump_in_ids_is_a_gap_of_exactly_the_missing_ones()
    {
        var known = new LogPosition("run1", 12, 5000);
        var again = LogTracker.Advance(known, "run1", [E(12), E(11)], "SLOWLOG");
        Assert.Empty(again.New);
        Assert.Null(again.Gap);

        var next = LogTracker.Advance(known, "run1", [E(20, 7), E(19, 7), E(18, 7)], "SLOWLOG");
        Assert.Equal([18L, 19, 20], next.New.Select(e => e.Id));
        Assert.NotNull(next.Gap);
        Assert.Equal((12L, 18L, 5L), (next.Gap!.AfterId, next.Gap.BeforeId, next.Gap.Missed));
        Assert.Equal("5 entries missed (the log's ring overflowed between polls, or SLOWLOG RESET cleared it)", next.Gap.Message);
    }

    [Fact]
    public void A_new_server_run_starts_ids_again_and_entries_that_left_before_its_first_poll_are_a_gap()
    {
        var known = new LogPosition("run1", 500, 5000);
        var restarted = LogTracker.Advance(known, "run2", [E(4), E(3)], "SLOWLOG");
        Assert.Equal([3L, 4], restarted.New.Select(e => e.Id));
        Assert.Equal((-1L, 3L, 3L), (restarted.Gap!.AfterId, restarted.Gap.BeforeId, restarted.Gap.Missed));
        Assert.Contains("restarted", restarted.Gap.Reason);

        var fromZero = LogTracker.Advance(known, "run2", [E(0), E(1)], "SLOWLOG");
        Assert.Null(fromZero.Gap);
        Assert.Equal("run2", fromZero.Position!.RunId);
    }

    [Fact]
    public void Slowlog_reply_is_read_with_the_real_arity_of_a_cut_argument_list()
    {
        var args = Enumerable.Range(0, 31).Select(i => i == 0 ? "mset" : $"a{i}").Append("... (9 more arguments)").ToArray();
        var reply = Resp.Arr(Resp.Arr(new('+', null, 7), new(':', null, 1700000000), new(':', null, 12345), Resp.Strings(args), Resp.Bulk("10.0.0.1:5000"), Resp.Bulk("orders")));
        var entry = Assert.Single(LogReply.Parse(reply));
        Assert.Equal((0L, 1700000000L, 12345L, "MSET", 40), (entry.Id, entry.TimestampSeconds, entry.Value, entry.Command, entry.Arity));
        Assert.Equal(("10.0.0.1:5000", "orders"), (entry.ClientAddr, entry.ClientName));
        Assert.Equal("SET \"a b\" \"x\\ny\"", LogReply.Display(["SET", "a b", "x\ny"]));
    }

    [Fact]
    public void Acl_log_entries_without_ids_are_followed_by_kind_and_count_and_with_ids_exactly()
    {
        const long now = 1_800_000_000_000;
        // Redis 7.0: no entry-id; the same failure grouped, its count growing.
        var first = AclLogParser.Parse(Resp.Arr(AclEntry(3, "auth", "AUTH", "bob", 1.5)));
        var inserted = Assert.Single(AclLogTracker.Match(first, [], now));
        Assert.Null(inserted.RowId);
        var stored = new StoredAclEntry(1, inserted.EntryKey, null, 3, "auth", "toplevel", "AUTH", "bob", inserted.CreatedTs, inserted.UpdatedTs);

        Assert.Empty(AclLogTracker.Match(AclLogParser.Parse(Resp.Arr(AclEntry(3, "auth", "AUTH", "bob", 11.5))), [stored], now + 10_000));
        var grown = Assert.Single(AclLogTracker.Match(AclLogParser.Parse(Resp.Arr(AclEntry(5, "auth", "AUTH", "bob", 0.2))), [stored], now + 10_000));
        Assert.Equal((1L, 5L), (grown.RowId, grown.Item.Count));
        // A smaller count is a new entry (the log was reset, or the server restarted).
        Assert.Null(Assert.Single(AclLogTracker.Match(AclLogParser.Parse(Resp.Arr(AclEntry(1, "auth", "AUTH", "bob", 0.1))), [stored], now + 20_000)).RowId);

        // Redis 7.2+: entry-id and timestamp-created name the entry.
        var withId = AclLogParser.Parse(Resp.Arr(AclEntry(2, "command", "set", "alice", 0.5, entryId: 9, created: now - 500)));
        var added = Assert.Single(AclLogTracker.Match(withId, [], now));
        Assert.Equal(("9@" + (now - 500), now - 500), (added.EntryKey, added.CreatedTs));
        Assert.Equal("127.0.0.1:5555", added.Item.ClientAddr);
        Assert.Equal("worker", added.Item.ClientName);
    }

    private static Core.Connections.RespReply AclEntry(long count, string reason, string obj, string user, double age, long? entryId = null, long? created = null)
    {
        var pairs = new List<(string, object)>
        {
            ("count", new Core.Connections.RespReply(':', null, count)), ("reason", reason), ("context", "toplevel"), ("object", obj), ("username", user),
            ("age-seconds", age.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("client-info", "id=9 addr=127.0.0.1:5555 laddr=127.0.0.1:6379 fd=7 name=worker age=0 idle=0 flags=N db=0 cmd=auth user=default"),
        };
        if (entryId is { } id)
        {
            pairs.Add(("entry-id", new Core.Connections.RespReply(':', null, id)));
            pairs.Add(("timestamp-created", new Core.Connections.RespReply(':', null, created!.Value)));
            pairs.Add(("timestamp-last-updated", new Core.Connections.RespReply(':', null, created.Value + 100)));
        }
        return Resp.Map(pairs.ToArray());
    }

    [Fact]
    public void Client_list_keeps_the_fields_that_matter_and_its_snapshots_compress_against_their_keyframe()
    {
        var list = string.Join("\n", Enumerable.Range(0, 40).Select(i =>
            $"id={i} addr=10.0.0.{i}:4000 laddr=10.0.0.100:6379 fd=8 name=orders-{i} age={100 + i} idle={i} flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 " +
            $"qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=20000 events=r cmd=get user=default lib-name=redis-py lib-ver=5.0 redir=-1 resp=2"));
        var clients = ClientListParser.Parse(list);
        Assert.Equal(40, clients.Count);
        Assert.Equal(("orders-3", "redis-py", "get", 103L, 3L, "10.0.0.3:4000"), (clients[3].Name, clients[3].LibName, clients[3].Cmd, clients[3].AgeSeconds, clients[3].IdleSeconds, clients[3].Addr));

        var keyframe = HistoryStore.ClientListText(list);
        Assert.DoesNotContain("qbuf", Encoding.UTF8.GetString(keyframe));
        var later = HistoryStore.ClientListText(list.Replace("age=1", "age=2").Replace("idle=1", "idle=9"));
        var delta = ClientSnapshotCodec.CompressDelta(later, keyframe);
        var alone = ClientSnapshotCodec.CompressKeyframe(later);
        Assert.True(delta.Length * 3 < alone.Length, $"a snapshot against its keyframe takes {delta.Length} bytes, on its own {alone.Length}");
        var row = new ClientSnapshotEntity { ConnectionId = "c", Commands = "", Codec = ClientSnapshotCodec.Delta, RawBytes = later.Length, Data = delta };
        Assert.Equal(later, ClientSnapshotCodec.Decompress(row, keyframe));
    }

    [Fact]
    public void Shapes_are_verb_and_arity_and_scripts_are_named_by_what_runs()
    {
        Assert.Equal("GET:2", CommandShapes.Of(["get", "k"]));
        Assert.Equal("MSET:41", CommandShapes.Of(["MSET", "a", "b"], 41));
        Assert.Equal("EVALSHA:abc123", CommandShapes.Of(["evalsha", "ABC123", "0"]));
        Assert.Equal("FCALL:myfn", CommandShapes.Of(["FCALL", "myfn", "0"]));
        // The sha EVALSHA would use: sha1 of the script.
        Assert.Equal("EVAL:e0e1f9fabfc9d4800c877a703b823ac0578ff8db", CommandShapes.Of(["EVAL", "return 1", "0"]));
        Assert.Equal("EVAL:<script cut by the server>", CommandShapes.Of(["EVAL", "local x = 1 ... (300 more bytes)", "0"]));
    }

    [Fact]
    public void The_poisson_rate_test_gives_the_exact_binomial_tail()
    {
        // 5 events in 1 s against none in 99 s: P(all 5 fall in the 1 %) = 0.01^5.
        Assert.Equal(1e-10, PoissonRateTest.PValue(5, 1, 0, 99), 1e-15);
        // 1 in 1 s against 9 in 9 s (the same rate): P(X >= 1), X ~ Bin(10, 0.1) = 1 - 0.9^10.
        Assert.Equal(1 - Math.Pow(0.9, 10), PoissonRateTest.PValue(1, 1, 9, 9), 1e-12);
        Assert.Equal(1, PoissonRateTest.PValue(0, 10, 5, 10));
        Assert.True(double.IsNaN(PoissonRateTest.PValue(3, 10, 0, 0)));
    }

    [Fact]
    public void Baselines_are_windows_before_the_capture_and_an_unknown_one_names_the_allowed_values()
    {
        const long start = 1_800_000_123_000, end = start + 60_000;
        Assert.Equal((start - 6 * 3_600_000, start), (Baselines.Window("6h", start, end).FromTs, Baselines.Window("6h", start, end).ToTs));
        Assert.Equal(start - 7 * 86_400_000, Baselines.Window("7d", start, end).FromTs);
        var week = Baselines.Window("same-hour-last-week", start, end);
        Assert.Equal(0, week.FromTs % 3_600_000);
        Assert.True(week.FromTs <= start - 7 * 86_400_000 && week.ToTs >= end - 7 * 86_400_000 && week.ToTs - week.FromTs <= 2 * 3_600_000);
        var ex = Assert.Throws<InvalidInputException>(() => Baselines.Window("1h", start, end));
        Assert.Equal("baseline", ex.Field);
        Assert.Equal("baseline must be one of 6h, 24h, 7d, same-hour-last-week (got '1h').", ex.Message);
    }

    [Fact]
    public void Options_out_of_range_stop_the_app_naming_the_key()
    {
        var result = new HistoryOptionsValidator().Validate(null, new HistoryOptions { InfoIntervalMs = 50, RetentionDays = 0, InfoPersistIntervalMs = 5000, SlowlogIntervalMs = 1 });
        Assert.True(result.Failed);
        Assert.Contains("BetterDb:History:InfoIntervalMs must be between 100 and 60000 milliseconds (got 50).", result.Failures!);
        Assert.Contains("BetterDb:History:RetentionDays must be between 1 and 365 days (got 0).", result.Failures!);
        Assert.Contains(result.Failures!, f => f.StartsWith("BetterDb:History:SlowlogIntervalMs"));
        Assert.Contains(new HistoryOptionsValidator().Validate(null, new HistoryOptions { InfoIntervalMs = 20_000, InfoPersistIntervalMs = 10_000 }).Failures!,
            f => f.StartsWith("BetterDb:History:InfoPersistIntervalMs (10000) must not be shorter than BetterDb:History:InfoIntervalMs"));
        Assert.True(new HistoryOptionsValidator().Validate(null, new HistoryOptions()).Succeeded);
    }

    [Fact]
    public void Info_samples_read_counters_and_rates_and_what_older_servers_lack()
    {
        var info = Core.Connections.InfoParser.Parse(
            "# Server\r\nrun_id:abc\r\nuptime_in_seconds:100\r\n# Stats\r\ntotal_commands_processed:1500\r\ninstantaneous_ops_per_sec:7\r\nkeyspace_hits:10\r\n" +
            "total_error_replies:4\r\n# Memory\r\nused_memory:1000\r\nmaxmemory:0\r\n# Errorstats\r\nerrorstat_WRONGPASS:count=3\r\n# Replication\r\nrole:master\r\n");
        var previous = new InfoSample { Ts = 1_000, RunId = "abc", TotalCommands = 1000 };
        var s = InfoSample.From(info, 11_000, previous);
        Assert.Equal(50.0, s.OpsPerSec);
        Assert.Equal((3L, (long?)null, 1000L, "master"), (s.WrongPassErrors!.Value, s.AclAccessDeniedAuth, s.UsedMemory!.Value, s.Role!));
        Assert.Equal(7.0, InfoSample.From(info, 11_000).OpsPerSec);
    }

}
