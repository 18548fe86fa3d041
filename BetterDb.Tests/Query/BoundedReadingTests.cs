using System.Text;
using BetterDb.Core.Lines;

namespace BetterDb.Tests.Query;

/// <summary>
/// The pieces that keep readers bounded on huge lines (issue 9, item 5): windowed decoding for the text filter, cut
/// arguments that never split a character or an escape, and the line object's real sizes.
/// </summary>
public sealed class BoundedReadingTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Text_finds_decoded_non_ascii_in_an_argument()
    {
        var line = B("1700000000.000001 [0 127.0.0.1:1] \"SET\" \"user:Jos\\xc3\\xa9\" \"\\xe6\\x97\\xa5\\xe6\\x9c\\xac\"");
        Assert.True(LineFilter.Create(text: "José").Matches(line));
        Assert.True(LineFilter.Create(text: "日本").Matches(line));
        Assert.True(LineFilter.Create(text: "Jos\\xc3").Matches(line)); // the raw text still counts
        Assert.False(LineFilter.Create(text: "Josi").Matches(line));
        // Per argument: no match across the boundary of two decoded arguments.
        Assert.False(LineFilter.Create(text: "é日").Matches(line));
    }

    [Theory]
    [InlineData(65536 - 1)] // the text starts at the last byte of the first window
    [InlineData(65536 - 2)]
    [InlineData(65536 - 3)]
    [InlineData(65536)]
    [InlineData(3 * 65536 + 7)]
    public void Text_is_found_across_decoding_windows(int before)
    {
        var arg = new string('a', before) + "\\xc3\\xa9\\nEND";
        var line = B($"1700000000.000001 [0 127.0.0.1:1] \"SET\" \"k\" \"{arg}\"");
        Assert.True(LineFilter.Create(text: "é\nEND").Matches(line));
        Assert.True(LineFilter.Create(text: "aé\nE").Matches(line));
        Assert.False(LineFilter.Create(text: "é\nENDX").Matches(line));
    }

    [Fact]
    public void Windowed_unescape_gives_the_same_bytes_as_a_whole_one()
    {
        var random = new Random(9);
        var pieces = new[] { "a", "\\\\", "\\\"", "\\n", "\\xff", "\\x00", "xyz", "\\r\\t" };
        for (var round = 0; round < 200; round++)
        {
            var escaped = B(string.Concat(Enumerable.Range(0, random.Next(1, 400)).Select(_ => pieces[random.Next(pieces.Length)])));
            var whole = SdsRepr.Unescape(escaped);
            var window = new byte[random.Next(1, 17)];
            var rebuilt = new List<byte>();
            var rest = escaped.AsSpan();
            while (!rest.IsEmpty)
            {
                var written = SdsRepr.Unescape(rest, window, out var consumed);
                Assert.True(consumed > 0);
                rebuilt.AddRange(window.AsSpan(0, written).ToArray());
                rest = rest[consumed..];
            }
            Assert.Equal(whole, rebuilt.ToArray());
            Assert.Equal(whole.Length, SdsRepr.UnescapedLength(escaped));
        }
    }

    [Fact]
    public void A_cut_argument_never_splits_a_character_or_an_escape()
    {
        // "é" is two bytes: a limit of 3 keeps "a" and "é" but not half of the second "é".
        Assert.Equal("aé", SdsRepr.ToDisplay(B("a\\xc3\\xa9\\xc3\\xa9"), 4, out var length));
        Assert.Equal(5, length);
        Assert.Equal("a", SdsRepr.ToDisplay(B("a\\xc3\\xa9"), 2, out _));
        // Binary stays in the escaped form, cut after a whole escape.
        Assert.Equal("\\xff\\xfe", SdsRepr.ToDisplay(B("\\xff\\xfe\\xfd"), 2, out length));
        Assert.Equal(3, length);
        // Within the limit nothing changes.
        Assert.Equal("caf\\xc3", SdsRepr.ToDisplay(B("caf\\xc3"), 100, out _));
    }

    [Fact]
    public void A_line_object_with_a_cut_argument_says_what_it_really_holds()
    {
        var raw = B($"1700000000.000001 [0 127.0.0.1:1] \"SET\" \"k\" \"{new string('v', 5000)}\"");
        var line = MonitorLine.FromRaw(raw, maxArgumentBytes: 1000);
        Assert.True(line.Truncated);
        Assert.Equal(new string('v', 1000), line.Args[1]);
        Assert.Equal([1L, 5000L], line.ArgLengths);
        Assert.Equal(2, line.ArgCount);
        Assert.Equal(raw.Length, line.RawBytes);
        Assert.Equal(4 * 1000, Encoding.UTF8.GetByteCount(line.Raw)); // the line budget: 4 x the argument limit
        Assert.Equal(["k"], line.Keys);

        var whole = MonitorLine.FromRaw(raw);
        Assert.False(whole.Truncated);
        Assert.Null(whole.RawBytes);
        Assert.Null(whole.ArgLengths);
        Assert.Equal(5000, whole.Args[1].Length);
    }
}
