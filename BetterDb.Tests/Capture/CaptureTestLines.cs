using System.Text;

namespace BetterDb.Tests.Capture;

/// <summary>Well-formed MONITOR lines for writer tests, with predictable timestamps.</summary>
internal static class CaptureTestLines
{
    public const long BaseMicros = 1_700_000_000_000_000;

    public static long TsOf(int i) => BaseMicros + i * 1_000L + 7;

    public static string Text(int i, string value = "v") =>
        $"{TsOf(i) / 1_000_000}.{TsOf(i) % 1_000_000:D6} [0 127.0.0.1:6000] \"SET\" \"key:{i}\" \"{value}\"";

    public static byte[] Line(int i, string value = "v") => Encoding.ASCII.GetBytes(Text(i, value));

    /// <summary>What the store should hold for these lines: each followed by '\n', in order.</summary>
    public static byte[] Stored(IEnumerable<byte[]> lines)
    {
        var output = new MemoryStream();
        foreach (var line in lines)
        {
            output.Write(line);
            output.WriteByte((byte)'\n');
        }
        return output.ToArray();
    }
}
