using System.Buffers.Text;
using System.Text;

namespace BetterDb.Core.Lines;

/// <summary>
/// A line longer than the configured limit is kept, cut to the limit, with a marker after the cut that
/// records how long it was: <c>&lt;first bytes&gt;\0[truncated by BetterDb: 314572800 bytes in all]</c>.
/// The NUL cannot occur in MONITOR output (Redis escapes it as <c>\x00</c>), so the marker cannot be
/// mistaken for captured bytes; the lines after a cut one are never lost.
/// </summary>
public static class TruncatedLine
{
    private static readonly byte[] Start = "\0[truncated by BetterDb: "u8.ToArray();
    private static readonly byte[] End = " bytes in all]"u8.ToArray();

    /// <summary>The marker for a line that was <paramref name="lineBytes"/> long.</summary>
    public static byte[] Marker(long lineBytes) =>
        [.. Start, .. Encoding.ASCII.GetBytes(lineBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. End];

    /// <summary>Splits a stored line into the kept bytes and the original length; false for a line kept whole.</summary>
    public static bool TryRead(ReadOnlySpan<byte> stored, out ReadOnlySpan<byte> kept, out long lineBytes)
    {
        kept = stored;
        lineBytes = stored.Length;
        if (!stored.EndsWith(End)) return false;
        var start = stored.LastIndexOf(Start);
        if (start < 0) return false;
        var digits = stored[(start + Start.Length)..^End.Length];
        if (!Utf8Parser.TryParse(digits, out long length, out var used) || used != digits.Length) return false;
        kept = stored[..start];
        lineBytes = length;
        return true;
    }

    /// <summary>The stored line as text for people: the marker's NUL becomes a space.</summary>
    public static void WriteReadable(ReadOnlySpan<byte> stored, Span<byte> into)
    {
        stored.CopyTo(into);
        if (TryRead(stored, out var kept, out _)) into[kept.Length] = (byte)' ';
    }
}
