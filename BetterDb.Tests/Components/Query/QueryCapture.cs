using System.Text;
using BetterDb.Core.Capture;

namespace BetterDb.Tests.Components.Query;

/// <summary>A small crafted <c>redis-cli monitor</c> file whose analysis is known line by line.</summary>
internal static class QueryCapture
{
    /// <summary>2 KB of 'x': the largest argument.</summary>
    public static readonly string BigValue = new('x', 2048);

    /// <summary>
    /// 6 well-formed lines over 3 s (1700000000.0 .. 1700000003.0) plus one malformed: GET x3, SET x1, HSET x1, DEL x1;
    /// keys user:1 x3, user:2 x1, session:9 x1, plain x1; clients 10.0.0.1:5000 x4, 10.0.0.2:6000 x2; db 0 x5, db 1 x1.
    /// </summary>
    public static readonly string[] Lines =
    [
        "OK",
        "1700000000.000000 [0 10.0.0.1:5000] \"SET\" \"user:1\" \"alice\"",
        "1700000000.000100 [0 10.0.0.1:5000] \"GET\" \"user:1\"",
        "1700000000.500000 [0 10.0.0.2:6000] \"GET\" \"user:2\"",
        "1700000001.000000 [1 10.0.0.2:6000] \"HSET\" \"session:9\" \"f\" \"" + BigValue + "\"",
        "this is not a monitor line",
        "1700000002.000000 [0 10.0.0.1:5000] \"GET\" \"user:1\"",
        "1700000003.000000 [0 10.0.0.1:5000] \"DEL\" \"plain\"",
    ];

    public static byte[] Bytes => Encoding.UTF8.GetBytes(string.Join("\n", Lines) + "\n");

    public static Task<CaptureSession> ImportAsync(SessionImport import, string? connectionId = null) =>
        import.ImportAsync(new MemoryStream(Bytes), connectionId, "tests");

    /// <summary><paramref name="count"/> lines, one per 10 ms: "GET k:{i}" for even i, "SET k:{i} v" for odd i.</summary>
    public static async Task<CaptureSession> ImportManyAsync(SessionImport import, int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var ts = 1_700_000_000_000_000L + i * 10_000L;
            text.Append($"{ts / 1_000_000}.{ts % 1_000_000:000000} [0 10.0.0.1:5000] ");
            text.Append(i % 2 == 0 ? $"\"GET\" \"k:{i}\"" : $"\"SET\" \"k:{i}\" \"v\"").Append('\n');
        }
        return await import.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), null, "tests");
    }
}
