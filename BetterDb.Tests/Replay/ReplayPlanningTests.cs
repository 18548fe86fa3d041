using System.Buffers;
using System.Text;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;
using BetterDb.Core.Replay;

namespace BetterDb.Tests.Replay;

/// <summary>The pure parts of a replay: the bytes a captured line becomes, the blocking-timeout cap, the request's words.</summary>
public sealed class ReplayPlanningTests
{
    private static MonitorLineView Parse(string line, out byte[] bytes)
    {
        bytes = Encoding.ASCII.GetBytes(line);
        Assert.True(MonitorLineParser.TryParse(bytes, out var view));
        return view;
    }

    [Fact]
    public void A_line_becomes_the_resp_command_of_its_exact_bytes()
    {
        // Trailing space: a raw literal cannot end with the quote that closes the last argument.
        var view = Parse("""1700000000.000001 [0 127.0.0.1:5000] "SET" "k\"ey" "\x00\xff\r\n\\a\t" """.TrimEnd(), out _);
        var output = new ArrayBufferWriter<byte>();
        ReplayEncoding.WriteCommand(output, view, -1, default);
        byte[] expected = [.. "*3\r\n$3\r\nSET\r\n$4\r\nk\"ey\r\n$7\r\n"u8, 0x00, 0xff, (byte)'\r', (byte)'\n', (byte)'\\', (byte)'a', (byte)'\t', .. "\r\n"u8];
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(output.WrittenSpan));
    }

    [Fact]
    public void A_capped_argument_is_sent_in_place_of_the_captured_one()
    {
        var view = Parse("1700000000.000001 [0 127.0.0.1:5000] \"BLPOP\" \"q\" \"0\"", out _);
        var output = new ArrayBufferWriter<byte>();
        ReplayEncoding.WriteCommand(output, view, 2, "0.5"u8);
        Assert.Equal("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$3\r\n0.5\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void A_huge_escaped_argument_is_written_whole()
    {
        var value = string.Concat(Enumerable.Repeat("\\x01", 100_000)); // 400 KB escaped, 100 KB of bytes
        var view = Parse($"1700000000.000001 [0 127.0.0.1:5000] \"SET\" \"k\" \"{value}\"", out _);
        var output = new ArrayBufferWriter<byte>();
        ReplayEncoding.WriteCommand(output, view, -1, default);
        var text = output.WrittenSpan;
        var header = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n"u8;
        Assert.True(text.StartsWith(header));
        Assert.Equal(header.Length + 100_000 + 2, text.Length);
        Assert.True(text[header.Length..^2].IndexOfAnyExcept((byte)1) < 0);
    }

    [Theory]
    [InlineData("\"BLPOP\" \"q\" \"0\"", 2, "0.5")]
    [InlineData("\"BLPOP\" \"q\" \"30\"", 2, "0.5")]
    [InlineData("\"BLMPOP\" \"0\" \"1\" \"q\" \"LEFT\"", 1, "0.5")]
    [InlineData("\"XREAD\" \"COUNT\" \"1\" \"block\" \"0\" \"STREAMS\" \"s\" \"$\"", 4, "500")]
    [InlineData("\"WAIT\" \"1\" \"0\"", 2, "500")]
    public void A_long_or_endless_blocking_timeout_is_capped(string args, int index, string capped)
    {
        var view = Parse($"1700000000.000001 [0 127.0.0.1:5000] {args}", out _);
        var verb = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(view.Command).ToUpperInvariant());
        Assert.True(BlockingTimeouts.TryCap(verb, view, 500, out var at, out var replacement));
        Assert.Equal((index, capped), (at, Encoding.ASCII.GetString(replacement)));
    }

    [Theory]
    [InlineData("\"BLPOP\" \"q\" \"0.2\"")]
    [InlineData("\"XREAD\" \"STREAMS\" \"block\" \"0\"")] // a stream named block: not the option
    [InlineData("\"GET\" \"q\"")]
    public void A_short_timeout_or_a_command_that_does_not_block_is_sent_as_it_is(string args)
    {
        var view = Parse($"1700000000.000001 [0 127.0.0.1:5000] {args}", out _);
        var verb = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(view.Command).ToUpperInvariant());
        Assert.False(BlockingTimeouts.TryCap(verb, view, 500, out _, out _));
    }

    [Fact]
    public void The_denylist_matches_verbs_and_subcommands_in_any_case()
    {
        var list = ReplayDenylist.Create(["flushall", "client|kill", "SCRIPT  FLUSH"]);
        Assert.Equal(["FLUSHALL", "CLIENT KILL", "SCRIPT FLUSH"], list.Entries);
        Assert.True(list.Denies("FLUSHALL"u8, "ASYNC"u8));
        Assert.True(list.Denies("CLIENT"u8, "kill"u8));
        Assert.False(list.Denies("CLIENT"u8, "LIST"u8));
        Assert.False(list.Denies("SCRIPT"u8, "LOAD"u8));
        Assert.Empty(ReplayDenylist.Create([]).Entries);
        Assert.Contains("FLUSHALL", ReplayDenylist.Create(null).Entries);
        Assert.Equal("denylist", Assert.Throws<InvalidInputException>(() => ReplayDenylist.Create(["GET; FLUSHALL"])).Field);
    }

    [Theory]
    [InlineData("original", true)]
    [InlineData("max", true)]
    [InlineData("2.5", true)]
    [InlineData("0", false)]
    [InlineData("1001", false)]
    [InlineData("-1", false)]
    [InlineData("fast", false)]
    public void Paces_read_back_from_their_stored_words(string text, bool valid)
    {
        Assert.Equal(valid, ReplayPace.TryParse(text, out var pace));
        if (valid) Assert.Equal(text, pace.ToString());
    }
}
