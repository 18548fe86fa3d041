using System.Text;
using BetterDb.Core.Lines;

namespace BetterDb.Tests.Lines;

public class MonitorLineParserTests
{
    private static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);
    private static string Text(ReadOnlySpan<byte> s) => Encoding.Latin1.GetString(s);

    private static List<string> Args(MonitorLineView view)
    {
        var list = new List<string>();
        foreach (ReadOnlySpan<byte> arg in view.EnumerateArgs())
            list.Add(Text(arg));
        return list;
    }

    [Fact]
    public void Parses_a_simple_line()
    {
        byte[] line = Bytes("1339518083.107412 [0 127.0.0.1:60866] \"keys\" \"*\"");

        Assert.True(MonitorLineParser.TryParse(line, out MonitorLineView view));
        Assert.Equal(1339518083_107412L, view.TimestampMicros);
        Assert.Equal("1339518083.107412", Text(view.TimestampText));
        Assert.Equal(0, view.Db);
        Assert.Equal("127.0.0.1:60866", Text(view.Addr));
        Assert.Equal("\"keys\" \"*\"", Text(view.ArgsText));
        Assert.Equal(2, view.ArgCount);
        Assert.Equal("keys", Text(view.Command));
        Assert.Equal(["keys", "*"], Args(view));
    }

    [Fact]
    public void Parses_every_escape_inside_an_argument()
    {
        byte[] line = Bytes(@"1339518083.107412 [12 [::1]:5000] ""set"" ""k"" ""a\""b\\c\x00\xff\r\n\t\a\b""");

        Assert.True(MonitorLineParser.TryParse(line, out MonitorLineView view));
        Assert.Equal(12, view.Db);
        Assert.Equal("[::1]:5000", Text(view.Addr));
        Assert.Equal(3, view.ArgCount);
        List<string> args = Args(view);
        Assert.Equal(["set", "k", @"a\""b\\c\x00\xff\r\n\t\a\b"], args);
        Assert.Equal(new byte[] { 0x61, 0x22, 0x62, 0x5c, 0x63, 0x00, 0xff, 0x0d, 0x0a, 0x09, 0x07, 0x08 },
            SdsRepr.Unescape(Bytes(args[2])));
    }

    [Theory]
    [InlineData("127.0.0.1:60866")]
    [InlineData("10.1.2.3:1")]
    [InlineData("[::1]:5000")]
    [InlineData("[2001:db8:85a3::8a2e:370:7334]:6379")]
    [InlineData("[fe80:0000:0000:0000:0202:b3ff:fe1e:8329]:65535")]
    [InlineData("unix:/tmp/redis.sock")]
    [InlineData("unix:/var/run/my redis/with/slashes.sock")]
    [InlineData("lua")]
    public void Parses_every_address_form(string addr)
    {
        byte[] line = Bytes($"1339518083.107412 [0 {addr}] \"get\" \"x\"");

        Assert.True(MonitorLineParser.TryParse(line, out MonitorLineView view));
        Assert.Equal(addr, Text(view.Addr));
        Assert.Equal(["get", "x"], Args(view));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(1024)]
    [InlineData(999_999_999)]
    public void Parses_db_numbers(int db)
    {
        Assert.True(MonitorLineParser.TryParse(Bytes($"1.000000 [{db} lua] \"ping\""), out MonitorLineView view));
        Assert.Equal(db, view.Db);
    }

    [Theory]
    [InlineData("1700000000.000001", 1700000000_000001L)]
    [InlineData("1700000000.999999", 1700000000_999999L)]
    [InlineData("0.000000", 0L)]
    [InlineData("1.5", 1_500_000L)]
    [InlineData("1.05", 1_050_000L)]
    [InlineData("1.123", 1_123_000L)]
    [InlineData("1.12345", 1_123_450L)]
    [InlineData("999999999999.999999", 999999999999_999999L)]
    public void Timestamps_keep_microsecond_precision(string ts, long micros)
    {
        Assert.True(MonitorLineParser.TryParse(Bytes(ts + " [0 lua] \"ping\""), out MonitorLineView view));
        Assert.Equal(micros, view.TimestampMicros);
        Assert.Equal(ts, Text(view.TimestampText));

        Assert.True(MonitorLineParser.TryReadTimestamp(Bytes(ts + " [0 lua] \"ping\""), out long fast));
        Assert.Equal(micros, fast);
    }

    [Fact]
    public void Timestamps_of_every_shape_match_decimal_arithmetic()
    {
        // Covers both the 10.6-digit shape Redis writes (converted 8 digits at a time) and the general path.
        var random = new Random(7);
        for (int i = 0; i < 20_000; i++)
        {
            int secondsDigits = i % 3 == 0 ? random.Next(1, 13) : 10;
            int fractionDigits = i % 5 == 0 ? random.Next(1, 7) : 6;
            string seconds = string.Concat(Enumerable.Range(0, secondsDigits).Select(_ => (char)('0' + random.Next(10))));
            string fraction = string.Concat(Enumerable.Range(0, fractionDigits).Select(_ => (char)('0' + random.Next(10))));
            long expected = long.Parse(seconds) * 1_000_000 + long.Parse(fraction.PadRight(6, '0'));

            Assert.True(MonitorLineParser.TryReadTimestamp(Bytes($"{seconds}.{fraction} [0 lua]"), out long micros));
            Assert.Equal(expected, micros);
            Assert.True(MonitorLineParser.TryParse(Bytes($"{seconds}.{fraction} [0 lua] \"ping\""), out MonitorLineView view));
            Assert.Equal(expected, view.TimestampMicros);
        }
    }

    [Theory]
    [InlineData("1339518083.107412")]
    [InlineData("1339518083.107412 ")]
    [InlineData("1339518083.107412\r")]
    [InlineData("1339518083.107412 anything at all")]
    public void TryReadTimestamp_reads_only_the_leading_timestamp(string line)
    {
        Assert.True(MonitorLineParser.TryReadTimestamp(Bytes(line), out long micros));
        Assert.Equal(1339518083_107412L, micros);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 1339518083.107412")]
    [InlineData("1339518083")]
    [InlineData("1339518083.")]
    [InlineData("1339518083 [0 lua]")]
    [InlineData(".107412 ")]
    [InlineData("1339518083.1074121 ")] // 7 fraction digits
    [InlineData("1339518083.107412x")]
    [InlineData("13395a8083.107412 ")]
    [InlineData("abc.def ")]
    [InlineData("1234567890123.000000 ")] // more seconds digits than a long of micros can hold safely
    [InlineData("-1.000000 ")]
    [InlineData("13395180a3.107412 ")] // the 10.6 shape with a bad digit in each part
    [InlineData("a339518083.107412 ")]
    [InlineData("1339518083.10741a ")]
    [InlineData("1339518083.a07412 ")]
    [InlineData("1339518083.1074121")]
    [InlineData("1339518083:107412 ")]
    public void TryReadTimestamp_rejects_bad_timestamps(string line)
    {
        Assert.False(MonitorLineParser.TryReadTimestamp(Bytes(line), out long micros));
        Assert.Equal(0, micros);
    }

    [Fact]
    public void Arguments_may_contain_quotes_spaces_and_backslashes()
    {
        // Values: [a" "b]  [x\"]  [a\]  [ ]  []
        byte[] line = Bytes(@"1.000000 [0 lua] ""a\"" \""b"" ""x\\\"""" ""a\\"" "" "" """"");

        Assert.True(MonitorLineParser.TryParse(line, out MonitorLineView view));
        List<string> args = Args(view);
        Assert.Equal([@"a\"" \""b", @"x\\\""", @"a\\", " ", ""], args);
        Assert.Equal("a\" \"b", Text(SdsRepr.Unescape(Bytes(args[0]))));
        Assert.Equal("x\\\"", Text(SdsRepr.Unescape(Bytes(args[1]))));
        Assert.Equal("a\\", Text(SdsRepr.Unescape(Bytes(args[2]))));
    }

    [Fact]
    public void Every_escaped_byte_value_parses_back()
    {
        byte[] all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        byte[] line = Bytes($"1.000000 [0 lua] \"set\" \"k\" \"{SdsRepr.Escape(all)}\"");

        Assert.True(MonitorLineParser.TryParse(line, out MonitorLineView view));
        Assert.Equal(3, view.ArgCount);
        Assert.Equal(all, SdsRepr.Unescape(Bytes(Args(view)[2])));
    }

    [Fact]
    public void Trailing_carriage_return_is_ignored()
    {
        byte[] line = Bytes("1339518083.107412 [0 127.0.0.1:60866] \"get\" \"k\"\r");

        Assert.True(MonitorLineParser.TryParse(line, out MonitorLineView view));
        Assert.Equal("\"get\" \"k\"", Text(view.ArgsText));
        Assert.Equal(["get", "k"], Args(view));
    }

    [Fact]
    public void A_single_command_without_arguments_is_valid()
    {
        Assert.True(MonitorLineParser.TryParse(Bytes("1.000000 [0 lua] \"ping\""), out MonitorLineView view));
        Assert.Equal(1, view.ArgCount);
        Assert.Equal(["ping"], Args(view));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r")]
    [InlineData(" ")]
    [InlineData("garbage")]
    [InlineData("OK")]
    [InlineData("1339518083.107412")]
    [InlineData("1339518083.107412 [0 127.0.0.1:1]")] // no args
    [InlineData("1339518083.107412 [0 127.0.0.1:1] ")] // no args
    [InlineData("1339518083.107412 [0 127.0.0.1:1] keys *")] // unquoted args
    [InlineData("1339518083.107412 [0 127.0.0.1:1 \"keys\"")] // no ]
    [InlineData("1339518083.107412 [0 127.0.0.1:1]\"keys\"")] // no space after ]
    [InlineData("1339518083.107412 0 127.0.0.1:1] \"keys\"")] // no [
    [InlineData("1339518083.107412  [0 lua] \"keys\"")] // two spaces
    [InlineData("1339518083.107412 [ lua] \"keys\"")] // no db
    [InlineData("1339518083.107412 [x lua] \"keys\"")] // non-digit db
    [InlineData("1339518083.107412 [-1 lua] \"keys\"")]
    [InlineData("1339518083.107412 [1234567890 lua] \"keys\"")] // db beyond int digits
    [InlineData("1339518083.107412 [0] \"keys\"")] // no address
    [InlineData("1339518083.107412 [0 ] \"keys\"")] // empty address
    [InlineData("1339518083.107412 [0 lua] \"keys")] // unterminated quote
    [InlineData("1339518083.107412 [0 lua] \"keys\" \"*")] // unterminated last arg
    [InlineData("1339518083.107412 [0 lua] \"a\\\"")] // escaped quote is not a terminator
    [InlineData("1339518083.107412 [0 lua] \"a\\x4")] // truncated mid-escape
    [InlineData("1339518083.107412 [0 lua] \"a\\x4\"")] // short hex escape
    [InlineData("1339518083.107412 [0 lua] \"a\\xzz\"")] // non-hex digits
    [InlineData("1339518083.107412 [0 lua] \"a\\")] // truncated after backslash
    [InlineData("1339518083.107412 [0 lua] \"a\\q\"")] // unknown escape
    [InlineData("1339518083.107412 [0 lua] \"a\\0\"")] // C octal is not sdscatrepr
    [InlineData("1339518083.107412 [0 lua] \"a\"\"b\"")] // missing space between args
    [InlineData("1339518083.107412 [0 lua] \"a\"  \"b\"")] // two spaces between args
    [InlineData("1339518083.107412 [0 lua] \"a\" b")] // unquoted second arg
    [InlineData("1339518083.107412 [0 lua] \"a\"x")] // trailing garbage
    [InlineData("1339518083.107412 [0 lua] \"a\" ")] // trailing space
    [InlineData("1339518083.107412 [0 lua] \"a\"\r\r")] // only one \r is a terminator
    [InlineData("1339518083.107412 [0 lua] \"a\tb\"")] // raw control byte sdscatrepr would escape
    [InlineData("1339518083.107412 [0 lua] \"caf\u00e9\"")] // raw high byte sdscatrepr would escape
    [InlineData("abc.def [0 lua] \"ping\"")] // non-digit timestamp
    [InlineData("1339518083 [0 lua] \"ping\"")] // no fraction
    [InlineData("1339518083. [0 lua] \"ping\"")] // empty fraction
    [InlineData("1339518083.1234567 [0 lua] \"ping\"")] // too many fraction digits
    public void Malformed_lines_are_rejected(string line)
    {
        Assert.False(MonitorLineParser.TryParse(Bytes(line), out MonitorLineView view));
        Assert.Equal(0, view.ArgCount);
        Assert.True(view.ArgsText.IsEmpty);
    }

    [Fact]
    public void Every_prefix_of_a_line_is_handled_without_throwing()
    {
        byte[] line = Bytes(@"1339518083.107412 [12 [::1]:5000] ""set"" ""k"" ""a\""b\\c\x00\xff\r\n\t\a\b""");
        for (int length = 0; length < line.Length; length++)
        {
            bool parsed = MonitorLineParser.TryParse(line.AsSpan(0, length), out MonitorLineView view);
            // Cutting right after a closing quote leaves a shorter valid line; anywhere else is invalid.
            bool endsAfterArgument = length > 0 && line[length - 1] == '"' && length < line.Length
                && line[length] == ' ';
            Assert.Equal(endsAfterArgument, parsed);
            if (parsed)
                Assert.True(view.ArgCount < 3);
        }
    }

    [Fact]
    public void Random_corruptions_never_throw_and_keep_views_consistent()
    {
        byte[] original = Bytes(@"1339518083.107412 [0 127.0.0.1:60866] ""set"" ""caf\xc3\xa9"" ""a\""b\\c"" ""x y""");
        var random = new Random(42);
        for (int round = 0; round < 20_000; round++)
        {
            byte[] line = (byte[])original.Clone();
            int edits = random.Next(1, 4);
            for (int e = 0; e < edits; e++)
                line[random.Next(line.Length)] = (byte)random.Next(256);
            byte[] cut = line[..random.Next(line.Length + 1)];

            MonitorLineParser.TryReadTimestamp(cut, out _);
            if (!MonitorLineParser.TryParse(cut, out MonitorLineView view))
                continue;
            int count = 0;
            foreach (ReadOnlySpan<byte> arg in view.EnumerateArgs())
            {
                SdsRepr.ToDisplay(arg);
                count++;
            }
            Assert.Equal(view.ArgCount, count);
        }
    }

    [Fact]
    public void Parsing_and_enumerating_do_not_allocate()
    {
        byte[] line = Bytes(@"1339518083.107412 [0 127.0.0.1:60866] ""set"" ""user:1000:profile"" ""caf\xc3\xa9 \""q\"""" ""EX"" ""3600""");
        static int Run(byte[] line)
        {
            int total = 0;
            if (MonitorLineParser.TryParse(line, out MonitorLineView view))
                foreach (ReadOnlySpan<byte> arg in view.EnumerateArgs())
                    total += arg.Length;
            if (MonitorLineParser.TryReadTimestamp(line, out long micros))
                total += (int)(micros & 1);
            return total;
        }
        Run(line); // JIT and static initialisation

        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < 1000; i++)
            sum += Run(line);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(sum > 0);
    }
}
