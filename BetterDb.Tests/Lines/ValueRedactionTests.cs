using System.Buffers;
using System.Text;
using BetterDb.Core.Lines;

namespace BetterDb.Tests.Lines;

/// <summary>Issue 19 item 5: the value positions of write commands, family by family; keys and verbs stay.</summary>
public sealed class ValueRedactionTests
{
    private const string Head = "1796155161.000001 [0 10.0.0.1:5000] ";

    private static string Redact(string args)
    {
        var line = Encoding.ASCII.GetBytes(Head + args);
        Assert.True(MonitorLineParser.TryParse(line, out var view));
        var output = new ArrayBufferWriter<byte>();
        return ValueRedaction.TryRedact(line, view, output) ? Encoding.ASCII.GetString(output.WrittenSpan)[Head.Length..] : "(unchanged)";
    }

    [Theory]
    [InlineData("\"SET\" \"k\" \"secret\"", "\"SET\" \"k\" \"(redacted)\"")]
    [InlineData("\"set\" \"k\" \"secret\" \"EX\" \"10\"", "\"set\" \"k\" \"(redacted)\" \"EX\" \"10\"")]
    [InlineData("\"SETEX\" \"k\" \"10\" \"secret\"", "\"SETEX\" \"k\" \"10\" \"(redacted)\"")]
    [InlineData("\"PSETEX\" \"k\" \"100\" \"secret\"", "\"PSETEX\" \"k\" \"100\" \"(redacted)\"")]
    [InlineData("\"SETNX\" \"k\" \"secret\"", "\"SETNX\" \"k\" \"(redacted)\"")]
    [InlineData("\"GETSET\" \"k\" \"secret\"", "\"GETSET\" \"k\" \"(redacted)\"")]
    [InlineData("\"SETRANGE\" \"k\" \"3\" \"secret\"", "\"SETRANGE\" \"k\" \"3\" \"(redacted)\"")]
    [InlineData("\"APPEND\" \"k\" \"secret\"", "\"APPEND\" \"k\" \"(redacted)\"")]
    [InlineData("\"MSET\" \"a\" \"s1\" \"b\" \"s2\"", "\"MSET\" \"a\" \"(redacted)\" \"b\" \"(redacted)\"")]
    [InlineData("\"msetnx\" \"a\" \"s1\" \"b\" \"s2\"", "\"msetnx\" \"a\" \"(redacted)\" \"b\" \"(redacted)\"")]
    public void Strings(string line, string redacted) => Assert.Equal(redacted, Redact(line));

    [Theory]
    [InlineData("\"HSET\" \"h\" \"f1\" \"s1\" \"f2\" \"s2\"", "\"HSET\" \"h\" \"f1\" \"(redacted)\" \"f2\" \"(redacted)\"")]
    [InlineData("\"HMSET\" \"h\" \"f1\" \"s1\"", "\"HMSET\" \"h\" \"f1\" \"(redacted)\"")]
    [InlineData("\"hsetnx\" \"h\" \"f\" \"s\"", "\"hsetnx\" \"h\" \"f\" \"(redacted)\"")]
    public void Hashes(string line, string redacted) => Assert.Equal(redacted, Redact(line));

    [Theory]
    [InlineData("\"LPUSH\" \"l\" \"s1\" \"s2\"", "\"LPUSH\" \"l\" \"(redacted)\" \"(redacted)\"")]
    [InlineData("\"RPUSH\" \"l\" \"s1\"", "\"RPUSH\" \"l\" \"(redacted)\"")]
    [InlineData("\"LPUSHX\" \"l\" \"s1\"", "\"LPUSHX\" \"l\" \"(redacted)\"")]
    [InlineData("\"RPUSHX\" \"l\" \"s1\"", "\"RPUSHX\" \"l\" \"(redacted)\"")]
    [InlineData("\"LINSERT\" \"l\" \"BEFORE\" \"pivot\" \"s\"", "\"LINSERT\" \"l\" \"BEFORE\" \"(redacted)\" \"(redacted)\"")]
    [InlineData("\"LSET\" \"l\" \"0\" \"s\"", "\"LSET\" \"l\" \"0\" \"(redacted)\"")]
    public void Lists(string line, string redacted) => Assert.Equal(redacted, Redact(line));

