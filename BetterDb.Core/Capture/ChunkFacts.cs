using BetterDb.Core.Lines;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Capture;

/// <summary>
/// What the writer records about each chunk as it seals it (earliest and latest timestamp, malformed lines),
/// read back from a chunk's lines, for chunks stored before those columns existed.
/// </summary>
public static class ChunkFacts
{
    /// <summary>The earliest and latest timestamp (0 and 0 without any) and the malformed lines of a stored chunk.</summary>
    public static (long MinTs, long MaxTs, int Malformed) Compute(ChunkEntity chunk)
    {
        ReadOnlySpan<byte> span = ChunkCodec.Decompress(chunk);
        long min = long.MaxValue, max = long.MinValue;
        var malformed = 0;
        while (span.Length > 0)
        {
            var nl = span.IndexOf((byte)'\n');
            var line = nl < 0 ? span : span[..nl];
            span = nl < 0 ? default : span[(nl + 1)..];
            long ts;
            if (MonitorLineParser.TryParse(line, out var view)) ts = view.TimestampMicros;
            else if (TruncatedLine.TryRead(line, out var kept, out _) && MonitorLineParser.TryReadTimestamp(kept, out var cut)) ts = cut;
            else
            {
                malformed++;
                continue;
            }
            if (ts < min) min = ts;
            if (ts > max) max = ts;
        }
        return min <= max ? (min, max, malformed) : (0, 0, malformed);
    }

    /// <summary>Fills in the facts of chunks that lack them; returns how many it filled.</summary>
    public static async Task<int> FillMissingAsync(IDbContextFactory<BetterDbContext> contexts, string? sessionId, CancellationToken ct, int batch = 64)
    {
        var filled = 0;
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var query = db.Chunks.Where(c => c.MinTsMicros == null || c.MalformedLines == null);
            if (sessionId is not null) query = query.Where(c => c.SessionId == sessionId);
            var rows = await query.OrderBy(c => c.Id).Take(batch).ToListAsync(ct);
            if (rows.Count == 0) return filled;
            foreach (var row in rows)
            {
                var (min, max, malformed) = Compute(row);
                row.MinTsMicros = min;
                row.MaxTsMicros = max;
                row.MalformedLines = malformed;
            }
            await db.SaveChangesAsync(ct);
            filled += rows.Count;
        }
    }
}

/// <summary>
/// After an upgrade, fills in the chunk facts of what older versions stored, in the background: until a
/// chunk has them, readers treat its time range as unknown (they open it), so answers stay right meanwhile.
/// </summary>
public sealed class ChunkFactsBackfill(IDbContextFactory<BetterDbContext> contexts, ILogger<ChunkFactsBackfill> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        try
        {
            var filled = await ChunkFacts.FillMissingAsync(contexts, null, ct);
            if (filled > 0) log.LogInformation("Recorded time ranges and malformed counts of {Chunks} chunks stored by an earlier version", filled);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "Could not record the time ranges of older chunks; time filters open them instead");
        }
    }
}
