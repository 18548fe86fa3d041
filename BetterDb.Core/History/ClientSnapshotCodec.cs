using BetterDb.Core.Storage;
using ZstdSharp;

namespace BetterDb.Core.History;

/// <summary>
/// Compression of CLIENT LIST snapshots. Consecutive snapshots are nearly the same text (the same clients, their
/// ages and idle times a little higher), so each is compressed with zstd using the last keyframe (a snapshot
/// compressed on its own, one an hour) as its dictionary: zstd then stores little more than the numbers that
/// changed. Reading a snapshot needs at most its keyframe besides itself.
/// </summary>
public static class ClientSnapshotCodec
{
    /// <summary>Compressed on its own (zstd).</summary>
    public const byte Keyframe = ChunkCodec.Zstd;
    /// <summary>Compressed with its keyframe's text as the zstd dictionary.</summary>
    public const byte Delta = 16;

    public static readonly TimeSpan KeyframeInterval = TimeSpan.FromHours(1);
    private const int Level = 6;

    public static byte[] CompressKeyframe(ReadOnlySpan<byte> raw) => ChunkCodec.Compress(raw, ChunkCodec.Zstd, Level);

    public static byte[] CompressDelta(ReadOnlySpan<byte> raw, byte[] keyframe)
    {
        using var c = new Compressor(Level);
        c.LoadDictionary(keyframe);
        return c.Wrap(raw).ToArray();
    }

    /// <param name="keyframe">the text of the snapshot's keyframe (needed for a <see cref="Delta"/>).</param>
    public static byte[] Decompress(ClientSnapshotEntity snapshot, byte[]? keyframe)
    {
        if (snapshot.Codec != Delta)
        {
            var raw = new byte[snapshot.RawBytes];
            ChunkCodec.Decompress(snapshot.Data, snapshot.Codec, raw);
            return raw;
        }
        if (keyframe is null) throw new InvalidDataException($"client snapshot {snapshot.Id} needs its keyframe {snapshot.KeyframeId}, which is gone");
        using var d = new Decompressor();
        d.LoadDictionary(keyframe);
        return d.Unwrap(snapshot.Data, snapshot.RawBytes).ToArray();
    }
}
