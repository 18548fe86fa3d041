using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace BetterDb.Core.Replay;

/// <summary>
/// Steps over one RESP2/RESP3 reply without building it: a replay only needs to know that a reply came, and the text
/// of an error. <see cref="Connections.RespConnection.TryParseReply"/> builds every reply as strings, which at a
/// pipelined replay's hundreds of thousands of replies a second would be most of the work.
/// </summary>
internal static class ReplyScanner
{
    /// <summary>
    /// Skips one whole reply at the reader's position; false (position undefined: retry from a copy) when more bytes are
    /// needed. <paramref name="error"/> is the text of a top-level error reply, else null.
    /// </summary>
    public static bool TrySkip(ref SequenceReader<byte> reader, out string? error)
    {
        error = null;
        if (!reader.TryRead(out var type)) return false;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8)) return false;
        switch (type)
        {
            case (byte)'+' or (byte)':' or (byte)'_' or (byte)'#' or (byte)',' or (byte)'(':
                return true;
            case (byte)'-':
                error = Encoding.UTF8.GetString(line);
                return true;
            case (byte)'$' or (byte)'=' or (byte)'!':
            {
                var len = Length(line);
                if (len < 0) return true;
                if (reader.Remaining < len + 2) return false;
                if (type == (byte)'!') error = Encoding.UTF8.GetString(reader.UnreadSequence.Slice(0, len));
                reader.Advance(len + 2);
                return true;
            }
            case (byte)'*' or (byte)'~' or (byte)'>' or (byte)'%':
            {
                var n = Length(line);
                if (type == (byte)'%') n *= 2;
                for (long i = 0; i < n; i++)
                    if (!TrySkip(ref reader, out _)) return false;
                return true;
            }
            case (byte)'|': // attributes come before the reply they describe
            {
                var n = Length(line) * 2;
                for (long i = 0; i < n; i++)
                    if (!TrySkip(ref reader, out _)) return false;
                return TrySkip(ref reader, out error);
            }
            default:
                throw new IOException($"unexpected RESP reply type '{(char)type}' from the replay target");
        }
    }

    private static long Length(ReadOnlySequence<byte> line)
    {
        Span<byte> copy = stackalloc byte[24];
        ReadOnlySpan<byte> digits = line.IsSingleSegment ? line.FirstSpan : copy[..CopyShort(line, copy)];
        if (!Utf8Parser.TryParse(digits, out long n, out var used) || used != digits.Length)
            throw new IOException("malformed RESP length from the replay target");
        return n;
    }

    private static int CopyShort(ReadOnlySequence<byte> line, Span<byte> into)
    {
        if (line.Length > into.Length) throw new IOException("malformed RESP length from the replay target");
        line.CopyTo(into);
        return (int)line.Length;
    }
}
