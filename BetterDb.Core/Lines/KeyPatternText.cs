using System.Buffers;
using System.Globalization;
using System.Text;
using BetterDb.Core.Configuration;

namespace BetterDb.Core.Lines;

/// <summary>
/// The key filter as a user types it in the UI, next to the list that shows keys in <see cref="VisibleText"/>:
/// a Redis glob (<c>* ? [abc] [^a] [a-z]</c>, <c>\</c> escapes) in which <c>\n \r \t \a \b</c> and <c>\xHH</c> stand for
/// the byte they name, as the list writes it. So <c>user:\n1</c>, typed from what the list shows, finds the key with a
/// newline in it. That is the one difference from Redis's own syntax, where <c>\n</c> would be the letter n (an
/// escaped letter is just the letter, so nobody loses a pattern they need). The HTTP API and the URL keep the plain
/// Redis glob; <see cref="FromTyped"/> and <see cref="ToTyped"/> convert between the two.
/// </summary>
public static class KeyPatternText
{
    private const string GlobSpecial = "*?[]\\";

    /// <summary>The Redis glob a typed pattern means.</summary>
    /// <exception cref="InvalidInputException">(field <c>key</c>) <c>\xHH</c> escapes that are not UTF-8 text: such bytes cannot be
    /// part of a pattern typed here; <c>?</c> matches any one byte.</exception>
    public static string FromTyped(string typed)
    {
        if (typed.IndexOf('\\') < 0) return typed;
        var sb = new StringBuilder(typed.Length);
        var i = 0;
        while (i < typed.Length)
        {
            var c = typed[i];
            if (c != '\\' || i + 1 >= typed.Length)
            {
                sb.Append(c);
                i++;
                continue;
            }
            var next = typed[i + 1];
            var control = next switch { 'n' => '\n', 'r' => '\r', 't' => '\t', 'a' => '\a', 'b' => '\b', _ => '\0' };
            if (control != '\0')
            {
                sb.Append(control);
                i += 2;
                continue;
            }
            if (next == 'x' && IsHexAt(typed, i + 2))
            {
                // A run of \xHH escapes is one byte sequence: a character may take several.
                var bytes = new List<byte>();
                var start = i;
                while (i + 3 < typed.Length && typed[i] == '\\' && typed[i + 1] == 'x' && IsHexAt(typed, i + 2))
                {
                    bytes.Add(byte.Parse(typed.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                }
                var text = Decode(bytes.ToArray(), typed[start..i]);
                foreach (var ch in text)
                {
                    if (GlobSpecial.Contains(ch)) sb.Append('\\');
                    sb.Append(ch);
                }
                continue;
            }
            // Any other escape is Redis's own (\* \? \[ \\ ...).
            sb.Append(c).Append(next);
            i += 2;
        }
        return sb.ToString();
    }

    /// <summary>How a Redis glob reads in the filter field: invisible bytes as their escapes, the rest as it is.</summary>
    public static string ToTyped(string pattern)
    {
        var sb = new StringBuilder(pattern.Length);
        var bytes = Encoding.UTF8.GetBytes(pattern).AsSpan();
        while (!bytes.IsEmpty)
        {
            if (bytes[0] == (byte)'\\' && bytes.Length > 1)
            {
                var next = bytes[1];
                if ("nrtabx"u8.IndexOf(next) >= 0)
                {
                    // An escaped letter is the letter: written bare, it cannot be read back as a control byte.
                    sb.Append((char)next);
                    bytes = bytes[2..];
                    continue;
                }
                if (next >= 0x20 && next < 0x7f)
                {
                    sb.Append('\\').Append((char)next);
                    bytes = bytes[2..];
                    continue;
                }
                // An escaped invisible byte is that byte: drop the escape and show the byte as the list does.
                bytes = bytes[1..];
                continue;
            }
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var used) != OperationStatus.Done)
            {
                VisibleText.AppendHex(sb, bytes[0]);
                bytes = bytes[1..];
                continue;
            }
            if (VisibleText.IsInvisible(rune))
            {
                if (rune.Value < 0x80) VisibleText.AppendControl(sb, (byte)rune.Value);
                else
                    foreach (var b in bytes[..used]) VisibleText.AppendHex(sb, b);
            }
            else sb.Append(rune.ToString());
            bytes = bytes[used..];
        }
        return sb.ToString();
    }

    /// <summary>A glob that matches exactly <paramref name="text"/> (its special characters escaped), e.g. for a key picked from a table.</summary>
    public static string Exact(string text)
    {
        var sb = new StringBuilder(text.Length + 4);
        foreach (var ch in text)
        {
            if (GlobSpecial.Contains(ch)) sb.Append('\\');
            sb.Append(ch);
        }
        return sb.ToString();
    }

    /// <summary>
    /// A glob matching a key as a report shows it (<see cref="SdsRepr.ToDisplay(ReadOnlySpan{byte})"/>: the text when it is
    /// UTF-8, else the escaped form MONITOR wrote): exactly the text; for a binary key its printable bytes exactly and
    /// <c>?</c> for each other byte (a pattern here is text, so such a byte cannot be written literally).
    /// </summary>
    public static string ForShownKey(string shown)
    {
        if (shown.IndexOf("\\x", StringComparison.Ordinal) < 0) return Exact(shown);
        var bytes = SdsRepr.Unescape(Encoding.ASCII.GetBytes(shown));
        if (System.Text.Unicode.Utf8.IsValid(bytes) || !System.Text.Ascii.IsValid(shown)) return Exact(shown);
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and < 0x7f)
            {
                if (GlobSpecial.Contains((char)b)) sb.Append('\\');
                sb.Append((char)b);
            }
            else sb.Append('?');
        }
        return sb.ToString();
    }

    private static bool IsHexAt(string s, int at) => at + 1 < s.Length && Uri.IsHexDigit(s[at]) && Uri.IsHexDigit(s[at + 1]);

    private static string Decode(byte[] bytes, string typed)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidInputException("key",
                $"{typed} is not UTF-8 text, so it cannot be typed into a pattern here; use ? for each such byte (it matches any one byte).");
        }
    }
}
