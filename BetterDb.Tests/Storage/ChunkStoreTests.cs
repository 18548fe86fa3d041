using BetterDb.Core.Storage.Postgres;
using BetterDb.Core.Storage.Sqlite;
using BetterDb.Testing;
using System.Text;
using BetterDb.Core.Capture;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using static BetterDb.Tests.Capture.CaptureTestLines;

namespace BetterDb.Tests.Storage;

/// <summary>The SQLite chunk store on a real file.</summary>
// SQLite whatever the run.
[Trait(StorageTrait.Name, StorageTrait.SqliteOnly)]
public sealed class SqliteChunkStoreTests : ChunkStoreContract
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<IChunkStore> OpenAsync()
    {
        await (await _database.MigratedAsync()).DisposeAsync();
        return new SqliteChunkStore(_database);
    }

    protected override void Close() => _database.Dispose();
}

/// <summary>The PostgreSQL chunk store on a real server (a database of its own, migrated).</summary>
// PostgreSQL whatever the run.
[Trait(StorageTrait.Name, StorageTrait.Postgres)]
public sealed class PostgresChunkStoreTests : ChunkStoreContract
{
    private readonly string _database = PostgresServer.Shared.CreateDatabase();
    private PostgresChunkStore? _store;

    protected override Task<IChunkStore> OpenAsync()
    {
        var options = new DbContextOptionsBuilder<BetterDbContext>().UseNpgsql(_database).Options;
        _store = new PostgresChunkStore(new Factory(options));
        return Task.FromResult<IChunkStore>(_store);
    }

    protected override void Close()
    {
        _store?.DisposeAsync().AsTask().Wait();
        PostgresServer.Shared.DropDatabase(_database);
    }

    private sealed class Factory(DbContextOptions<BetterDbContext> options) : IDbContextFactory<BetterDbContext>
    {
        public BetterDbContext CreateDbContext() => new PostgresBetterDbContext(options);
    }
}

/// <summary>What every chunk store does, on a real database: order, uniqueness, batches, deletes, and reading lines back through it.</summary>
public abstract class ChunkStoreContract : IAsyncLifetime
{
    private IChunkStore _store = null!;

    protected abstract Task<IChunkStore> OpenAsync();
    protected abstract void Close();

    public async Task InitializeAsync() => _store = await OpenAsync();

    public Task DisposeAsync()
    {
        Close();
        return Task.CompletedTask;
    }

