using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace BetterDb.Core.Lines;

/// <summary>
/// Redis <c>sdscatrepr</c> encoding, as used for every argument of a MONITOR line
/// (without the surrounding quotes).
/// </summary>
public static class SdsRepr
{
    // Bytes sdscatrepr copies verbatim: isprint() in the C locale, minus the two it escapes.
    internal static readonly SearchValues<byte> VerbatimBytes = SearchValues.Create(BuildVerbatim());

    // ASCII that ToDisplay can widen straight to a string: no escapes to resolve.
    private static readonly SearchValues<byte> AsciiWithoutBackslash = SearchValues.Create(BuildAsciiWithoutBackslash());

    // Buffers up to this size come from the stack; larger ones are rented, up to MaxPooled: a bigger one (a huge
    // argument) is allocated, so the GC takes it back instead of the shared pool keeping it for good.
    private const int StackLimit = 256;
    private const int MaxPooled = 1024 * 1024;

    /// <summary>
    /// Decodes <paramref name="escaped"/> into <paramref name="destination"/> and returns the bytes written.
    /// A destination as long as the input always suffices (escapes only shrink).
    /// Escapes sdscatrepr never writes (unknown letter, truncated <c>\x</c>) are copied through verbatim,
    /// so nothing is lost; <see cref="MonitorLineParser.TryParse"/> rejects them before they get here.
    /// </summary>
    public static int Unescape(ReadOnlySpan<byte> escaped, Span<byte> destination)
    {
        int written = 0;
        while (true)
        {
            int slash = escaped.IndexOf((byte)'\\');
            if (slash < 0)
            {
                escaped.CopyTo(destination[written..]);
                return written + escaped.Length;
            }

            escaped[..slash].CopyTo(destination[written..]);
            written += slash;
            escaped = escaped[slash..];

            int consumed = DecodeEscape(escaped, out byte value);
            if (consumed == 0)
            {
                destination[written++] = (byte)'\\';
                escaped = escaped[1..];
            }
            else
            {
                destination[written++] = value;
                escaped = escaped[consumed..];
            }
        }
    }

    /// <summary>
    /// Decodes as much of <paramref name="escaped"/> as fits in <paramref name="destination"/>, never splitting an escape;
    /// <paramref name="consumed"/> is how much of the input that took. For reading a huge argument a window at a time.
    /// </summary>
    public static int Unescape(ReadOnlySpan<byte> escaped, Span<byte> destination, out int consumed)
    {
        int written = 0, pos = 0;
        while (pos < escaped.Length && written < destination.Length)
        {
            var room = destination.Length - written;
            var rest = escaped[pos..];
            // Look no further than what fits: a search to the next escape could cross the whole argument.
            var look = rest.Length <= room ? rest : rest[..room];
            int slash = look.IndexOf((byte)'\\');
            int run = slash < 0 ? look.Length : slash;
            if (run > 0)
            {
                rest[..run].CopyTo(destination[written..]);
                written += run;
                pos += run;
                continue;
            }
            int n = DecodeEscape(rest, out byte value);
            destination[written++] = n == 0 ? (byte)'\\' : value;
            pos += n == 0 ? 1 : n;
        }
        consumed = pos;
        return written;
    }

    /// <summary>The length of the bytes <paramref name="escaped"/> stands for, without decoding them anywhere.</summary>
    public static long UnescapedLength(ReadOnlySpan<byte> escaped)
    {
        long length = 0;
        while (true)
        {
            int slash = escaped.IndexOf((byte)'\\');
            if (slash < 0) return length + escaped.Length;
            length += slash + 1;
            int n = DecodeEscape(escaped[slash..], out _);
            escaped = escaped[(slash + (n == 0 ? 1 : n))..];
        }
    }

    /// <summary>
    /// <see cref="ToDisplay(ReadOnlySpan{byte})"/> of at most the first <paramref name="maxBytes"/> bytes of the argument,
    /// so a huge one costs a bounded string. <paramref name="length"/> is the argument's whole length in bytes (decoded);
    /// it was cut when that is more than <paramref name="maxBytes"/>. A cut never splits a UTF-8 character or an escape.
    /// </summary>
    public static string ToDisplay(ReadOnlySpan<byte> escaped, int maxBytes, out long length)
    {
        length = UnescapedLength(escaped);
        if (length <= maxBytes) return ToDisplay(escaped);

        byte[]? rented = null;
        Span<byte> buffer = maxBytes <= StackLimit
            ? stackalloc byte[StackLimit]
            : maxBytes <= MaxPooled ? (rented = ArrayPool<byte>.Shared.Rent(maxBytes)) : new byte[maxBytes];
        try
        {
            int written = Unescape(escaped, buffer[..maxBytes], out int consumed);
            ReadOnlySpan<byte> raw = buffer[..written];
            // Valid UTF-8 but for a character the cut split: show the text up to that character.
            int complete = CompleteUtf8Length(raw);
            if (complete >= 0)
                return Encoding.UTF8.GetString(raw[..complete]);
            // Binary: keep what Redis sent, cut where the decoding stopped (always after a whole escape).
            return Ascii.IsValid(escaped[..consumed]) ? Encoding.ASCII.GetString(escaped[..consumed]) : Escape(raw);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The length of <paramref name="bytes"/> without an incomplete UTF-8 character at its end, when everything before
    /// that is valid UTF-8; -1 when it is not UTF-8.
    /// </summary>
    public static int CompleteUtf8Length(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes)) return bytes.Length;
        // A cut can leave at most 3 bytes of a 4-byte character.
        for (int drop = 1; drop <= 3 && drop <= bytes.Length; drop++)
        {
            byte b = bytes[^drop];
            if ((b & 0xC0) == 0x80) continue; // a continuation byte: the lead is further back
            // b leads a character: it must need more bytes than it has.
            int needs = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
            return needs > drop && Utf8.IsValid(bytes[..^drop]) ? bytes.Length - drop : -1;
        }
        return -1;
    }