    [Theory]
    [InlineData("\"SADD\" \"s\" \"m1\" \"m2\"", "\"SADD\" \"s\" \"(redacted)\" \"(redacted)\"")]
    [InlineData("\"SMOVE\" \"a\" \"b\" \"m\"", "\"SMOVE\" \"a\" \"b\" \"(redacted)\"")]
    public void Sets(string line, string redacted) => Assert.Equal(redacted, Redact(line));

    [Theory]
    [InlineData("\"ZADD\" \"z\" \"1\" \"m1\" \"2.5\" \"m2\"", "\"ZADD\" \"z\" \"1\" \"(redacted)\" \"2.5\" \"(redacted)\"")]
    [InlineData("\"zadd\" \"z\" \"NX\" \"CH\" \"1\" \"m1\"", "\"zadd\" \"z\" \"NX\" \"CH\" \"1\" \"(redacted)\"")]
    [InlineData("\"ZADD\" \"z\" \"xx\" \"gt\" \"incr\" \"3\" \"m\"", "\"ZADD\" \"z\" \"xx\" \"gt\" \"incr\" \"3\" \"(redacted)\"")]
    [InlineData("\"ZINCRBY\" \"z\" \"2\" \"m\"", "\"ZINCRBY\" \"z\" \"2\" \"(redacted)\"")]
    public void Sorted_sets(string line, string redacted) => Assert.Equal(redacted, Redact(line));

    [Theory]
    [InlineData("\"XADD\" \"st\" \"*\" \"f1\" \"v1\" \"f2\" \"v2\"", "\"XADD\" \"st\" \"*\" \"f1\" \"(redacted)\" \"f2\" \"(redacted)\"")]
    [InlineData("\"XADD\" \"st\" \"NOMKSTREAM\" \"MAXLEN\" \"~\" \"1000\" \"*\" \"f\" \"v\"", "\"XADD\" \"st\" \"NOMKSTREAM\" \"MAXLEN\" \"~\" \"1000\" \"*\" \"f\" \"(redacted)\"")]
    [InlineData("\"xadd\" \"st\" \"MINID\" \"0-1\" \"LIMIT\" \"10\" \"1-1\" \"f\" \"v\"", "\"xadd\" \"st\" \"MINID\" \"0-1\" \"LIMIT\" \"10\" \"1-1\" \"f\" \"(redacted)\"")]
    public void Streams(string line, string redacted) => Assert.Equal(redacted, Redact(line));

    [Theory]
    [InlineData("\"PUBLISH\" \"ch\" \"secret\"", "\"PUBLISH\" \"ch\" \"(redacted)\"")]
    [InlineData("\"SPUBLISH\" \"ch\" \"secret\"", "\"SPUBLISH\" \"ch\" \"(redacted)\"")]
    public void Pub_sub(string line, string redacted) => Assert.Equal(redacted, Redact(line));

    [Theory]
    [InlineData("\"EVAL\" \"return 1\" \"2\" \"k1\" \"k2\" \"a1\" \"a2\"", "\"EVAL\" \"return 1\" \"2\" \"k1\" \"k2\" \"(redacted)\" \"(redacted)\"")]
    [InlineData("\"EVALSHA\" \"abc\" \"0\" \"a1\"", "\"EVALSHA\" \"abc\" \"0\" \"(redacted)\"")]
    [InlineData("\"FCALL\" \"fn\" \"1\" \"k\" \"a\"", "\"FCALL\" \"fn\" \"1\" \"k\" \"(redacted)\"")]
    [InlineData("\"fcall_ro\" \"fn\" \"1\" \"k\"", "\"fcall_ro\" \"fn\" \"1\" \"k\"")]
    public void Scripts_and_functions(string line, string redacted) => Assert.Equal(redacted, Redact(line));

    [Theory]
    [InlineData("\"GET\" \"k\"")]
    [InlineData("\"HGETALL\" \"h\"")]
    [InlineData("\"DEL\" \"a\" \"b\"")]
    public void Reads_and_other_commands_are_left_alone(string line) => Assert.Equal("(unchanged)", Redact(line));

    [Fact]
    public void Keys_are_still_found_on_a_redacted_line()
    {
        var redacted = Head + Redact("\"MSET\" \"user:1\" \"s1\" \"user:2\" \"s2\"");
        var line = MonitorLine.FromRaw(Encoding.ASCII.GetBytes(redacted));
        Assert.Equal(["user:1", "user:2"], line.Keys);
        Assert.Equal(["user:1", "(redacted)", "user:2", "(redacted)"], line.Args);
    }
}
