using System.Text;

namespace BetterDb.Core.Lines;

/// <summary>One argument of a line (the command is the first) as its real bytes; <see cref="Bytes"/> is its start only when <see cref="Cut"/>.</summary>
public sealed record LineArgument(byte[] Bytes, long Length)
{
    public bool Cut => Bytes.Length < Length;
}

/// <summary>The arguments of a MONITOR line decoded to the bytes the client sent, for a detail view, a hex dump and copying.</summary>
public static class LineArguments
{
    /// <summary>Decodes each argument of <paramref name="raw"/>, at most <paramref name="maxBytesEach"/> bytes of each; false for a malformed line.</summary>
    public static bool TryRead(ReadOnlySpan<byte> raw, int maxBytesEach, out IReadOnlyList<LineArgument> arguments)
    {
        if (!MonitorLineParser.TryParse(raw, out var view))
        {
            arguments = [];
            return false;
        }
        var list = new List<LineArgument>(Math.Min(view.ArgCount, 64));
        foreach (var escaped in view.EnumerateArgs())
        {
            var length = SdsRepr.UnescapedLength(escaped);
            var bytes = new byte[(int)Math.Min(length, maxBytesEach)];
            SdsRepr.Unescape(escaped, bytes, out _);
            list.Add(new LineArgument(bytes, length));
        }
        arguments = list;
        return true;
    }
}

/// <summary>
/// A line as the <c>redis-cli</c> command that sends it again, quoted for a POSIX shell: plain words bare, text in
/// single quotes (a quote inside as <c>'\''</c>), and anything with a control or non-UTF-8 byte as <c>$'...'</c> with
/// <c>\xHH</c> escapes, which bash, zsh, ksh and POSIX.1-2024 <c>sh</c> read back to the same bytes.
/// redis-cli sends its arguments as they are (it unescapes nothing outside its interactive mode).
/// </summary>
public static class RedisCliCommand
{
    /// <param name="arguments">the command and its arguments, as bytes</param>
    /// <param name="db">the line's database; <c>-n</c> is added when it is not 0</param>
    /// <exception cref="ArgumentException">a NUL byte anywhere but in the last argument (see <see cref="TryFor"/>)</exception>
    public static string For(IReadOnlyList<byte[]> arguments, int db = 0) =>
        TryFor(arguments, db, out var command, out var why) ? command : throw new ArgumentException(why, nameof(arguments));

    /// <summary>
    /// The command, or why there is none. A process argument cannot hold a NUL byte (no shell can pass one), so a
    /// last argument with NUL bytes is fed on stdin instead (<c>printf '\000...' | redis-cli -x ...</c>: POSIX printf
    /// octal escapes); a NUL in any other argument cannot be sent from a command line at all.
    /// </summary>
    public static bool TryFor(IReadOnlyList<byte[]> arguments, int db, out string command, out string? why)
    {
        command = "";
        why = null;
        for (var i = 0; i < arguments.Count - 1; i++)
            if (arguments[i].AsSpan().IndexOf((byte)0) >= 0)
            {
                why = $"Argument {i} holds a NUL byte, which no shell can pass as a command-line argument (redis-cli -x can read only the last one from stdin).";
                return false;
            }
        var sb = new StringBuilder();
        var last = arguments.Count > 0 ? arguments[^1] : [];
        var viaStdin = last.AsSpan().IndexOf((byte)0) >= 0;
        if (viaStdin) sb.Append("printf '").Append(PrintfOctal(last)).Append("' | ");
        sb.Append("redis-cli");
        if (db != 0) sb.Append(" -n ").Append(db);
        if (viaStdin) sb.Append(" -x");
        var shown = viaStdin ? arguments.Count - 1 : arguments.Count;
        for (var i = 0; i < shown; i++) sb.Append(' ').Append(Quote(arguments[i]));
        command = sb.ToString();
        return true;
    }

    /// <summary>Every byte as a POSIX printf octal escape (<c>\000</c>), so printf writes exactly these bytes.</summary>
    private static string PrintfOctal(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length * 4);
        foreach (var b in bytes) sb.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
        return sb.ToString();
    }

    public static string Quote(ReadOnlySpan<byte> arg)
    {
        if (arg.IsEmpty) return "''";
        if (IsBare(arg)) return Encoding.ASCII.GetString(arg);
        if (VisibleText.IsPlain(arg) || IsPlainWithBackslash(arg))
            return "'" + Encoding.UTF8.GetString(arg).Replace("'", @"'\''") + "'";
        var sb = new StringBuilder("$'", arg.Length * 2 + 3);
        foreach (var b in arg)
        {
            switch (b)
            {
                case (byte)'\\': sb.Append(@"\\"); break;
                case (byte)'\'': sb.Append(@"\'"); break;
                case (byte)'\n': sb.Append(@"\n"); break;
                case (byte)'\r': sb.Append(@"\r"); break;
                case (byte)'\t': sb.Append(@"\t"); break;
                case >= 0x20 and < 0x7f: sb.Append((char)b); break;
                default: VisibleText.AppendHex(sb, b); break;
            }
        }
        return sb.Append('\'').ToString();
    }

    /// <summary>Bytes a shell takes as one word as they are.</summary>
    private static bool IsBare(ReadOnlySpan<byte> arg)
    {
        foreach (var b in arg)
        {
            var ok = b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
                || "_@%+=:,./-"u8.IndexOf(b) >= 0;
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>Text whose only unusual byte is a backslash: single quotes keep a backslash as it is.</summary>
    private static bool IsPlainWithBackslash(ReadOnlySpan<byte> arg)
    {
        if (arg.IndexOf((byte)'\\') < 0) return false;
        Span<byte> copy = arg.Length <= 512 ? stackalloc byte[arg.Length] : new byte[arg.Length];
        arg.CopyTo(copy);
        copy.Replace((byte)'\\', (byte)'/');
        return VisibleText.IsPlain(copy);
    }
}