    /// <summary>Decodes <paramref name="escaped"/> into a new array.</summary>
    public static byte[] Unescape(ReadOnlySpan<byte> escaped)
    {
        if (escaped.IsEmpty)
            return [];
        if (escaped.IndexOf((byte)'\\') < 0)
            return escaped.ToArray();

        byte[]? rented = null;
        Span<byte> buffer = escaped.Length <= StackLimit
            ? stackalloc byte[StackLimit]
            : escaped.Length <= MaxPooled ? (rented = ArrayPool<byte>.Shared.Rent(escaped.Length)) : new byte[escaped.Length];
        try
        {
            return buffer[..Unescape(escaped, buffer)].ToArray();
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Encodes raw bytes exactly as <c>sdscatrepr</c> does, without the surrounding quotes.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IndexOfAnyExcept(VerbatimBytes) < 0)
            return Encoding.ASCII.GetString(bytes);

        int length = 0;
        foreach (byte b in bytes)
            length += EscapedWidth(b);

        char[]? rented = null;
        Span<char> chars = length <= StackLimit
            ? stackalloc char[StackLimit]
            : length <= MaxPooled ? (rented = ArrayPool<char>.Shared.Rent(length)) : new char[length];
        try
        {
            int pos = 0;
            foreach (byte b in bytes)
                pos += WriteEscaped(b, chars[pos..]);
            return new string(chars[..pos]);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Human-readable form of an escaped argument: the decoded text when the bytes are valid UTF-8,
    /// otherwise the escaped form (as Redis sent it) so binary values stay unambiguous.
    /// </summary>
    public static string ToDisplay(ReadOnlySpan<byte> escaped)
    {
        // Plain ASCII with nothing to unescape is by far the common case (commands, most keys).
        if (escaped.IndexOfAnyExcept(AsciiWithoutBackslash) < 0)
            return Encoding.ASCII.GetString(escaped);

        byte[]? rented = null;
        Span<byte> buffer = escaped.Length <= StackLimit
            ? stackalloc byte[StackLimit]
            : escaped.Length <= MaxPooled ? (rented = ArrayPool<byte>.Shared.Rent(escaped.Length)) : new byte[escaped.Length];
        try
        {
            ReadOnlySpan<byte> raw = buffer[..Unescape(escaped, buffer)];
            if (Utf8.IsValid(raw))
                return Encoding.UTF8.GetString(raw);
            // Keep what Redis sent; re-escape only if the input itself was not pure ASCII.
            return Ascii.IsValid(escaped) ? Encoding.ASCII.GetString(escaped) : Escape(raw);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Decodes one escape sequence at the start of <paramref name="s"/> (which begins with a backslash).
    /// Returns the bytes consumed (2 or 4), or 0 when it is not a sequence sdscatrepr produces.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int DecodeEscape(ReadOnlySpan<byte> s, out byte value)
    {
        value = 0;
        if (s.Length < 2)
            return 0;
        switch (s[1])
        {
            case (byte)'\\': value = (byte)'\\'; return 2;
            case (byte)'"': value = (byte)'"'; return 2;
            case (byte)'n': value = (byte)'\n'; return 2;
            case (byte)'r': value = (byte)'\r'; return 2;
            case (byte)'t': value = (byte)'\t'; return 2;
            case (byte)'a': value = 0x07; return 2;
            case (byte)'b': value = 0x08; return 2;
            case (byte)'x':
                if (s.Length < 4)
                    return 0;
                int hi = HexValue(s[2]);
                int lo = HexValue(s[3]);
                if ((hi | lo) < 0)
                    return 0;
                value = (byte)((hi << 4) | lo);
                return 4;
            default:
                return 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int HexValue(byte c)
    {
        uint digit = (uint)(c - '0');
        if (digit <= 9)
            return (int)digit;
        uint letter = (uint)((c | 0x20) - 'a'); // fold upper case onto lower case
        return letter <= 5 ? (int)letter + 10 : -1;
    }

    private static int EscapedWidth(byte b) => b switch
    {
        (byte)'\\' or (byte)'"' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0x07 or 0x08 => 2,
        >= 0x20 and <= 0x7e => 1,
        _ => 4,
    };

    private static int WriteEscaped(byte b, Span<char> dest)
    {
        char simple = b switch
        {
            (byte)'\\' => '\\',
            (byte)'"' => '"',
            (byte)'\n' => 'n',
            (byte)'\r' => 'r',
            (byte)'\t' => 't',
            0x07 => 'a',
            0x08 => 'b',
            _ => '\0',
        };
        if (simple != '\0')
        {
            dest[0] = '\\';
            dest[1] = simple;
            return 2;
        }
        if (b is >= 0x20 and <= 0x7e)
        {
            dest[0] = (char)b;
            return 1;
        }
        const string hex = "0123456789abcdef";
        dest[0] = '\\';
        dest[1] = 'x';
        dest[2] = hex[b >> 4];
        dest[3] = hex[b & 0xf];
        return 4;
    }

    private static byte[] BuildVerbatim()
    {
        var list = new List<byte>();
        for (int b = 0x20; b <= 0x7e; b++)
            if (b != '"' && b != '\\')
                list.Add((byte)b);
        return [.. list];
    }

    private static byte[] BuildAsciiWithoutBackslash()
    {
        var list = new List<byte>();
        for (int b = 0; b <= 0x7f; b++)
            if (b != '\\')
                list.Add((byte)b);
        return [.. list];
    }
}
