using System.Text;
using BetterDb.Core.Lines;

namespace BetterDb.Tests.Lines;

public class KeyExtractorTests
{
    // Each case: command, arguments, expected keys. Arguments are split on spaces; "<empty>" is "".
    public static TheoryData<string, string, string> Cases => new()
    {
        // keyless
        { "PING", "", "" },
        { "ECHO", "hello", "" },
        { "INFO", "keyspace", "" },
        { "SELECT", "2", "" },
        { "AUTH", "user pw", "" },
        { "HELLO", "3", "" },
        { "CLIENT", "SETNAME app", "" },
        { "CONFIG", "GET maxmemory", "" },
        { "SCAN", "0 MATCH user:* COUNT 100", "" },
        { "KEYS", "*", "" },
        { "PUBLISH", "channel message", "" },
        { "SUBSCRIBE", "a b", "" },
        { "SCRIPT", "LOAD return", "" },
        { "FUNCTION", "LIST", "" },
        { "CLUSTER", "INFO", "" },
        { "COMMAND", "DOCS get", "" },
        { "SLOWLOG", "GET 10", "" },
        { "WAIT", "1 0", "" },
        { "MULTI", "", "" },
        { "EXEC", "", "" },
        // single key
        { "GET", "k", "k" },
        { "SET", "k v EX 10", "k" },
        { "INCR", "counter", "counter" },
        { "HSET", "h f v f2 v2", "h" },
        { "LPUSH", "l a b c", "l" },
        { "ZADD", "z 1 m", "z" },
        { "XADD", "s * f v", "s" },
        { "GET", "", "" },
        // all arguments
        { "MGET", "a b c", "a b c" },
        { "DEL", "a b", "a b" },
        { "UNLINK", "a", "a" },
        { "EXISTS", "a b", "a b" },
        { "TOUCH", "a b", "a b" },
        { "WATCH", "a b", "a b" },
        { "SINTER", "a b", "a b" },
        { "SUNION", "a b", "a b" },
        { "SDIFF", "a b", "a b" },
        { "PFCOUNT", "h1 h2", "h1 h2" },
        // step 2
        { "MSET", "a 1 b 2", "a b" },
        { "MSETNX", "a 1 b 2 c 3", "a b c" },
        // last argument is a timeout
        { "BLPOP", "a b 0", "a b" },
        { "BRPOP", "a 1.5", "a" },
        { "BZPOPMIN", "z1 z2 0", "z1 z2" },
        { "BZPOPMAX", "z 0", "z" },
        // two keys
        { "RENAME", "a b", "a b" },
        { "RENAMENX", "a b", "a b" },
        { "RPOPLPUSH", "a b", "a b" },
        { "LMOVE", "a b LEFT RIGHT", "a b" },
        { "BLMOVE", "a b LEFT RIGHT 0", "a b" },
        { "SMOVE", "a b member", "a b" },
        { "COPY", "a b DB 1 REPLACE", "a b" },
        { "LCS", "a b LEN", "a b" },
        // numkeys
        { "EVAL", "script 2 k1 k2 arg1", "k1 k2" },
        { "EVALSHA", "sha 0 arg1", "" },
        { "EVAL_RO", "script 1 k arg", "k" },
        { "EVALSHA_RO", "sha 1 k", "k" },
        { "FCALL", "fn 2 k1 k2 a", "k1 k2" },
        { "FCALL_RO", "fn 1 k", "k" },
        { "EVAL", "script 5 a b", "a b" }, // numkeys larger than what follows
        { "EVAL", "script x a b", "" }, // numkeys not a number
        { "EVAL", "script -1 a", "" },
        { "EVAL", "script 99999999999 a", "" }, // numkeys overflows int
        { "ZUNIONSTORE", "d 2 a b WEIGHTS 1 2", "d a b" },
        { "ZINTERSTORE", "d 1 a", "d a" },
        { "ZDIFFSTORE", "d 2 a b", "d a b" },
        { "ZUNION", "2 a b WITHSCORES", "a b" },
        { "ZINTER", "2 a b", "a b" },
        { "ZDIFF", "2 a b", "a b" },
        { "SINTERCARD", "2 a b LIMIT 1", "a b" },
        { "ZINTERCARD", "3 a b c", "a b c" },
        { "LMPOP", "2 a b LEFT COUNT 3", "a b" },
        { "ZMPOP", "1 z MIN", "z" },
        { "BLMPOP", "0 2 a b LEFT", "a b" },
        { "BZMPOP", "1.5 1 z MAX", "z" },
        // keyword STREAMS
        { "XREAD", "COUNT 2 STREAMS s1 s2 0 0", "s1 s2" },
        { "XREAD", "BLOCK 0 STREAMS s $", "s" },
        { "XREADGROUP", "GROUP g c COUNT 1 STREAMS s >", "s" },
        { "XREADGROUP", "GROUP STREAMS c STREAMS s1 s2 > >", "s1 s2" }, // group named "streams"
        // MIGRATE
        { "MIGRATE", "host 6379 key 0 5000", "key" },
        { "MIGRATE", "host 6379 <empty> 0 5000 COPY REPLACE KEYS a b", "a b" },
        { "MIGRATE", "host 6379 <empty> 0 5000 AUTH keys KEYS a", "a" }, // password "keys"
        { "MIGRATE", "host 6379 <empty> 0 5000 AUTH2 user KEYS KEYS a b", "a b" },
        // SORT
        { "SORT", "l", "l" },
        { "SORT", "l BY w_* GET o_* STORE dst", "l dst" },
        { "SORT", "l BY store LIMIT 0 10 store dst", "l dst" },
        { "SORT", "l LIMIT store store", "l" },
        { "SORT_RO", "l BY w_* GET #", "l" },
        // subcommand then key
        { "OBJECT", "ENCODING k", "k" },
        { "OBJECT", "HELP", "" },
        { "MEMORY", "USAGE k SAMPLES 5", "k" },
        { "MEMORY", "STATS", "" },
        { "XGROUP", "CREATE s g $ MKSTREAM", "s" },
        { "XGROUP", "HELP", "" },
        { "XINFO", "STREAM s FULL", "s" },
        { "XINFO", "CONSUMERS s g", "s" },
        // destination plus sources
        { "SINTERSTORE", "d a b", "d a b" },
        { "SUNIONSTORE", "d a", "d a" },
        { "SDIFFSTORE", "d a b", "d a b" },
        { "BITOP", "AND d a b", "d a b" },
        { "BITOP", "NOT d a", "d a" },
        // GEORADIUS STORE / STOREDIST
        { "GEORADIUS", "g 15 37 200 km", "g" },
        { "GEORADIUS", "g 15 37 200 km STORE d", "g d" },
        { "GEORADIUS", "g 15 37 200 km WITHDIST COUNT 5 ASC STOREDIST d", "g d" },
        { "GEORADIUSBYMEMBER", "g store 200 km STORE d", "g d" }, // member named "store"
        { "GEORADIUSBYMEMBER", "g m 200 km", "g" },
        // unknown commands key on the first argument
        { "JSON.SET", "doc $ {}", "doc" },
        { "FOO", "", "" },
    };

