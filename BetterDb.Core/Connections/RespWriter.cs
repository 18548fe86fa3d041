using System.Buffers;
using System.Buffers.Text;

namespace BetterDb.Core.Connections;

/// <summary>
/// RESP2 request framing: an array header (<c>*N\r\n</c>) and bulk strings (<c>$len\r\n...\r\n</c>), written straight
/// into a buffer writer without a string per number. Commands given as text go through
/// <see cref="RespConnection.WriteCommand"/>; a replay writes the exact bytes of captured arguments through these.
/// </summary>
public static class RespWriter
{
    public static void ArrayHeader(IBufferWriter<byte> output, long count) => Header(output, (byte)'*', count);

    public static void BulkHeader(IBufferWriter<byte> output, long length) => Header(output, (byte)'$', length);

    /// <summary>The <c>\r\n</c> that ends a bulk string's bytes.</summary>
    public static void BulkEnd(IBufferWriter<byte> output) => output.Write("\r\n"u8);

    public static void Bulk(IBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        BulkHeader(output, value.Length);
        output.Write(value);
        BulkEnd(output);
    }

    private static void Header(IBufferWriter<byte> output, byte type, long n)
    {
        var span = output.GetSpan(24);
        span[0] = type;
        Utf8Formatter.TryFormat(n, span[1..], out var written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        output.Advance(written + 3);
    }
}
