using System.Text;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;

namespace BetterDb.Tests.Query;

/// <summary>The filters shared by /lines, /export and the analysis: each alone, together, and their bad values.</summary>
public sealed class LineFilterTests
{
    // ts (µs) 1700000000.000000 = 1700000000000 ms
    private static readonly string[] Sample =
    [
        "1700000000.000000 [0 127.0.0.1:5000] \"SET\" \"user:1\" \"alice\"",          // 0
        "1700000000.500000 [0 127.0.0.1:5000] \"get\" \"user:1\"",                     // 1 lower-case verb
        "1700000001.000000 [2 10.0.0.7:6000] \"MGET\" \"session:9\" \"user:2\"",       // 2 second key matches
        "1700000001.999999 [2 [::1]:7000] \"DEL\" \"bin:\\xff\\x00\" \"cache:x\"",    // 3 binary key
        "1700000002.000000 [0 lua] \"set\" \"user:3\" \"caf\\xc3\\xa9\"",             // 4 from a script
        "1700000003.000000 [1 unix:/tmp/redis.sock] \"PING\"",                       // 5 keyless
        "this line is damaged, user:1 SET",                                          // 6 malformed
        "1700000004.250000 [0 127.0.0.1:5000] \"EVAL\" \"return 1\" \"2\" \"k{1}\" \"user:9\" \"arg\"", // 7
    ];

    private static int[] Matching(LineFilter filter) =>
        Sample.Select((line, i) => (line, i)).Where(x => filter.Matches(Encoding.ASCII.GetBytes(x.line))).Select(x => x.i).ToArray();

    private static LineFilter Parse(params (string Name, string Value)[] query) =>
        LineFilter.Parse(name => query.FirstOrDefault(q => q.Name == name).Value);

