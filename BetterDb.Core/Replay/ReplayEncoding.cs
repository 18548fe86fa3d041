using System.Buffers;
using System.Globalization;
using System.Text;
using BetterDb.Core.Connections;
using BetterDb.Core.Lines;

namespace BetterDb.Core.Replay;

/// <summary>
/// A captured line as the RESP command the client sent: every argument decoded from MONITOR's <c>sdscatrepr</c> form to
/// its exact bytes (binary included) and written as a bulk string, with no string or array per argument.
/// </summary>
internal static class ReplayEncoding
{
    // A huge argument is decoded into the output a window at a time.
    private const int Window = 64 * 1024;

    /// <param name="replaceIndex">an argument (0 is the command) sent as <paramref name="replacement"/> instead; -1 for none.</param>
    public static void WriteCommand(IBufferWriter<byte> output, in MonitorLineView view, int replaceIndex, ReadOnlySpan<byte> replacement)
    {
        RespWriter.ArrayHeader(output, view.ArgCount);
        var i = 0;
        foreach (var escaped in view.EnumerateArgs())
        {
            if (i++ == replaceIndex)
            {
                RespWriter.Bulk(output, replacement);
                continue;
            }
            if (escaped.IndexOf((byte)'\\') < 0)
            {
                RespWriter.Bulk(output, escaped);
                continue;
            }
            RespWriter.BulkHeader(output, SdsRepr.UnescapedLength(escaped));
            var rest = escaped;
            while (!rest.IsEmpty)
            {
                var room = (int)Math.Min(rest.Length, Window);
                var written = SdsRepr.Unescape(rest, output.GetSpan(room)[..room], out var consumed);
                output.Advance(written);
                rest = rest[consumed..];
            }
            RespWriter.BulkEnd(output);
        }
    }

    public static void WriteSelect(IBufferWriter<byte> output, int db)
    {
        RespWriter.ArrayHeader(output, 2);
        RespWriter.Bulk(output, "SELECT"u8);
        Span<byte> digits = stackalloc byte[12];
        db.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
        RespWriter.Bulk(output, digits[..n]);
    }
}

/// <summary>
/// Where a blocking command keeps its timeout, so a replay can lower a long or endless one to the run's cap: a replayed
/// <c>BLPOP q 0</c> on a staging server that nobody pushes to would otherwise hold its connection for good.
/// </summary>
internal static class BlockingTimeouts
{
    /// <summary>
    /// The replacement for the line's timeout argument when it is above <paramref name="capMs"/> or endless (0); false
    /// when the command does not block or its timeout is within the cap.
    /// </summary>
    public static bool TryCap(ReadOnlySpan<byte> verb, in MonitorLineView view, int capMs, out int index, out byte[] replacement)
    {
        replacement = [];
        index = TimeoutIndex(verb, view, out var milliseconds);
        if (index < 0 || index >= view.ArgCount) return false;
        var arg = ArgAt(view, index);
        if (!double.TryParse(Encoding.ASCII.GetString(arg), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0) return false;
        var ms = milliseconds ? value : value * 1000;
        if (ms > 0 && ms <= capMs) return false;
        replacement = Encoding.ASCII.GetBytes(milliseconds
            ? capMs.ToString(CultureInfo.InvariantCulture)
            : (capMs / 1000.0).ToString("0.###", CultureInfo.InvariantCulture));
        return true;
    }

    private static int TimeoutIndex(ReadOnlySpan<byte> verb, in MonitorLineView view, out bool milliseconds)
    {
        milliseconds = false;
        if (verb.SequenceEqual("BLPOP"u8) || verb.SequenceEqual("BRPOP"u8) || verb.SequenceEqual("BZPOPMIN"u8) || verb.SequenceEqual("BZPOPMAX"u8)
            || verb.SequenceEqual("BRPOPLPUSH"u8) || verb.SequenceEqual("BLMOVE"u8))
            return view.ArgCount - 1;
        if (verb.SequenceEqual("BLMPOP"u8) || verb.SequenceEqual("BZMPOP"u8)) return 1;
        milliseconds = true;
        if (verb.SequenceEqual("WAIT"u8)) return 2;
        if (verb.SequenceEqual("WAITAOF"u8)) return 3;
        if (verb.SequenceEqual("XREAD"u8) || verb.SequenceEqual("XREADGROUP"u8))
        {
            var i = 0;
            foreach (var arg in view.EnumerateArgs())
            {
                if (Ascii.EqualsIgnoreCase(arg, "STREAMS"u8)) return -1;
                if (i > 0 && Ascii.EqualsIgnoreCase(arg, "BLOCK"u8)) return i + 1;
                i++;
            }
        }
        return -1;
    }

    internal static ReadOnlySpan<byte> ArgAt(in MonitorLineView view, int index)
    {
        var i = 0;
        foreach (var arg in view.EnumerateArgs())
            if (i++ == index) return arg;
        return default;
    }
}