    private static ChunkEntity Chunk(string session, int index, long firstLine, int lines)
    {
        var raw = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range((int)firstLine, lines).Select(i => Text(i) + "\n")));
        return new ChunkEntity
        {
            SessionId = session,
            ChunkIndex = index,
            FirstLine = firstLine,
            LineCount = lines,
            ByteCount = raw.Length,
            Codec = ChunkCodec.Zstd,
            Data = ChunkCodec.Compress(raw),
        };
    }

    [Fact]
    public async Task Chunks_come_back_in_chunk_order_whatever_the_insert_order()
    {
        await _store.AppendAsync(Chunk("a", 2, 20, 10));
        await _store.AppendAsync(Chunk("a", 0, 0, 10));
        await _store.AppendAsync(Chunk("b", 0, 0, 5));
        await _store.AppendAsync(Chunk("a", 1, 10, 10));

        Assert.Equal([0, 1, 2], (await _store.ReadAsync("a").ToListAsync()).Select(c => c.ChunkIndex));
        Assert.Equal([1, 2], (await _store.ReadAsync("a", fromLine: 15).ToListAsync()).Select(c => c.ChunkIndex));
        Assert.Equal([1, 2], (await _store.ReadAsync("a", fromLine: 10).ToListAsync()).Select(c => c.ChunkIndex));
        Assert.Equal([2], (await _store.ReadAsync("a", fromLine: 29).ToListAsync()).Select(c => c.ChunkIndex));
        Assert.Empty(await _store.ReadAsync("a", fromLine: 30).ToListAsync());
        Assert.Empty(await _store.ReadAsync("nobody").ToListAsync());
    }

    [Fact]
    public async Task A_chunk_index_is_stored_once_per_session()
    {
        await _store.AppendAsync(Chunk("a", 0, 0, 1));
        await Assert.ThrowsAsync<DbUpdateException>(() => _store.AppendAsync(Chunk("a", 0, 0, 1)));
        await _store.AppendAsync(Chunk("b", 0, 0, 1));
    }

    [Fact]
    public async Task A_batch_is_stored_whole_with_ids_and_a_batch_breaking_uniqueness_stores_none_of_it()
    {
        var batch = Enumerable.Range(0, 5).Select(i => Chunk("a", i, i * 4, 4)).ToList();
        batch[2].MinTsMicros = 7;
        batch[2].MalformedLines = 1;
        await _store.AppendManyAsync(batch);
        Assert.All(batch, c => Assert.True(c.Id > 0));
        Assert.Equal(5, batch.Select(c => c.Id).Distinct().Count());
        var back = await _store.ReadAsync("a").ToListAsync();
        Assert.Equal([0, 1, 2, 3, 4], back.Select(c => c.ChunkIndex));
        Assert.Equal((7L, 1), (back[2].MinTsMicros, back[2].MalformedLines));
        Assert.Equal((long?)null, back[1].MinTsMicros);
        Assert.Equal(batch[3].Data, back[3].Data);
        Assert.Equal(ChunkCodec.Zstd, back[3].Codec);

        // Chunk 4 is there already: nothing of this batch may land.
        var clash = new List<ChunkEntity> { Chunk("a", 5, 20, 4), Chunk("a", 4, 16, 4) };
        await Assert.ThrowsAnyAsync<Exception>(() => _store.AppendManyAsync(clash));
        Assert.Equal(5, (await _store.ReadAsync("a").ToListAsync()).Count);
        var single = await Assert.ThrowsAsync<DbUpdateException>(() => _store.AppendAsync(Chunk("a", 0, 0, 1)));
        Assert.True(StorageErrors.IsUniqueViolation(single), single.InnerException?.GetType().Name);
        Assert.Equal([""], await _store.NodesAsync("a"));
    }

    [Fact]
    public async Task Deleting_a_session_removes_only_its_chunks()
    {
        await _store.AppendAsync(Chunk("a", 0, 0, 3));
        await _store.AppendAsync(Chunk("a", 1, 3, 3));
        await _store.AppendAsync(Chunk("b", 0, 0, 3));
        await _store.DeleteSessionAsync("a");
        Assert.Empty(await _store.ReadAsync("a").ToListAsync());
        Assert.Single(await _store.ReadAsync("b").ToListAsync());
    }

    [Fact]
    public async Task Pages_read_back_through_the_writer_and_the_store_match_the_captured_lines_at_every_offset()
    {
        // Chunks of 7 lines, read in pages that start and end inside and across them.
        await using (var writer = new CaptureWriter("s", null, long.MaxValue, long.MaxValue, _store,
                         settings: new CaptureWriterSettings { ChunkMaxLines = 7, FlushInterval = TimeSpan.FromHours(1) }))
        {
            for (var i = 0; i < 50; i++) writer.Append(Line(i));
            await writer.CompleteAsync();
            Assert.Null(writer.StoreError);
            Assert.Equal(50, writer.StoredLines);
        }

        var lines = new SessionLines(_store);
        var all = (await lines.ReadAsync("s", 0, 1000)).Select(l => l.Raw).ToList();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => Text(i)), all);
        foreach (var offset in new[] { 0, 1, 6, 7, 8, 13, 14, 20, 48, 49, 50, 51 })
            foreach (var limit in new[] { 1, 3, 7, 8, 100 })
            {
                var page = (await lines.ReadAsync("s", offset, limit)).Select(l => l.Raw).ToList();
                Assert.Equal(all.Skip(offset).Take(limit), page);
            }

        var text = new MemoryStream();
        await lines.ScanAsync("s", Core.Lines.LineFilter.None, new CountingVisitor(text));
        Assert.Equal(string.Concat(all.Select(l => l + "\n")), Encoding.ASCII.GetString(text.ToArray()));
    }

    private sealed class CountingVisitor(Stream output) : ILineVisitor
    {
        public bool Visit(ReadOnlySpan<byte> raw, string? nodeId)
        {
            output.Write(raw);
            output.WriteByte((byte)'\n');
            return true;
        }

        public ValueTask AfterChunkAsync(CancellationToken ct) => ValueTask.CompletedTask;
    }
}
