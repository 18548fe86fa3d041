using BetterDb.Core.History;
using BetterDb.Tests.Preflight;
using static BetterDb.Tests.Preflight.ScriptedRespServer;

namespace BetterDb.Tests.History;

/// <summary>
/// COMMANDLOG (Valkey 8.1+). Valkey is not packaged for this machine, so these run against the scripted RESP server
/// answering with replies shaped as Valkey 8.1 sends them (six fields per entry, as in its commandlog.c); the Redis
/// side (no COMMANDLOG: silent) is also covered against a real redis-server by the other history tests.
/// </summary>
public sealed class CommandlogTests
{
    private static string Entry(long id, long ts, long value, string[] args, string addr, string name) =>
        Array($":{id}\r\n", $":{ts}\r\n", $":{value}\r\n", Array(args.Select(Bulk).ToArray()), Bulk(addr), Bulk(name));

    // The bulk header is computed from the text sent: a reply edited after Bulk() would announce the wrong length.
    private static string Info(bool valkey) => Bulk("# Server\r\nredis_version:7.2.4\r\n" + (valkey ? "server_name:valkey\r\nvalkey_version:8.1.1\r\n" : "") +
                                                    "run_id:valkeyrun1\r\nuptime_in_seconds:50\r\n" +
                                                    "# Stats\r\ntotal_commands_processed:10\r\n# Memory\r\nused_memory:1000\r\nmaxmemory:0\r\n# Replication\r\nrole:master\r\n");

    private static string ValkeyInfo => Info(valkey: true);

    private static string? Valkey(string[] args) => (args[0], args.ElementAtOrDefault(1)?.ToUpperInvariant(), args.ElementAtOrDefault(3)) switch
    {
        ("INFO", _, _) => ValkeyInfo,
        ("COMMANDLOG", "LEN", _) => ":2\r\n",
        ("COMMANDLOG", "GET", "slow") => Array(Entry(1, 1_800_000_010, 25_000, ["KEYS", "*"], "10.0.0.5:5000", "reports"),
            Entry(0, 1_800_000_000, 12_000, ["SORT", "big"], "10.0.0.5:5000", "reports")),
        ("COMMANDLOG", "GET", "large-request") => Array(Entry(4, 1_800_000_020, 2_000_000, ["SET", "blob", "... (1999000 more bytes)"], "10.0.0.6:5000", "uploader")),
        ("COMMANDLOG", "GET", "large-reply") => Array(Entry(7, 1_800_000_030, 5_000_000, ["HGETALL", "huge"], "10.0.0.7:5000", "")),
        ("SLOWLOG", _, _) or ("ACL", _, _) => EmptyArray,
        ("CLIENT", "LIST", _) => Bulk("id=3 addr=10.0.0.5:5000 laddr=10.0.0.1:6379 fd=8 name=reports age=5 idle=0 flags=N db=0 cmd=keys user=default lib-name=valkey-glide lib-ver=1.0\n"),
        _ => null,
    };

    [Fact]
    public async Task On_valkey_8_1_every_commandlog_type_is_stored_with_its_value()
    {
        await using var server = new ScriptedRespServer(Valkey);
        await using var h = await CollectorHarness.StartAsync(CollectorHarness.Profile(server.Port));
        await h.PollAsync(CollectorNames.Commandlog);

        var items = await h.Reader.LogAsync("c1", CommandLogTypes.All, null, null, 100, 0);
        Assert.Equal(4, items.Count);
        var keys = items.Single(i => i.Command == "KEYS");
        Assert.Equal(("slow", 25_000L, (long?)null, "reports", "valkeyrun1"), (keys.Log, keys.DurationUs!.Value, keys.Bytes, keys.ClientName!, keys.RunId!));
        var request = items.Single(i => i.Log == "large-request");
        Assert.Equal((2_000_000L, "SET"), (request.Bytes!.Value, request.Command!));
        Assert.Equal("large-reply", items.Single(i => i.Command == "HGETALL").Log);
        Assert.Null(items.Single(i => i.Command == "HGETALL").ClientName);
        Assert.Equal("ok", h.Collector.Status().Collectors.Single(c => c.Name == CollectorNames.Commandlog).State);
        // Polled again: nothing doubled.
        await h.PollAsync(CollectorNames.Commandlog);
        Assert.Equal(4, (await h.Reader.LogAsync("c1", CommandLogTypes.All, null, null, 100, 0)).Count);
        Assert.Equal(1, server.Received.Count(c => c[0] == "COMMANDLOG" && c[1].Equals("LEN", StringComparison.OrdinalIgnoreCase) && c[2] == "slow"));
    }

    [Fact]
    public async Task On_a_server_without_commandlog_the_collector_is_silent()
    {
        // The stock answers: a Redis 7 that says "unknown command" to COMMANDLOG.
        await using var server = new ScriptedRespServer(args => args[0] == "INFO" ? Info(valkey: false) : null);
        await using var h = await CollectorHarness.StartAsync(CollectorHarness.Profile(server.Port));
        await h.PollAsync(CollectorNames.Commandlog);
        var state = h.Collector.Status().Collectors.Single(c => c.Name == CollectorNames.Commandlog);
        Assert.Equal(("unsupported", (string?)null), (state.State, state.Error));
        Assert.Empty(await h.Reader.LogAsync("c1", CommandLogTypes.All, null, null, 100, 0));
        Assert.DoesNotContain(server.Received, c => c[0] == "COMMANDLOG" && c[1].Equals("GET", StringComparison.OrdinalIgnoreCase));
    }
}
