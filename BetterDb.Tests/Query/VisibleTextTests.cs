using System.Diagnostics;
using System.Text;
using BetterDb.Core.Analysis;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;

namespace BetterDb.Tests.Query;

/// <summary>
/// Issue 12, items 8-9 and 12: how a line reads on screen (visible escapes), the key pattern typed from it, the redis-cli
/// command that sends a line again (checked by a real shell), and inferred time counted in busy stretches only.
/// </summary>
public sealed class VisibleTextTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Theory]
    [InlineData("user:1", "user:1")]
    [InlineData("José 日本", "José 日本")]
    [InlineData("a\nb", @"a\nb")]
    [InlineData("tab\there", @"tab\there")]
    [InlineData("a\\b", @"a\\b")]
    [InlineData("say \"hi\"", "say \"hi\"")]
    [InlineData("\u0001\u007f", @"\x01\x7f")]
    [InlineData("zero\u200bwidth", @"zero\xe2\x80\x8bwidth")]
    [InlineData("nb\u00a0sp", @"nb\xc2\xa0sp")]
    public void Text_shows_what_cannot_be_seen_as_escapes(string text, string shown) => Assert.Equal(shown, VisibleText.Of(B(text)));

    [Fact]
    public void Bytes_that_are_not_utf8_are_hex_escapes_and_an_escaped_argument_reads_the_same()
    {
        Assert.Equal(@"\xff\x00ok", VisibleText.Of([0xff, 0x00, (byte)'o', (byte)'k']));
        // As MONITOR wrote them (sdscatrepr): the decoded text, with the same visible escapes.
        Assert.Equal(@"user:\n1", VisibleText.FromEscaped(B(@"user:\n1"), 1024, out var length));
        Assert.Equal(7, length);
        Assert.Equal("José", VisibleText.FromEscaped(B(@"Jos\xc3\xa9"), 1024, out _));
    }

    [Fact]
    public void A_key_pattern_typed_from_the_list_matches_the_key_it_shows()
    {
        // The list shows a key holding a newline as user:\n1; typed so, the pattern finds it.
        var shown = VisibleText.Of(B("user:\n1"));
        var glob = new RedisGlob(KeyPatternText.FromTyped(shown));
        Assert.True(glob.IsMatch(B("user:\n1")));
        Assert.False(glob.IsMatch(B("usern1")));
        Assert.True(new RedisGlob(KeyPatternText.FromTyped(@"user:\n*")).IsMatch(B("user:\nanything")));
        // Redis's own escapes are untouched: \* is a star, \\ a backslash.
        Assert.True(new RedisGlob(KeyPatternText.FromTyped(@"a\*b")).IsMatch(B("a*b")));
        Assert.True(new RedisGlob(KeyPatternText.FromTyped(@"a\\b")).IsMatch(B(@"a\b")));
        Assert.True(new RedisGlob(KeyPatternText.FromTyped(@"\xc3\xa9t\xc3\xa9")).IsMatch(B("été")));
        Assert.Equal("key", Assert.Throws<InvalidInputException>(() => KeyPatternText.FromTyped(@"bin\xff")).Field);
    }

    [Theory]
    [InlineData("user:*")]
    [InlineData("a\nb*")]
    [InlineData(@"a\*b")]
    [InlineData(@"x\\y")]
    [InlineData("été?")]
    public void A_pattern_reads_back_into_the_field_and_means_the_same(string pattern)
    {
        var typed = KeyPatternText.ToTyped(pattern);
        Assert.DoesNotContain('\n', typed);
        foreach (var key in new[] { "a\nbc", "a*b", @"x\y", "étéx", "user:1", "anb" })
            Assert.Equal(new RedisGlob(pattern).IsMatch(B(key)), new RedisGlob(KeyPatternText.FromTyped(typed)).IsMatch(B(key)));
    }

    [Fact]
    public void A_key_from_a_report_becomes_an_exact_glob()
    {
        Assert.Equal(@"user:\[1\]\*", KeyPatternText.ForShownKey("user:[1]*"));
        Assert.True(new RedisGlob(KeyPatternText.ForShownKey(@"bin\xff\x00k")).IsMatch([(byte)'b', (byte)'i', (byte)'n', 0xff, 0x00, (byte)'k']));
    }

    [Fact]
    public void The_hex_view_has_offsets_pairs_and_ascii()
    {
        var hex = VisibleText.Hex(B("SET\nkey"));
        Assert.StartsWith("0000  53 45 54 0a 6b 65 79", hex);
        Assert.EndsWith("SET.key", hex);
    }

    [Theory]
    [InlineData("plain:key-1", "plain:key-1")]
    [InlineData("", "''")]
    [InlineData("two words", "'two words'")]
    [InlineData("it's", @"'it'\''s'")]
    [InlineData("$HOME `x` !", "'$HOME `x` !'")]
    [InlineData("José", "'José'")]
    [InlineData("a\\b", @"'a\b'")]
    [InlineData("line\nbreak", @"$'line\nbreak'")]
    [InlineData("q'\u0001", @"$'q\'\x01'")]
    public void Arguments_are_quoted_for_a_posix_shell(string arg, string quoted) => Assert.Equal(quoted, RedisCliCommand.Quote(B(arg)));

    [Fact]
    public void A_real_shell_reads_the_command_back_to_the_same_bytes()
    {
        byte[][] args = [B("SET"), B("user:'1'\n"), [0xff, 0x01, (byte)'\\', (byte)'"', (byte)'\''], B("José $x `y`"), []];
        var command = RedisCliCommand.For(args, db: 3);
        Assert.StartsWith("redis-cli -n 3 SET ", command);
        // bash reads it: each word after "redis-cli -n 3" printed as hex.
        var output = Bash("f() { shift 2; for a in \"$@\"; do printf '%s' \"$a\" | od -An -tx1 | tr -d ' \\n'; echo; done; }; f " + command["redis-cli ".Length..]);
        for (var i = 0; i < args.Length; i++)
            Assert.Equal(Convert.ToHexString(args[i]).ToLowerInvariant(), output[i]);
    }

    [Fact]
    public void A_last_argument_with_a_nul_byte_goes_through_stdin_and_one_elsewhere_cannot_be_sent()
    {
        byte[] value = [0x00, 0xff, (byte)'a', 0x00];
        Assert.True(RedisCliCommand.TryFor([B("SET"), B("k"), value], 0, out var command, out _));
        Assert.StartsWith("printf '", command);
        Assert.EndsWith("| redis-cli -x SET k", command);
        // What printf writes is the value, byte for byte.
        var output = Bash(command[..command.IndexOf(" | ", StringComparison.Ordinal)] + " | od -An -tx1 | tr -d ' \\n'");
        Assert.Equal("00ff6100", output[0]);

        Assert.False(RedisCliCommand.TryFor([B("SET"), value, B("v")], 0, out _, out var why));
        Assert.Contains("NUL", why);
    }

    private static string[] Bash(string script)
    {
        var psi = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true };
        using var bash = Process.Start(psi)!;
        var output = bash.StandardOutput.ReadToEnd().Split('\n');
        bash.WaitForExit();
        return output;
    }

    [Fact]
    public void Line_arguments_are_the_real_bytes_with_their_lengths()
    {
        Assert.True(LineArguments.TryRead(B("1700000000.000001 [0 127.0.0.1:5000] \"SET\" \"a\\nb\" \"\\xff\""), 1024, out var args));
        Assert.Equal(["SET", "a\nb"], args.Take(2).Select(a => Encoding.UTF8.GetString(a.Bytes)));
        Assert.Equal([3L, 3L, 1L], args.Select(a => a.Length));
        Assert.Equal([0xff], args[2].Bytes);
        Assert.False(LineArguments.TryRead(B("not a line"), 1024, out _));
    }

    [Fact]
    public void Idle_gaps_are_not_a_commands_time_only_busy_stretches_count()
    {
        // A burst of 200 commands 20 µs apart, a client sleeping 1 s, another burst: the sleep is idle, not SET's cost.
        var acc = new AnalysisAccumulator();
        var text = new StringBuilder();
        var ts = 1_700_000_000_000_000L;
        void Line(string verb) { text.Append($"{ts / 1_000_000}.{ts % 1_000_000:000000} [0 127.0.0.1:5000] \"{verb}\" \"k\"\n"); }
        for (var i = 0; i < 200; i++) { Line("GET"); ts += 20; }
        Line("SET"); ts += 1_000_000;
        for (var i = 0; i < 200; i++) { Line("GET"); ts += 20; }
        acc.AddChunk(B(text.ToString()));
        var report = acc.Build("s");

        // The old figures (all gaps) still say SET took the second...
        Assert.Equal("SET", report.InferredTime.Heaviest[0].Cmd);
        // ...the busy ones do not.
        var busy = report.InferredTime.Busy!;
        Assert.Equal(20L, busy.MedianGapUs);
        Assert.InRange(busy.ThresholdUs, 50, 400);
        Assert.Equal(1, busy.IdleGaps);
        Assert.Equal(1_000_000, busy.IdleUs);
        Assert.Equal("GET", busy.Heaviest[0].Cmd);
        Assert.DoesNotContain(busy.PerCommand, t => t.Cmd == "SET");
        Assert.All(busy.Slowest, s => Assert.True(s.GapUs <= busy.ThresholdUs));
    }

    [Fact]
    public void A_quiet_server_has_no_busy_stretch()
    {
        var acc = new AnalysisAccumulator();
        var text = new StringBuilder();
        for (var i = 0; i < 10; i++) text.Append($"{1_700_000_000 + i}.000000 [0 127.0.0.1:5000] \"PING\"\n");
        acc.AddChunk(B(text.ToString()));
        var busy = acc.Build("s").InferredTime.Busy!;
        Assert.Equal(0, busy.BusyGaps);
        Assert.Equal(9, busy.IdleGaps);
        Assert.Empty(busy.Heaviest);
        Assert.Empty(busy.Slowest);
    }

    [Theory]
    [InlineData(null, ':')]
    [InlineData("/", '/')]
    public void The_prefix_delimiter_defaults_only_when_not_given(string? value, char delimiter) =>
        Assert.Equal(delimiter, SessionAnalysis.ParseDelimiter(value));

    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("é")]
    [InlineData("\u0001")]
    public void An_empty_or_invalid_prefix_delimiter_is_refused(string value) =>
        Assert.Equal("prefixDelimiter", Assert.Throws<InvalidInputException>(() => SessionAnalysis.ParseDelimiter(value)).Field);
}
