using System.Text.Json;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Analysis;

/// <summary>
/// Analyses a session's stored lines in one streaming pass. The unfiltered analysis is stored
/// when the session ends, so the session page opens at once; filtered slices are computed on demand.
/// </summary>
public sealed class SessionAnalysis(IDbContextFactory<BetterDbContext> contexts, IChunkStore chunks, ILogger<SessionAnalysis> log)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="delimiter">the key-prefix delimiter (one character, ':' by default)</param>
    public async Task<AnalysisReport> GetAsync(string sessionId, LineFilter? filter = null, char delimiter = ':', CancellationToken ct = default)
    {
        filter ??= LineFilter.None;
        var canStore = filter.IsEmpty && delimiter == ':';
        if (canStore)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var stored = await db.Analyses.AsNoTracking().FirstOrDefaultAsync(a => a.SessionId == sessionId, ct);
            if (stored is not null) return JsonSerializer.Deserialize<AnalysisReport>(stored.Json, Json)!;
        }
        var report = await ComputeAsync(sessionId, filter, delimiter, ct);
        return report;
    }

    /// <summary>Computes the unfiltered analysis and stores it (replacing an older one).</summary>
    public async Task<AnalysisReport> ComputeAndStoreAsync(string sessionId, CancellationToken ct = default)
    {
        var report = await ComputeAsync(sessionId, LineFilter.None, ':', ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Analyses.Where(a => a.SessionId == sessionId).ExecuteDeleteAsync(ct);
        db.Analyses.Add(new AnalysisEntity { SessionId = sessionId, ComputedAt = report.ComputedAt, Json = JsonSerializer.Serialize(report, Json) });
        await db.SaveChangesAsync(ct);
        return report;
    }

    /// <summary>Stores the analysis in the background; a failure is logged and the next read computes it.</summary>
    public void StoreInBackground(string sessionId) => _ = Task.Run(async () =>
    {
        try { await ComputeAndStoreAsync(sessionId); }
        catch (Exception ex) { log.LogWarning(ex, "Could not store the analysis of session {SessionId}", sessionId); }
    });

    public async Task<AnalysisReport> ComputeAsync(string sessionId, LineFilter filter, char delimiter, CancellationToken ct)
    {
        var acc = new AnalysisAccumulator(delimiter);
        await foreach (var chunk in chunks.ReadAsync(sessionId, 0, ct))
        {
            if (!filter.MayMatchChunk(chunk.FirstTsMicros, chunk.LastTsMicros)) continue;
            acc.AddChunk(ChunkCodec.Decompress(chunk), filter);
        }
        return acc.Build(sessionId);
    }

    public static char ParseDelimiter(string? value) => value switch
    {
        null or "" => ':',
        { Length: 1 } when value[0] < 128 => value[0],
        _ => throw new InvalidInputException("prefixDelimiter", "prefixDelimiter must be a single ASCII character."),
    };
}
