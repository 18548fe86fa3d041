using ZstdSharp;

namespace BetterDb.Core.Storage;

/// <summary>
/// Compression of stored chunks. The codec id is stored with each chunk so the
/// choice can change without rewriting old sessions. Zstd level 1 was chosen from
/// the ingest benchmark (README, "Chunk compression").
/// </summary>
public static class ChunkCodec
{
    public const byte None = 0;
    public const byte Zstd = 1;
    public const byte Brotli = 2;

    public static byte Default => Zstd;

    // Zstd contexts are costly to make (their tables are megabytes) and each capture stores on a thread of its
    // own: a few are kept for all threads rather than one per thread.
    private static readonly System.Collections.Concurrent.ConcurrentBag<Compressor> Compressors = [];
    [ThreadStatic] private static Decompressor? _decompressor;

    private const int PooledScratchBytes = 4 * 1024 * 1024;

    public static byte[] Compress(ReadOnlySpan<byte> raw, byte codec = Zstd, int level = 1)
    {
        switch (codec)
        {
            case None:
                return raw.ToArray();
            case Zstd:
            {
                var c = Compressors.TryTake(out var pooled) ? pooled : new Compressor(level);
                try { return CompressZstd(raw, c, level); }
                finally { if (Compressors.Count < Environment.ProcessorCount) Compressors.Add(c); else c.Dispose(); }
            }
            case Brotli:
                var dest = new byte[System.IO.Compression.BrotliEncoder.GetMaxCompressedLength(raw.Length)];
                if (!System.IO.Compression.BrotliEncoder.TryCompress(raw, dest, out var written, Math.Clamp(level, 0, 11), 22))
                    throw new InvalidOperationException("Brotli compression failed.");
                return dest.AsSpan(0, written).ToArray();
            default:
                throw new ArgumentOutOfRangeException(nameof(codec), codec, "Unknown chunk codec.");
        }
    }

    private static byte[] CompressZstd(ReadOnlySpan<byte> raw, Compressor c, int level)
    {
        if (c.Level != level) c.Level = level;
        // Compress into a pooled buffer and copy out the exact size: one small array per chunk.
        var bound = Compressor.GetCompressBound(raw.Length);
        // A chunk holding a huge line gets a scratch buffer of its own: the shared pool would keep it for good.
        if (bound > PooledScratchBytes)
        {
            var big = GC.AllocateUninitializedArray<byte>(bound);
            var compressed = big.AsSpan(0, c.Wrap(raw, big)).ToArray();
            Memory.HugeBuffers.Dropped(bound);
            return compressed;
        }
        var scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(bound);
        try { return scratch.AsSpan(0, c.Wrap(raw, scratch)).ToArray(); }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(scratch); }
    }

    /// <summary>Decompresses into <paramref name="destination"/>, which must hold <paramref name="rawLength"/> bytes.</summary>
    public static void Decompress(ReadOnlySpan<byte> data, byte codec, Span<byte> destination)
    {
        switch (codec)
        {
            case None:
                data.CopyTo(destination);
                return;
            case Zstd:
                var d = _decompressor ??= new Decompressor();
                d.Unwrap(data, destination);
                return;
            case Brotli:
                if (!System.IO.Compression.BrotliDecoder.TryDecompress(data, destination, out _))
                    throw new InvalidDataException("Corrupt Brotli chunk.");
                return;
            default:
                throw new InvalidDataException($"Unknown chunk codec {codec}.");
        }
    }

    public static byte[] Decompress(ChunkEntity chunk)
    {
        var raw = new byte[chunk.ByteCount];
        Decompress(chunk.Data, chunk.Codec, raw);
        return raw;
    }
}
