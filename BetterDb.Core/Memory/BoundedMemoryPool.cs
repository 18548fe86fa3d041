using System.Buffers;

namespace BetterDb.Core.Memory;

/// <summary>
/// A memory pool for pipes that may be asked for a huge block (an export writing a 300 MB line asks its PipeWriter for
/// a span that long): ordinary sizes come from <see cref="MemoryPool{T}.Shared"/>, a huge one is an array of its own
/// that the GC takes back, not a 512 MB array the shared pool would keep for good (seen in a heap dump after a txt
/// export of a 300 MB line).
/// </summary>
public sealed class BoundedMemoryPool : MemoryPool<byte>
{
    public static readonly BoundedMemoryPool Instance = new();

    /// <summary>Blocks up to this size are pooled.</summary>
    public const int MaxPooledBytes = 1024 * 1024;

    public override int MaxBufferSize => Array.MaxLength;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) =>
        minBufferSize <= MaxPooledBytes ? Shared.Rent(minBufferSize) : new Unpooled(GC.AllocateUninitializedArray<byte>(minBufferSize));

    protected override void Dispose(bool disposing) { }

    private sealed class Unpooled(byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Unpooled));

        public void Dispose()
        {
            if (_array is null) return;
            HugeBuffers.Dropped(_array.Length);
            _array = null;
        }
    }
}
