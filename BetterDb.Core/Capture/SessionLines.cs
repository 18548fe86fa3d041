using BetterDb.Core.Lines;
using BetterDb.Core.Storage;

namespace BetterDb.Core.Capture;

/// <summary>Reads a session's stored lines back: pages of line objects, or the raw text streamed.</summary>
public sealed class SessionLines(IChunkStore chunks)
{
    /// <summary>Lines [offset, offset+limit) in capture order. Chunks before the offset are skipped undecoded.</summary>
    public async Task<IReadOnlyList<MonitorLine>> ReadAsync(string sessionId, long offset, int limit, CancellationToken ct = default)
    {
        var lines = new List<MonitorLine>(Math.Min(limit, 1024));
        if (limit <= 0) return lines;
        await foreach (var chunk in chunks.ReadAsync(sessionId, offset, ct))
        {
            var raw = ChunkCodec.Decompress(chunk);
            var skip = Math.Max(0, offset - chunk.FirstLine);
            var lineNo = 0L;
            var span = raw.AsSpan();
            while (span.Length > 0)
            {
                var nl = span.IndexOf((byte)'\n');
                var line = nl < 0 ? span : span[..nl];
                span = nl < 0 ? default : span[(nl + 1)..];
                if (lineNo++ < skip) continue;
                lines.Add(MonitorLine.FromRaw(line, chunk.NodeId));
                if (lines.Count == limit) return lines;
            }
        }
        return lines;
    }

    /// <summary>Writes the raw MONITOR lines, one per line, as stored: constant memory whatever the session size.</summary>
    public async Task WriteTextAsync(string sessionId, Stream output, CancellationToken ct = default)
    {
        await foreach (var chunk in chunks.ReadAsync(sessionId, 0, ct))
        {
            var raw = ChunkCodec.Decompress(chunk);
            await output.WriteAsync(raw, ct);
        }
    }
}
