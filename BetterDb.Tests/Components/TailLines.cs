using System.Text;
using BetterDb.Core.Capture;

namespace BetterDb.Tests.Components;

/// <summary>Builds <see cref="TailBlock"/>s of real MONITOR lines, as the capture writer publishes them.</summary>
internal static class TailLines
{
    /// <summary>Lines <paramref name="firstSeq"/> .. firstSeq+count-1, each <c>SET key:{seq} v{seq}</c>.</summary>
    public static TailBlock Block(long firstSeq, int count)
    {
        var text = new StringBuilder();
        var ends = new int[count];
        var bytes = 0;
        for (var i = 0; i < count; i++)
        {
            var seq = firstSeq + i;
            var line = $"1732958593.{seq % 1_000_000:000000} [0 127.0.0.1:5000] \"set\" \"key:{seq}\" \"v{seq}\"\n";
            text.Append(line);
            bytes += Encoding.ASCII.GetByteCount(line);
            ends[i] = bytes;
        }
        return new TailBlock(Encoding.ASCII.GetBytes(text.ToString()), ends, firstSeq);
    }

    /// <summary>Publishes <paramref name="total"/> lines from <paramref name="firstSeq"/> in blocks of <paramref name="perBlock"/>.</summary>
    public static long Publish(LiveTail tail, long firstSeq, int total, int perBlock)
    {
        var seq = firstSeq;
        while (seq < firstSeq + total)
        {
            var n = (int)Math.Min(perBlock, firstSeq + total - seq);
            tail.Publish(Block(seq, n));
            seq += n;
        }
        return seq;
    }
}
