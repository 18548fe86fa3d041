using BetterDb.Core.Capture;
using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;
using BetterDb.Core.Memory;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Analysis;

/// <summary>
/// Analyses a session's stored lines in one streaming pass. The unfiltered analysis is stored
/// when the session ends, so the session page opens at once; filtered slices are computed on demand.
/// Keys are found with the session's server's key specs when <see cref="KeySpecCache"/> is registered
/// and the session has a connection, with the built-in table otherwise.
/// </summary>
public sealed class SessionAnalysis(
    IDbContextFactory<BetterDbContext> contexts,
    IChunkStore chunks,
    ILogger<SessionAnalysis> log,
    KeySpecCache? keySpecs = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Chunks decompressed and counted at once; the reader fetches the next ones meanwhile.</summary>
    private static readonly int Workers = Math.Clamp(Environment.ProcessorCount, 1, 2);

    /// <param name="delimiter">the key-prefix delimiter (one character, ':' by default)</param>
    public async Task<AnalysisReport> GetAsync(string sessionId, LineFilter? filter = null, char delimiter = ':', CancellationToken ct = default)
    {
        filter ??= LineFilter.None;
        var canStore = filter.IsWholeSession && delimiter == ':';
        if (canStore)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var stored = await db.Analyses.AsNoTracking().FirstOrDefaultAsync(a => a.SessionId == sessionId, ct);
            if (stored is not null) return JsonSerializer.Deserialize<AnalysisReport>(stored.Json, Json)!;
        }
        var report = await ComputeAsync(sessionId, filter, delimiter, ct);
        return report;
    }

    /// <summary>Computes the unfiltered analysis and stores it (replacing an older one), unless the session is gone.</summary>
    public async Task<AnalysisReport> ComputeAndStoreAsync(string sessionId, CancellationToken ct = default)
    {
        var report = await ComputeAsync(sessionId, LineFilter.None, ':', ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Analyses.Where(a => a.SessionId == sessionId).ExecuteDeleteAsync(ct);
        if (!await db.Sessions.AnyAsync(s => s.Id == sessionId, ct)) return report; // deleted meanwhile: store nothing
        db.Analyses.Add(new AnalysisEntity { SessionId = sessionId, ComputedAt = report.ComputedAt, Json = JsonSerializer.Serialize(report, Json) });
        await db.SaveChangesAsync(ct);
        return report;
    }

    /// <summary>The key table for a session: its connection's server's, or the built-in one.</summary>
    public async Task<KeySpecTable> KeySpecsForAsync(string sessionId, CancellationToken ct = default)
    {
        if (keySpecs is null) return KeySpecTable.BuiltIn;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var connectionId = await db.Sessions.Where(s => s.Id == sessionId).Select(s => s.ConnectionId).FirstOrDefaultAsync(ct);
        return await keySpecs.GetAsync(connectionId, ct);
    }

    /// <summary>
    /// Reads the chunks in order on this task while <see cref="Workers"/> workers decompress and count them, each
    /// chunk carrying the first timestamp after it (from the next chunk's metadata) so gaps across chunk
    /// boundaries are exact; the workers' counts are merged at the end.
    /// </summary>
    public async Task<AnalysisReport> ComputeAsync(string sessionId, LineFilter filter, char delimiter, CancellationToken ct)
    {
        var table = filter.KeySpecs ?? await KeySpecsForAsync(sessionId, ct);
        filter = filter.WithKeySpecs(table);
        var parts = Enumerable.Range(0, Workers).Select(_ => new AnalysisAccumulator(delimiter, table)).ToArray();
        var queue = Channel.CreateBounded<(ChunkEntity Chunk, long NextTs)>(new BoundedChannelOptions(2 * Workers)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);

        var workers = parts.Select(part => Task.Run(async () =>
        {
            try
            {
                await foreach (var (chunk, nextTs) in queue.Reader.ReadAllAsync(failed.Token))
                    Count(part, chunk, filter, nextTs);
            }
            catch
            {
                failed.Cancel();
                throw;
            }
        }, CancellationToken.None)).ToList();

        var reader = ReadChunksAsync(sessionId, filter, queue.Writer, failed);
        var all = Task.WhenAll([.. workers, reader]);
        try
        {
            await all;
        }
        catch when (all.Exception is { } errors)
        {
            ct.ThrowIfCancellationRequested();
            var cause = errors.InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException) ?? errors.InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
        }

        for (var i = 1; i < parts.Length; i++) parts[0].Merge(parts[i]);
        return parts[0].Build(sessionId);
    }

    private async Task ReadChunksAsync(string sessionId, LineFilter filter, ChannelWriter<(ChunkEntity, long)> queue, CancellationTokenSource failed)
    {
        try
        {
            // Per node (fan-out sessions interleave nodes): chunks read but not handed out, waiting for a timestamp after them.
            var waiting = new Dictionary<string, List<ChunkEntity>>(StringComparer.Ordinal);
            await foreach (var chunk in chunks.ReadAsync(sessionId, 0, failed.Token))
            {
                if (filter.Node is { } node && chunk.NodeId != node) continue;
                if (!waiting.TryGetValue(chunk.NodeId, out var list)) waiting[chunk.NodeId] = list = [];
                if (chunk.FirstTsMicros != 0)
                {
                    foreach (var before in list) await queue.WriteAsync((before, chunk.FirstTsMicros), failed.Token);
                    list.Clear();
                }
                // A chunk out of the time window is never opened, but its first timestamp still closed the gap above.
                if (filter.MayMatchChunk(chunk.MinTsMicros, chunk.MaxTsMicros)) list.Add(chunk);
            }
            foreach (var list in waiting.Values)
                foreach (var last in list)
                    await queue.WriteAsync((last, 0), failed.Token);
            queue.Complete();
        }
        catch (Exception ex)
        {
            queue.TryComplete(ex);
            failed.Cancel();
            throw;
        }
    }

    private static void Count(AnalysisAccumulator part, ChunkEntity chunk, LineFilter filter, long nextTs)
    {
        // A chunk holding a huge line gets an array of its own, which the GC takes back: one rented from the shared
        // pool (512 MB for a 300 MB line) would stay in the pool for good.
        var pooled = chunk.ByteCount <= PooledChunkBytes;
        var buffer = pooled ? ArrayPool<byte>.Shared.Rent(chunk.ByteCount) : GC.AllocateUninitializedArray<byte>(chunk.ByteCount);
        try
        {
            var raw = buffer.AsSpan(0, chunk.ByteCount);
            ChunkCodec.Decompress(chunk.Data, chunk.Codec, raw);
            part.AddChunk(raw, filter, nextTs);
        }
        finally
        {
            if (pooled) ArrayPool<byte>.Shared.Return(buffer);
            else HugeBuffers.Dropped(buffer.Length);
        }
    }

    private const int PooledChunkBytes = 4 * 1024 * 1024;

    /// <summary>
    /// The key-prefix delimiter: ':' when not given (null); otherwise exactly one printable ASCII character. An empty value is
    /// refused rather than read as ':' silently.
    /// </summary>
    public static char ParseDelimiter(string? value) => value switch
    {
        null => ':',
        "" => throw new InvalidInputException("prefixDelimiter", "The prefix delimiter is empty: give one character (':' is the usual one)."),
        { Length: 1 } when value[0] is >= ' ' and < (char)127 => value[0],
        _ => throw new InvalidInputException("prefixDelimiter", "The prefix delimiter must be a single ASCII character you can see, such as : or / or ."),
    };
}
