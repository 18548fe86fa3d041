using System.Text;
using BetterDb.Core.Lines;
using BetterDb.Testing;
using StackExchange.Redis;

namespace BetterDb.Tests.Query;

/// <summary>
/// <see cref="RedisGlob"/> against Redis's own <c>stringmatchlen</c> rules: documented cases first, then the
/// same patterns asked of a real redis-server (<c>KEYS</c>) over the same keys, byte for byte.
/// </summary>
[Collection(QueryRedisCollection.Name)]
public sealed class RedisGlobTests(RedisFixture redis)
{
    private const int Db = 3;

    // pattern, text, expected — each one a rule of stringmatchlen (util.c).
    public static TheoryData<string, string, bool> Cases => new()
    {
        // literal and '?'
        { "hello", "hello", true },
        { "hello", "hell", false },
        { "hello", "helloo", false },
        { "h?llo", "hallo", true },
        { "h?llo", "hllo", false },
        { "??", "a", false },
        { "?", "é", false }, // one byte at a time: é is two bytes in UTF-8
        { "??", "é", true },
        // '*' (and runs of stars collapsing into one)
        { "*", "anything", true },
        { "h*llo", "hllo", true },
        { "h*llo", "heeeello", true },
        { "h*llo", "hello world", false },
        { "a**b", "ab", true },
        { "a***b*", "axxbyy", true },
        { "*a*a*a", "aaa", true },
        { "*a*a*a", "aab", false },
        { "*:*", "user:1", true },
        { "user:*", "user:", true },
        { "*1", "user:1", true },
        // classes
        { "h[ae]llo", "hallo", true },
        { "h[ae]llo", "hillo", false },
        { "h[^e]llo", "hallo", true },
        { "h[^e]llo", "hello", false },
        { "h[a-b]llo", "hbllo", true },
        { "h[a-b]llo", "hcllo", false },
        { "[z-a]", "m", true }, // a reversed range is swapped
        { "[z-a]", "A", false },
        { "[a-]", "]", true }, // "a-]" is the range a..']' (']' < 'a', swapped): ']' '^' '_' '`' 'a'
        { "[a-]", "_", true },
        { "[a-]", "b", false },
        { "[]", "a", false }, // empty class matches nothing
        { "[]a]", "a", false }, // ... so "[]a]" is an empty class, then "a]"
        { "[]a]", "ba]", false },
        { "[^]", "x", true }, // negated empty class: any byte
        { "[abc", "b", true }, // unclosed: the class ends with the pattern
        { "a[bc", "ac", true },
        { "a[bc", "abc", false },
        { "[", "[", false }, // '[' alone is an empty class
        { "[^", "x", true },
        { "[\\]]", "]", true }, // escapes inside a class
        { "[\\-a]", "-", true },
        { "[\\-a]", "b", false },
        { "[a\\-z]", "m", false }, // an escaped '-' is no range
        // escapes outside classes
        { "\\*", "*", true },
        { "\\*", "a", false },
        { "a\\?c", "a?c", true },
        { "a\\?c", "abc", false },
        { "\\[a]", "[a]", true },
        { "\\\\", "\\", true },
        { "a\\", "a\\", true }, // a trailing backslash is a literal one
        { "\\a", "a", true }, // an escaped ordinary byte is itself
        // the empty string and the empty pattern
        { "", "", true },
        { "", "a", false },
        { "*", "", true }, // KEYS/SCAN take a shortcut for "*": it matches even the empty key
        { "**", "", false }, // ... but the matcher itself never matches the empty string
        { "?", "", false },
        { "a*", "a", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Follows_stringmatchlen(string pattern, string text, bool expected) =>
        Assert.Equal(expected, new RedisGlob(pattern).IsMatch(text));

    [Fact]
    public void Binary_bytes_match_as_bytes_and_ranges_compare_as_signed_chars()
    {
        // Redis compares range ends as C char, signed on x86-64: 0x80..0xff come before 0x00.
        Assert.True(Glob([(byte)'[', (byte)'a', (byte)'-', 0xff, (byte)']']).IsMatch([0xff]));
        Assert.True(Glob([(byte)'[', (byte)'a', (byte)'-', 0xff, (byte)']']).IsMatch([0x00]));
        Assert.False(Glob([(byte)'[', (byte)'a', (byte)'-', 0xff, (byte)']']).IsMatch([(byte)'b']));
        Assert.True(Glob([(byte)'[', 0x80, (byte)'-', 0xff, (byte)']']).IsMatch([0x90]));
        Assert.False(Glob([(byte)'[', 0x80, (byte)'-', 0xff, (byte)']']).IsMatch([0x10]));
        Assert.True(Glob("*\0*"u8).IsMatch([(byte)'a', 0, (byte)'b']));
        Assert.True(Glob([(byte)'?', 0xff]).IsMatch([0x00, 0xff]));
        Assert.True(new RedisGlob("caf*").IsMatch("café"));
        Assert.True(new RedisGlob("caf??").IsMatch("café"));
    }

    [Fact]
    public async Task A_hostile_pattern_answers_at_once()
    {
        // 128 × "*a" makes a backtracking matcher (Redis's own before 7.0.9) run for ages on a long string.
        var pattern = string.Concat(Enumerable.Repeat("*a", 128));
        var glob = new RedisGlob(pattern);
        var allA = new string('a', 10_000);
        var endsInB = allA + "b";
        var tooFewA = new string('a', 127) + new string('b', 10_000);
        var answers = await Task.Run(() => (glob.IsMatch(allA), glob.IsMatch(endsInB), glob.IsMatch(tooFewA)))
            .WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((true, false, false), answers);
    }

    [Theory]
    [InlineData("a****b", "ab", true)]
    [InlineData("a****b", "axyzb", true)]
    [InlineData("a****b", "axyz", false)]
    [InlineData("****", "x", true)]
    [InlineData("*?*?*", "ab", true)]
    [InlineData("*?*?*", "a", false)]
    [InlineData("**a**b**", "xxaxxbxx", true)]
    [InlineData("**a**b**", "xxbxxaxx", false)]
    [InlineData("*\\\\**", "a\\b", true)] // an escaped backslash between two runs of stars
    [InlineData("*\\\\**", "ab", false)]
    [InlineData("a*\\*", "a*", true)] // "\\*" is a literal star: not part of a run
    [InlineData("a*\\*", "ab", false)]
    public void Runs_of_stars_are_one_star(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, new RedisGlob(pattern).IsMatch(text));
        // However long the run, the answer is that of a single star.
        var longRun = pattern.Replace("**", new string('*', 300));
        Assert.Equal(expected, new RedisGlob(longRun).IsMatch(text));
    }

    [Fact]
    public async Task A_pattern_of_many_stars_costs_no_more_than_its_bytes()
    {
        // The probe's pattern ("*a" x 2048 on a 144 k-line session took 6.2 s), and the longest a filter accepts (512).
        var probe = new RedisGlob(string.Concat(Enumerable.Repeat("*a", 2048)));
        var longest = new RedisGlob(string.Concat(Enumerable.Repeat("*a", 256)));
        var keys = Enumerable.Range(0, 144_000).Select(i => Encoding.ASCII.GetBytes($"user:{i}:session:abcdefgh")).ToArray();
        var aaa = Encoding.ASCII.GetBytes(new string('a', 300));
        var aab = Encoding.ASCII.GetBytes(new string('a', 300) + "b");
        var started = System.Diagnostics.Stopwatch.StartNew();
        var matched = await Task.Run(() =>
        {
            var n = 0;
            foreach (var key in keys)
                if (probe.IsMatch(key) || longest.IsMatch(key)) n++;
            // The worst case for star backtracking: every 'a' can start the next part.
            for (var i = 0; i < 200; i++)
                if (longest.IsMatch(aaa) && !longest.IsMatch(aab) && !probe.IsMatch(aaa)) n++;
            return n;
        }).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(200, matched);
        // Generous for a loaded CI box; the old matcher took seconds for the key loop alone.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(3), $"took {started.Elapsed}");
    }

    [Theory]
    [InlineData("[", "[ at position 1")]
    [InlineData("user:[", "[ at position 6")]
    [InlineData("user:[abc", "never closed")]
    [InlineData("[^", "any one byte")]
    [InlineData("user:\\", "trailing \\")]
    [InlineData("a[]b", "empty class")]
    public void Patterns_redis_reads_unusually_carry_a_warning(string pattern, string expected)
    {
        var glob = new RedisGlob(pattern);
        var warning = Assert.Single(glob.Warnings);
        Assert.Contains(expected, warning);
        Assert.Contains("Redis", warning);
    }

    [Theory]
    [InlineData("user:*")]
    [InlineData("user:[0-9]*")]
    [InlineData("a\\[b")]
    [InlineData("a\\\\")]
    [InlineData("[\\]]")]
    [InlineData("*")]
    public void Ordinary_patterns_carry_no_warning(string pattern) => Assert.Empty(new RedisGlob(pattern).Warnings);

    // Keys created on the real server; patterns asked with KEYS there and of RedisGlob here.
    private static readonly byte[][] Keys =
    [
        B(""), B("a"), B("b"), B("m"), B("z"), B("A"), B("ab"), B("abc"), B("abd"), B("aXc"), B("ac"),
        B("a*c"), B("a?c"), B("a[c"), B("a]c"), B("a\\c"), B("a-c"), B("a^c"),
        B("*"), B("?"), B("["), B("]"), B("\\"), B("-"), B("^"), B("_"), B("a\\"), B("[a]"),
        B("hello"), B("hallo"), B("hxllo"), B("hllo"), B("heeeello"), B("hello world"),
        B("user:1"), B("user:22"), B("user:1:profile"), B("user:22:profile"), B("session:abc"), B("user:"),
        B("aaa"), B("aab"), B("aaaa"), B("ba"),
        [0xff], [0x00], [0x80], [0x7f], [0x90], [(byte)'a', 0xff, (byte)'b'], [(byte)'a', 0x00, (byte)'b'],
        B("café"), B("é"), B("abc\n"), B("a\tb"),
    ];

    private static readonly byte[][] Patterns =
    [
        B("*"), B("**"), B(""), B("a"), B("a*"), B("*c"), B("*b*"), B("a?c"), B("?"), B("??"), B("???"),
        B("h?llo"), B("h*llo"), B("h[ae]llo"), B("h[^e]llo"), B("h[a-x]llo"), B("[a-c]"), B("[c-a]"), B("[z-a]"),
        B("a[b-d]c"), B("a[^b-d]c"), B("[abc"), B("a[bc"), B("a[b"), B("[]"), B("[]a]"), B("[^]"), B("[^"), B("["), B("[a-]"),
        B("a[a-]c"), B("\\*"), B("a\\*c"), B("a\\?c"), B("a\\[c"), B("a\\]c"), B("a\\\\c"), B("\\"), B("a\\"), B("\\a"),
        B("[\\]]"), B("[\\-]"), B("a[\\]]c"), B("a[\\-\\]]c"), B("[\\^]"), B("a[\\^x]c"), B("[^a]"), B("[^a-z]"), B("*\\"),
        B("?*"), B("*?*"), B("a*b*c"), B("*a*a*a"), B("a*a"), B("user:*"), B("user:*:profile"), B("user:??"),
        B("*:*"), B("*[0-9]"), B("[\\"), B("[a\\"), B("a[\\"),
        [(byte)'[', 0x00, (byte)'-', (byte)'a', (byte)']'], [(byte)'[', (byte)'a', (byte)'-', 0xff, (byte)']'],
        [(byte)'[', 0x80, (byte)'-', 0xff, (byte)']'], [(byte)'[', 0x7f, (byte)'-', 0x80, (byte)']'],
        [0xff], [(byte)'*', 0xff, (byte)'*'], [(byte)'a', (byte)'?', (byte)'b'], [(byte)'[', 0xff, (byte)']'],
        [(byte)'[', (byte)'^', 0xff, (byte)']'], B("caf*"), B("caf?"), B("caf??"), B("?é"), B("é"), B("*\n"), B("a[\t]b"),
    ];

    [Fact]
    public async Task Agrees_with_a_real_redis_server_on_every_pattern()
    {
        var db = redis.Client.GetDatabase(Db);
        await db.ExecuteAsync("FLUSHDB");
        foreach (var key in Keys) await db.StringSetAsync(key, "1");

        var disagreements = new List<string>();
        foreach (var pattern in Patterns)
        {
            var reply = (RedisResult[])(await db.ExecuteAsync("KEYS", (RedisValue)pattern))!;
            var server = reply.Select(r => Show((byte[])r!)).Order(StringComparer.Ordinal).ToList();
            var glob = Glob(pattern);
            var ours = Keys.Where(k => glob.IsMatch(k)).Select(Show).Order(StringComparer.Ordinal).ToList();
            if (!server.SequenceEqual(ours))
                disagreements.Add($"pattern {Show(pattern)}: redis [{string.Join(", ", server)}], ours [{string.Join(", ", ours)}]");
        }
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        // The comparison means something only if patterns select different, non-trivial sets.
        Assert.True(Patterns.Select(p => Keys.Count(k => Glob(p).IsMatch(k))).Distinct().Count() > 10);
    }

    private static RedisGlob Glob(ReadOnlySpan<byte> pattern) => new(pattern);

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string Show(byte[] bytes) => "\"" + SdsRepr.Escape(bytes) + "\"";
}
