using System.Text;
using System.Text.Json;
using BetterDb.Core.Lines;

namespace BetterDb.Tests.Lines;

public class MonitorLineTests
{
    private static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    [Fact]
    public void Builds_all_fields_from_a_valid_line()
    {
        const string raw = "1339518083.107412 [0 127.0.0.1:60866] \"keys\" \"*\"";

        MonitorLine line = MonitorLine.FromRaw(Bytes(raw), "node-1");

        Assert.False(line.Malformed);
        Assert.Equal(1339518083107L, line.Ts);
        Assert.Equal("1339518083.107412", line.TsRaw);
        Assert.Equal(0, line.Db);
        Assert.Equal("127.0.0.1:60866", line.Addr);
        Assert.Equal("KEYS", line.Cmd);
        Assert.Equal(["*"], line.Args);
        Assert.Empty(line.Keys); // KEYS takes a pattern, not a key
        Assert.Equal(raw, line.Raw);
        Assert.Equal("node-1", line.NodeId);
    }

    [Fact]
    public void Binary_values_stay_escaped_and_the_key_is_extracted()
    {
        const string raw = @"1339518083.107412 [12 [::1]:5000] ""set"" ""k"" ""a\""b\\c\x00\xff\r\n\t\a\b""";

        MonitorLine line = MonitorLine.FromRaw(Bytes(raw));

        Assert.Equal("SET", line.Cmd);
        Assert.Equal(12, line.Db);
        Assert.Equal("[::1]:5000", line.Addr);
        Assert.Equal(["k", @"a\""b\\c\x00\xff\r\n\t\a\b"], line.Args);
        Assert.Equal(["k"], line.Keys);
        Assert.Null(line.NodeId);
    }

    [Fact]
    public void Utf8_arguments_come_back_as_text()
    {
        MonitorLine line = MonitorLine.FromRaw(Bytes(
            @"1.000000 [0 unix:/tmp/redis.sock] ""hset"" ""caf\xc3\xa9"" ""\xf0\x9f\x98\x80"" ""a\nb"""));

        Assert.Equal("HSET", line.Cmd);
        Assert.Equal("unix:/tmp/redis.sock", line.Addr);
        Assert.Equal(["café", "😀", "a\nb"], line.Args);
        Assert.Equal(["café"], line.Keys);
    }

    [Theory]
    [InlineData("1700000000.000001", 1700000000000L)]
    [InlineData("1700000000.000999", 1700000000000L)]
    [InlineData("1700000000.001000", 1700000000001L)]
    [InlineData("1700000000.001999", 1700000000001L)]
    [InlineData("1700000000.999999", 1700000000999L)]
    public void Ts_is_milliseconds_floored_and_TsRaw_keeps_micros(string ts, long ms)
    {
        MonitorLine line = MonitorLine.FromRaw(Bytes(ts + " [0 lua] \"get\" \"x\""));

        Assert.Equal(ms, line.Ts);
        Assert.Equal(ts, line.TsRaw);
        Assert.Equal("lua", line.Addr);
    }

    [Fact]
    public void One_trailing_carriage_return_is_stripped_from_Raw()
    {
        const string text = "1.000000 [0 lua] \"get\" \"x\"";

        MonitorLine line = MonitorLine.FromRaw(Bytes(text + "\r"));

        Assert.False(line.Malformed);
        Assert.Equal(text, line.Raw);
        Assert.Equal(["x"], line.Args);
    }

    [Fact]
    public void Only_one_carriage_return_is_stripped()
    {
        const string text = "1.000000 [0 lua] \"get\" \"x\"\r";

        MonitorLine line = MonitorLine.FromRaw(Bytes(text + "\r"));

        Assert.True(line.Malformed);
        Assert.Equal(text, line.Raw);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("OK")]
    [InlineData("1339518083.107412 [0 127.0.0.1:1] \"keys")]
    public void Malformed_lines_keep_only_raw_and_node(string raw)
    {
        MonitorLine line = MonitorLine.FromRaw(Bytes(raw), "n2");

        Assert.True(line.Malformed);
        Assert.Equal(raw, line.Raw);
        Assert.Equal("n2", line.NodeId);
        Assert.Null(line.Ts);
        Assert.Null(line.TsRaw);
        Assert.Null(line.Db);
        Assert.Null(line.Addr);
        Assert.Null(line.Cmd);
        Assert.Empty(line.Args);
        Assert.Empty(line.Keys);
    }

    [Fact]
    public void Malformed_non_utf8_raw_is_decoded_with_replacement_characters()
    {
        MonitorLine line = MonitorLine.FromRaw([(byte)'a', 0xff, (byte)'b']);

        Assert.True(line.Malformed);
        Assert.Equal("a\uFFFDb", line.Raw);
    }

    [Theory]
    [InlineData("get", "GET")]
    [InlineData("GeT", "GET")]
    [InlineData("myModule.doThing", "MYMODULE.DOTHING")]
    [InlineData(@"\x67et", "GET")]
    public void Cmd_is_upper_case(string command, string expected)
    {
        MonitorLine line = MonitorLine.FromRaw(Bytes($"1.000000 [0 lua] \"{command}\" \"k\""));

        Assert.Equal(expected, line.Cmd);
        Assert.Equal(["k"], line.Keys); // GET and unknown commands both key on the first argument
    }

    [Fact]
    public void Command_without_arguments_has_empty_args_and_keys()
    {
        MonitorLine line = MonitorLine.FromRaw(Bytes("1.000000 [3 10.0.0.1:1234] \"ping\""));

        Assert.Equal("PING", line.Cmd);
        Assert.Equal(3, line.Db);
        Assert.Empty(line.Args);
        Assert.Empty(line.Keys);
    }

    [Fact]
    public void Serialises_to_camel_case_json()
    {
        MonitorLine line = MonitorLine.FromRaw(Bytes("1.000000 [0 lua] \"get\" \"x\""), "n1");

        using JsonDocument json = JsonDocument.Parse(JsonSerializer.Serialize(line, JsonSerializerOptions.Web));
        JsonElement root = json.RootElement;

        Assert.Equal(1000, root.GetProperty("ts").GetInt64());
        Assert.Equal("1.000000", root.GetProperty("tsRaw").GetString());
        Assert.Equal("GET", root.GetProperty("cmd").GetString());
        Assert.Equal("x", root.GetProperty("args")[0].GetString());
        Assert.Equal("x", root.GetProperty("keys")[0].GetString());
        Assert.Equal("n1", root.GetProperty("nodeId").GetString());
        Assert.False(root.GetProperty("malformed").GetBoolean());
    }
}
