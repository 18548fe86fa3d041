using System.Text;
using BetterDb.Core.Lines;

namespace BetterDb.Tests.Lines;

public class SdsReprTests
{
    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    [Theory]
    [InlineData(@"\\", 0x5c)]
    [InlineData(@"\""", 0x22)]
    [InlineData(@"\n", 0x0a)]
    [InlineData(@"\r", 0x0d)]
    [InlineData(@"\t", 0x09)]
    [InlineData(@"\a", 0x07)]
    [InlineData(@"\b", 0x08)]
    [InlineData(@"\x00", 0x00)]
    [InlineData(@"\x7f", 0x7f)]
    [InlineData(@"\xff", 0xff)]
    [InlineData(@"\xFF", 0xff)]
    [InlineData(@"\xAb", 0xab)]
    [InlineData(@"\x9C", 0x9c)]
    public void Unescape_decodes_each_escape(string escaped, int expected)
    {
        Assert.Equal(new[] { (byte)expected }, SdsRepr.Unescape(Ascii(escaped)));
        Assert.Equal(new[] { (byte)'<', (byte)expected, (byte)'>' }, SdsRepr.Unescape(Ascii("<" + escaped + ">")));
    }

    [Fact]
    public void Unescape_into_span_needs_no_more_than_the_input_length()
    {
        byte[] escaped = Ascii(@"a\""b\\c\x00\xff\r\n\t\a\b");
        var destination = new byte[escaped.Length];

        int written = SdsRepr.Unescape(escaped, destination);

        Assert.Equal(new byte[] { 0x61, 0x22, 0x62, 0x5c, 0x63, 0x00, 0xff, 0x0d, 0x0a, 0x09, 0x07, 0x08 },
            destination[..written]);
    }

    [Theory]
    [InlineData(@"\q", @"\q")]
    [InlineData(@"ab\x4", @"ab\x4")]
    [InlineData(@"\xg1", @"\xg1")]
    [InlineData(@"end\", @"end\")]
    public void Unescape_copies_sequences_redis_never_writes_verbatim(string escaped, string expected)
    {
        Assert.Equal(Ascii(expected), SdsRepr.Unescape(escaped.Select(c => (byte)c).ToArray()));
    }

    [Fact]
    public void Escape_follows_sdscatrepr_for_every_byte()
    {
        for (int b = 0; b <= 0xff; b++)
        {
            string expected = b switch
            {
                '\\' => @"\\",
                '"' => "\\\"",
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                7 => @"\a",
                8 => @"\b",
                >= 0x20 and <= 0x7e => ((char)b).ToString(),
                _ => $"\\x{b:x2}",
            };
            Assert.Equal(expected, SdsRepr.Escape([(byte)b]));
        }
    }

    [Fact]
    public void Every_byte_round_trips_alone_and_together()
    {
        for (int b = 0; b <= 0xff; b++)
            Assert.Equal(new[] { (byte)b }, SdsRepr.Unescape(Ascii(SdsRepr.Escape([(byte)b]))));

        byte[] all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        string escaped = SdsRepr.Escape(all);
        Assert.True(escaped.Length > 256); // exercises the rented-buffer paths
        Assert.All(escaped, c => Assert.InRange(c, (char)0x20, (char)0x7e));
        Assert.Equal(all, SdsRepr.Unescape(Ascii(escaped)));
    }

    [Fact]
    public void Random_buffers_round_trip()
    {
        var random = new Random(1234);
        foreach (int length in new[] { 0, 1, 7, 255, 256, 257, 4096 })
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            Assert.Equal(bytes, SdsRepr.Unescape(Ascii(SdsRepr.Escape(bytes))));
        }
    }

    [Fact]
    public void Escape_of_plain_text_is_the_text()
    {
        Assert.Equal("hello world", SdsRepr.Escape(Ascii("hello world")));
        Assert.Equal("", SdsRepr.Escape([]));
    }

    [Fact]
    public void Escape_matches_the_redis_example()
    {
        byte[] value = [.. "a\"b\\c"u8, 0x00, 0xff, (byte)'\r', (byte)'\n', (byte)'\t', 0x07, 0x08];
        Assert.Equal(@"a\""b\\c\x00\xff\r\n\t\a\b", SdsRepr.Escape(value));
    }

    [Theory]
    [InlineData("hello", "hello")]
    [InlineData("", "")]
    [InlineData(@"caf\xc3\xa9", "café")]
    [InlineData(@"\xf0\x9f\x98\x80 party", "😀 party")]
    [InlineData(@"\xe6\x97\xa5\xe6\x9c\xac", "日本")]
    [InlineData(@"a\""b", "a\"b")]
    [InlineData(@"a\\b", @"a\b")]
    [InlineData(@"line1\nline2", "line1\nline2")]
    [InlineData(@"\x00", "\0")]
    public void ToDisplay_returns_text_for_valid_utf8(string escaped, string expected)
    {
        Assert.Equal(expected, SdsRepr.ToDisplay(Ascii(escaped)));
    }

    [Theory]
    [InlineData(@"\xff\x00")]
    [InlineData(@"\xFF")]
    [InlineData(@"caf\xc3")] // truncated multi-byte sequence
    [InlineData(@"\xc0\xaf")] // overlong encoding
    [InlineData(@"\xed\xa0\x80")] // UTF-16 surrogate
    public void ToDisplay_keeps_non_utf8_as_redis_sent_it(string escaped)
    {
        Assert.Equal(escaped, SdsRepr.ToDisplay(Ascii(escaped)));
    }

    [Fact]
    public void ToDisplay_handles_values_longer_than_the_stack_buffer()
    {
        string text = string.Concat(Enumerable.Repeat("é😀", 200));
        string escaped = SdsRepr.Escape(Encoding.UTF8.GetBytes(text));
        Assert.Equal(text, SdsRepr.ToDisplay(Ascii(escaped)));

        byte[] binary = Enumerable.Repeat((byte)0xff, 300).ToArray();
        string binaryEscaped = SdsRepr.Escape(binary);
        Assert.Equal(binaryEscaped, SdsRepr.ToDisplay(Ascii(binaryEscaped)));
    }

    [Fact]
    public void ToDisplay_of_raw_non_ascii_input_decodes_or_reescapes()
    {
        // Not what Redis sends, but the public helper must still behave sensibly.
        Assert.Equal("é", SdsRepr.ToDisplay("é"u8));
        Assert.Equal(@"\xff", SdsRepr.ToDisplay([0xff]));
    }
}
