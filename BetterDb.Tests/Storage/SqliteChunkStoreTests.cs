using BetterDb.Core.Storage.Sqlite;
using System.Text;
using BetterDb.Core.Capture;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using static BetterDb.Tests.Capture.CaptureTestLines;

namespace BetterDb.Tests.Storage;

/// <summary>The SQLite chunk store on a real file, and reading lines back through it.</summary>
public sealed class SqliteChunkStoreTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _database = new();
    private SqliteChunkStore _store = null!;

    public async Task InitializeAsync()
    {
        await (await _database.MigratedAsync()).DisposeAsync();
        _store = new SqliteChunkStore(_database);
    }

    public Task DisposeAsync()
    {
        _database.Dispose();
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