    private static string[] Split(string args) =>
        args.Length == 0 ? [] : args.Split(' ').Select(a => a == "<empty>" ? "" : a).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Keys_from_strings(string command, string args, string expected)
    {
        Assert.Equal(Split(expected), KeyExtractor.Keys(command, Split(args)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Keys_from_a_parsed_line_match_the_string_variant(string command, string args, string expected)
    {
        string quoted = string.Join(' ',
            new[] { command.ToLowerInvariant() }.Concat(Split(args))
                .Select(a => "\"" + SdsRepr.Escape(Encoding.UTF8.GetBytes(a)) + "\""));
        byte[] line = Encoding.ASCII.GetBytes("1.000000 [0 lua] " + quoted);

        Assert.True(MonitorLineParser.TryParse(line, out MonitorLineView view));
        Assert.Equal(Split(expected), KeyExtractor.Keys(view));
    }

    [Fact]
    public void Command_match_is_case_insensitive()
    {
        Assert.Equal(["a", "b"], KeyExtractor.Keys("mget", ["a", "b"]));
        Assert.Empty(KeyExtractor.Keys("ping", ["x"]));
        Assert.Equal(["d", "a"], KeyExtractor.Keys("zUnionStore", ["d", "1", "a"]));
    }

    [Fact]
    public void Keys_from_a_line_are_decoded_for_display()
    {
        byte[] line = Encoding.ASCII.GetBytes(@"1.000000 [0 lua] ""del"" ""caf\xc3\xa9"" ""\xff\x00"" ""a\""b""");

        Assert.True(MonitorLineParser.TryParse(line, out MonitorLineView view));
        Assert.Equal(["café", @"\xff\x00", "a\"b"], KeyExtractor.Keys(view));
    }

    [Fact]
    public void An_escaped_command_name_is_decoded_before_lookup()
    {
        byte[] line = Encoding.ASCII.GetBytes(@"1.000000 [0 lua] ""\x6dget"" ""a"" ""b""");

        Assert.True(MonitorLineParser.TryParse(line, out MonitorLineView view));
        Assert.Equal(["a", "b"], KeyExtractor.Keys(view)); // MGET: every argument, not just the first
    }

    [Fact]
    public void Many_keys_beyond_the_stack_buffer_are_all_found()
    {
        string[] keys = Enumerable.Range(0, 100).Select(i => "k" + i).ToArray();
        byte[] line = Encoding.ASCII.GetBytes(
            "1.000000 [0 lua] \"DEL\" " + string.Join(' ', keys.Select(k => "\"" + k + "\"")));

        Assert.True(MonitorLineParser.TryParse(line, out MonitorLineView view));
        Assert.Equal(keys, KeyExtractor.Keys(view));
        Assert.Equal(keys, KeyExtractor.Keys("DEL", keys));
    }
}