    [Fact]
    public void No_filter_matches_every_line_malformed_ones_included()
    {
        Assert.True(LineFilter.None.IsEmpty);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], Matching(LineFilter.None));
        Assert.True(Parse().IsEmpty);
        Assert.True(Parse(("command", ""), ("key", ""), ("client", ""), ("text", "")).IsEmpty);
    }

    [Fact]
    public void Command_is_a_case_insensitive_list_of_exact_verbs()
    {
        Assert.Equal([0, 1, 4], Matching(Parse(("command", "set,Get"))));
        Assert.Equal([0, 4], Matching(Parse(("command", "SET"))));
        Assert.Equal([0, 4], Matching(Parse(("command", " set , "))));
        Assert.Empty(Matching(Parse(("command", "SE")))); // exact, not a prefix
        Assert.Equal([2], Matching(Parse(("command", "mget"))));
    }

    [Fact]
    public void Client_is_a_substring_of_the_address()
    {
        Assert.Equal([0, 1, 7], Matching(Parse(("client", "127.0.0.1:5000"))));
        Assert.Equal([0, 1, 7], Matching(Parse(("client", ":5000"))));
        Assert.Equal([3], Matching(Parse(("client", "[::1]"))));
        Assert.Equal([4], Matching(Parse(("client", "lua"))));
        Assert.Equal([5], Matching(Parse(("client", "unix:"))));
        Assert.Empty(Matching(Parse(("client", "192.168"))));
    }

    [Fact]
    public void Key_is_a_redis_glob_over_any_key_of_the_line()
    {
        Assert.Equal([0, 1, 2, 4, 7], Matching(Parse(("key", "user:*")))); // MGET and EVAL match on a later key
        Assert.Equal([0, 1], Matching(Parse(("key", "user:1"))));
        Assert.Equal([0, 1, 2, 4], Matching(Parse(("key", "user:[1-3]"))));
        Assert.Equal([2], Matching(Parse(("key", "session:?"))));
        Assert.Equal([7], Matching(Parse(("key", "k\\{1}")))); // escaped brace: a literal
        Assert.Equal([3], Matching(Parse(("key", "bin:??")))); // the binary key's two real bytes, not its escaped text
        Assert.Empty(Matching(Parse(("key", "bin:\\\\xff*"))));
        Assert.Equal([3], Matching(Parse(("key", "*x")))); // cache:x
        Assert.Empty(Matching(Parse(("key", "alice")))); // a value is not a key
        Assert.Empty(Matching(Parse(("key", "return*")))); // nor is a script
        // "*" keeps the lines that have a key: PING and the malformed line have none.
        Assert.Equal([0, 1, 2, 3, 4, 7], Matching(Parse(("key", "*"))));
    }

    [Fact]
    public void Binary_keys_match_by_their_real_bytes()
    {
        var glob = new RedisGlob([(byte)'b', (byte)'i', (byte)'n', (byte)':', 0xff, (byte)'*']);
        var filter = LineFilter.Create(keyGlob: Encoding.Latin1.GetString([(byte)'b', (byte)'i', (byte)'n', (byte)':']) + "?\0");
        Assert.True(glob.IsMatch([(byte)'b', (byte)'i', (byte)'n', (byte)':', 0xff, 0x00]));
        Assert.Equal([3], Matching(filter)); // "bin:" + any byte + NUL
    }

    [Fact]
    public void Db_selects_one_database()
    {
        Assert.Equal([2, 3], Matching(Parse(("db", "2"))));
        Assert.Equal([0, 1, 4, 7], Matching(Parse(("db", "0"))));
        Assert.Empty(Matching(Parse(("db", "15"))));
    }

    [Fact]
    public void Time_bounds_are_epoch_milliseconds_and_inclusive()
    {
        Assert.Equal([2, 3, 4], Matching(Parse(("afterTs", "1700000001000"), ("beforeTs", "1700000002000"))));
        Assert.Equal([0, 1], Matching(Parse(("beforeTs", "1700000000500"))));
        Assert.Equal([3, 4, 5, 7], Matching(Parse(("afterTs", "1700000001999"))));
        Assert.Equal([3], Matching(Parse(("afterTs", "1700000001999"), ("beforeTs", "1700000001999")))); // µs .999999 floors to ms 1999
        Assert.Empty(Matching(Parse(("afterTs", "1800000000000"))));
    }

    [Fact]
    public void Text_is_a_substring_of_the_raw_line_and_the_only_filter_a_malformed_line_can_pass()
    {
        Assert.Equal([0, 1, 6], Matching(Parse(("text", "user:1"))));
        Assert.Equal([6], Matching(Parse(("text", "damaged"))));
        Assert.Equal([3], Matching(Parse(("text", "\\xff")))); // raw means as MONITOR escaped it
        Assert.Equal([4], Matching(Parse(("text", "[0 lua]"))));
        // With any other filter a malformed line is out, even if its text would match.
        Assert.Equal([0], Matching(Parse(("text", "user:1"), ("command", "SET"))));
        Assert.Equal([0, 1], Matching(Parse(("text", "user:1"), ("key", "*"))));
    }

    [Fact]
    public void Filters_combine_with_and()
    {
        Assert.Equal([0, 4], Matching(Parse(("command", "set"), ("key", "user:*"))));
        Assert.Equal([0], Matching(Parse(("command", "set"), ("key", "user:*"), ("client", "5000"))));
        Assert.Equal([2], Matching(Parse(("db", "2"), ("key", "user:*"))));
        Assert.Equal([3], Matching(Parse(("db", "2"), ("afterTs", "1700000001500"), ("command", "del"), ("text", "cache"))));
        Assert.Empty(Matching(Parse(("db", "2"), ("command", "set"))));
        var filter = Parse(("command", "set"), ("key", "user:*"), ("client", "5000"), ("db", "0"), ("afterTs", "1"), ("beforeTs", "2000000000000"), ("text", "alice"));
        Assert.Equal([0], Matching(filter));
        // And the same filter survives a round trip through its query string (export links carry it).
        var query = filter.ToQuery().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal([0], Matching(LineFilter.Parse(name => query.GetValueOrDefault(name))));
    }

    [Fact]
    public void A_parsed_line_is_filtered_the_same_as_its_raw_text()
    {
        var filters = new[]
        {
            Parse(("text", "user:1")), Parse(("key", "user:*"), ("text", "get")), Parse(("command", "MGET"), ("text", "session")),
        };
        foreach (var filter in filters)
            foreach (var line in Sample)
            {
                var raw = Encoding.ASCII.GetBytes(line);
                if (!MonitorLineParser.TryParse(raw, out var view)) continue;
                Assert.Equal(filter.Matches(raw), filter.Matches(view));
                Assert.Equal(filter.Matches(raw), filter.Matches(raw, view, null));
            }
    }

    [Theory]
    [InlineData("db", "x")]
    [InlineData("db", "-1")]
    [InlineData("db", "1.5")]
    [InlineData("db", "99999999999")]
    [InlineData("afterTs", "yesterday")]
    [InlineData("afterTs", "-5")]
    [InlineData("beforeTs", "1e12")]
    public void A_bad_value_is_refused_naming_its_field(string field, string value)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Parse((field, value)));
        Assert.Equal(field, ex.Field);
        Assert.Contains(field, ex.Message);
    }

    [Fact]
    public void A_window_that_ends_before_it_starts_and_an_overlong_pattern_are_refused()
    {
        var ex = Assert.Throws<InvalidInputException>(() => Parse(("afterTs", "2000"), ("beforeTs", "1000")));
        Assert.Equal("afterTs", ex.Field);
        ex = Assert.Throws<InvalidInputException>(() => Parse(("key", new string('*', 5000))));
        Assert.Equal("key", ex.Field);
    }

    [Fact]
    public void Whole_chunks_are_skipped_by_time_without_reading_them()
    {
        const long Second = 1_000_000; // chunk bounds are MONITOR timestamps in µs
        var window = Parse(("afterTs", "1700000001000"), ("beforeTs", "1700000002000"));
        Assert.True(window.MayMatchChunk(1700000000 * Second, 1700000001 * Second)); // ends on the first ms
        Assert.True(window.MayMatchChunk(1700000002 * Second, 1700000003 * Second)); // starts on the last ms
        Assert.True(window.MayMatchChunk(1700000000 * Second, 1700000009 * Second)); // spans it
        Assert.False(window.MayMatchChunk(1700000000 * Second, 1700000000 * Second + 999_999)); // ends at .999999: ms 1700000000999
        Assert.False(window.MayMatchChunk(1700000002 * Second + 1_000, 1700000003 * Second)); // starts 1 ms after
        // A chunk of malformed lines only (no timestamps) can match only a filter without time bounds.
        Assert.False(window.MayMatchChunk(0, 0));
        Assert.True(Parse(("text", "x")).MayMatchChunk(0, 0));
        Assert.True(LineFilter.None.MayMatchChunk(0, 0));
        Assert.True(Parse(("afterTs", "1700000001000")).MayMatchChunk(1700000001 * Second, 1700000001 * Second));
        Assert.False(Parse(("beforeTs", "1699999999999")).MayMatchChunk(1700000000 * Second, 1700000001 * Second));
    }

    [Fact]
    public void The_key_filter_uses_the_table_it_is_given()
    {
        var line = Encoding.ASCII.GetBytes("1700000000.000000 [0 127.0.0.1:1] \"PFDEBUG\" \"GETREG\" \"hll\"");
        var filter = Parse(("key", "hll"));
        Assert.False(filter.Matches(line)); // the built-in table's guess for an unknown command is its first argument
        Assert.Null(filter.KeySpecs);
        Assert.Same(filter, filter.WithKeySpecs(null));
        Assert.NotSame(filter, filter.WithKeySpecs(KeySpecTable.BuiltIn));
    }
}
