using System.Buffers;
using System.Globalization;
using System.Text;

namespace BetterDb.Core.Lines;

/// <summary>
/// Bytes as a reader sees them on screen: printable text as it is ("José", "日本", a space), and everything that
/// would be invisible or ambiguous written with MONITOR's own escapes: <c>\n \r \t \a \b</c>, <c>\xHH</c> for any
/// other control byte, for a byte that is not UTF-8 and for each byte of an invisible character (a zero-width or
/// bidi mark, a non-breaking space), and <c>\\</c> for a backslash itself. So a key holding a newline reads
/// <c>user:\n1</c>, never as two words, and what the list shows is what a user can type into the key filter
/// (<see cref="KeyPatternText"/> reads those escapes back).
/// </summary>
public static class VisibleText
{
    private const int StackLimit = 256;

    /// <summary>The visible form of <paramref name="bytes"/>; at most <paramref name="maxChars"/> characters (then "…").</summary>
    public static string Of(ReadOnlySpan<byte> bytes, int maxChars = int.MaxValue)
    {
        // Printable ASCII without a backslash is by far the common case: the bytes are the text.
        if (bytes.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7e) < 0 && bytes.IndexOf((byte)'\\') < 0)
            return bytes.Length <= maxChars ? Encoding.ASCII.GetString(bytes) : Encoding.ASCII.GetString(bytes[..maxChars]) + "…";
        var sb = new StringBuilder(Math.Min(bytes.Length + 8, 1024));
        while (!bytes.IsEmpty)
        {
            if (sb.Length >= maxChars)
            {
                sb.Append('…');
                break;
            }
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out var used);
            if (status != OperationStatus.Done)
            {
                AppendHex(sb, bytes[0]);
                bytes = bytes[1..];
                continue;
            }
            if (IsInvisible(rune))
            {
                if (rune.Value < 0x80) AppendControl(sb, (byte)rune.Value);
                else
                    foreach (var b in bytes[..used]) AppendHex(sb, b);
            }
            else if (rune.Value == '\\') sb.Append(@"\\");
            else sb.Append(rune.ToString());
            bytes = bytes[used..];
        }
        return sb.ToString();
    }

    /// <summary>
    /// The visible form of an argument as MONITOR wrote it (<c>sdscatrepr</c>, without the quotes), decoding at most
    /// <paramref name="maxBytes"/> of it; <paramref name="length"/> is the argument's real length in bytes.
    /// </summary>
    public static string FromEscaped(ReadOnlySpan<byte> escaped, int maxBytes, out long length, int maxChars = int.MaxValue)
    {
        length = SdsRepr.UnescapedLength(escaped);
        var take = (int)Math.Min(length, maxBytes);
        byte[]? rented = null;
        var buffer = take <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(take));
        try
        {
            var written = SdsRepr.Unescape(escaped, buffer[..take], out _);
            var text = Of(buffer[..written], maxChars);
            return written < length && !text.EndsWith('…') ? text + "…" : text;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Whether a character cannot be seen or told apart on screen: controls, format characters (zero-width, bidi),
    /// line and paragraph separators, spaces other than the ASCII space, private-use and unassigned code points.
    /// </summary>
    public static bool IsInvisible(Rune rune)
    {
        if (rune.Value is >= 0x20 and < 0x7f) return false;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.Surrogate => true,
            _ => false,
        };
    }

    /// <summary>Whether <see cref="Of"/> would show these bytes exactly as they are (valid UTF-8, nothing invisible, no backslash).</summary>
    public static bool IsPlain(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var used) != OperationStatus.Done) return false;
            if (IsInvisible(rune) || rune.Value == '\\') return false;
            bytes = bytes[used..];
        }
        return true;
    }

    /// <summary>
    /// A hex dump: 16 bytes a row, offset, hex pairs and the printable ASCII beside them (others as '.').
    /// At most <paramref name="maxBytes"/> bytes are dumped.
    /// </summary>
    public static string Hex(ReadOnlySpan<byte> bytes, int maxBytes = 4096)
    {
        var shown = bytes.Length <= maxBytes ? bytes : bytes[..maxBytes];
        var sb = new StringBuilder(shown.Length * 4 + 16);
        for (var row = 0; row < shown.Length; row += 16)
        {
            var line = shown.Slice(row, Math.Min(16, shown.Length - row));
            if (row > 0) sb.Append('\n');
            sb.Append(row.ToString("x4", CultureInfo.InvariantCulture)).Append("  ");
            for (var i = 0; i < 16; i++)
            {
                if (i < line.Length) sb.Append(line[i].ToString("x2", CultureInfo.InvariantCulture)).Append(' ');
                else sb.Append("   ");
                if (i == 7) sb.Append(' ');
            }
            sb.Append(' ');
            foreach (var b in line) sb.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
        }
        if (shown.Length < bytes.Length) sb.Append('\n').Append('…');
        return sb.ToString();
    }

    internal static void AppendControl(StringBuilder sb, byte b)
    {
        switch (b)
        {
            case (byte)'\n': sb.Append(@"\n"); break;
            case (byte)'\r': sb.Append(@"\r"); break;
            case (byte)'\t': sb.Append(@"\t"); break;
            case 0x07: sb.Append(@"\a"); break;
            case 0x08: sb.Append(@"\b"); break;
            default: AppendHex(sb, b); break;
        }
    }

    internal static void AppendHex(StringBuilder sb, byte b) => sb.Append(@"\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
}
