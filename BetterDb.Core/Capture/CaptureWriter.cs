using System.Buffers;
using BetterDb.Core.Lines;
using BetterDb.Core.Connections;
using BetterDb.Core.Monitoring;
using BetterDb.Core.Storage;

namespace BetterDb.Core.Capture;

public sealed record CaptureWriterSettings
{
    public int ChunkMaxLines { get; init; } = 16_384;
    /// <summary>512 KB raw compresses to ~50 KB: small enough to stay off the large-object heap.</summary>
    public int ChunkMaxBytes { get; init; } = 512 * 1024;
    /// <summary>A chunk is stored at most this long after its first line arrived.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How long a failing store is retried (the lines wait in memory, 64 MB at most) before the capture ends <c>storage_error</c>.</summary>
    public TimeSpan StoreRetryWindow { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// Lines reach the live tail in blocks at most this far apart (and at once when a block grows large):
    /// one copy per interval instead of one per socket read, which at ordinary rates is one per line.
    /// </summary>
    public TimeSpan TailInterval { get; init; } = TimeSpan.FromMilliseconds(50);
    public byte Codec { get; init; } = ChunkCodec.Default;
    public int CompressionLevel { get; init; } = 1;
    /// <summary>Replace the values of write commands by <c>(redacted)</c> before anything is stored or shown (<see cref="ValueRedaction"/>).</summary>
    public bool RedactValues { get; init; }
    /// <summary>The longest line kept whole; a longer one is kept cut to this, with its length (<see cref="TruncatedLine"/>).</summary>
    public int MaxLineBytes { get; init; } = DefaultMaxLineBytes;
    public const int DefaultMaxLineBytes = 64 * 1024 * 1024;
}

/// <summary>
/// Appends captured lines to the current chunk and hands sealed chunks to a
/// single background store loop (so chunk order is capture order). The line
/// path copies bytes and counts; it never awaits storage and never waits for a
/// viewer. Byte and line caps are enforced here. Not thread-safe for several
/// sources: one writer per source.
/// </summary>
public sealed class CaptureWriter : IMonitorLineSink, IAsyncDisposable
{
    private readonly string _sessionId;
    private readonly string? _nodeId;
    private readonly long _byteCap;
    private readonly long _lineCap;
    private readonly IChunkStore _store;
    private readonly LiveTail? _tail;
    private readonly CaptureWriterSettings _settings;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    // Sealed chunks waiting for the store thread, in capture order; guarded by itself.
    private readonly Queue<SealedChunk> _sealed = new();
    private long _queuedBytes;
    private bool _noMoreChunks;
    private readonly TimeSpan _tick;
    private readonly TaskCompletionSource _storeDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Current chunk.
    private byte[] _buffer;
    private int _length;
    private int _chunkLines;
    private long _chunkFirstTs, _chunkLastTs, _chunkMinTs, _chunkMaxTs;
    private int _chunkMalformed;
    private long _minTs = long.MaxValue, _maxTs = long.MinValue;
    private long _chunkOpenedAt;
    private int _chunkIndex;
    private long _chunkFirstLine;

    // Lines appended since the last tail publish.
    private int _tailFrom;
    private int[] _tailLineEnds = new int[256];
    private int _tailLines;
    private long _tailPublishedAt;
    // Below the large-object heap's threshold: a block is a short-lived gen-0 allocation.
    private const int TailMaxBytes = 64 * 1024;

    private long _lineCount, _byteCount, _malformedCount, _truncatedCount, _storedLines, _storedBytes, _storedChunks, _ownLinesDropped;
    private byte[][] _ownAddresses = [];
    private CaptureEnd? _capReached;
    private readonly SharedCaps? _shared;
    private Exception? _storeError;
    private bool _completed;

    /// <param name="shared">the caps of a session fed by several writers (one per cluster node): a line counts against both.</param>
    public CaptureWriter(string sessionId, string? nodeId, long byteCap, long lineCap, IChunkStore store,
        LiveTail? tail = null, CaptureWriterSettings? settings = null, TimeProvider? time = null, SharedCaps? shared = null)
    {
        _shared = shared;
        _sessionId = sessionId;
        _nodeId = nodeId;
        _byteCap = byteCap;
        _lineCap = lineCap;
        _store = store;
        _tail = tail;
        _settings = settings ?? new CaptureWriterSettings();
        _time = time ?? TimeProvider.System;
        _buffer = RentBuffer(PooledBufferBytes);
        _tick = TimeSpan.FromTicks(Math.Max(Math.Min(_settings.FlushInterval.Ticks / 4, _settings.TailInterval.Ticks), TimeSpan.TicksPerMillisecond));
        new Thread(StoreLoop) { IsBackground = true, Name = "betterdb-store" }.Start();
    }

    public long LineCount => Volatile.Read(ref _lineCount);
    public long ByteCount => Volatile.Read(ref _byteCount);
    public long MalformedCount => Volatile.Read(ref _malformedCount);
    /// <summary>Lines longer than <see cref="CaptureWriterSettings.MaxLineBytes"/>, kept cut (<see cref="TruncatedLine"/>).</summary>
    public long TruncatedCount => Volatile.Read(ref _truncatedCount);
    /// <summary>The earliest and latest MONITOR timestamp (epoch microseconds) of the lines so far; null before the first.</summary>
    public (long Min, long Max)? TimeRange
    {
        get { lock (_gate) return _minTs <= _maxTs ? (_minTs, _maxTs) : null; }
    }

    /// <summary>Lines of the app's own connections, dropped before storing.</summary>
    public long OwnLinesDropped => Volatile.Read(ref _ownLinesDropped);

    /// <summary>Keeps the lines of <paramref name="address"/> again: our client there closed, and a later one may get its port.</summary>
    public void IncludeClient(string address)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(address);
        lock (_gate) _ownAddresses = _ownAddresses.Where(a => !a.AsSpan().SequenceEqual(bytes)).ToArray();
    }

    /// <summary>Drops the lines of a client of the app's own (e.g. the watchdog) from now on.</summary>
    /// <param name="address">as MONITOR writes it: <c>127.0.0.1:50012</c>.</param>
    public void ExcludeClient(string address)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(address);
        lock (_gate)
        {
            if (_ownAddresses.Any(a => a.AsSpan().SequenceEqual(bytes))) return;
            _ownAddresses = [.. _ownAddresses, bytes];
        }
    }
    /// <summary>Lines already stored, i.e. readable from storage.</summary>
    public long StoredLines => Volatile.Read(ref _storedLines);
    public long StoredBytes => Volatile.Read(ref _storedBytes);
    public long StoredChunks => Volatile.Read(ref _storedChunks);

    /// <summary>byte_cap or line_cap once one was reached.</summary>
    public CaptureEnd? CapReached => Volatile.Read(ref _capReached);

    public Exception? StoreError => Volatile.Read(ref _storeError);

    /// <summary>Completes when the capture should stop on the writer's account: a cap was reached or storage failed.</summary>
    public Task StopRequested => _stopRequested.Task;

    public long MaxLineBytes => Math.Max(0, _byteCap - Volatile.Read(ref _byteCount) - 1);

    public void BeginBatch() => Monitor.Enter(_gate);

    public void EndBatch()
    {
        try { PublishTailIfDue(); }
        finally { Monitor.Exit(_gate); }
    }

    /// <summary>Convenience for callers that hold a single line.</summary>
    public bool Append(ReadOnlySpan<byte> line)
    {
        BeginBatch();
        try { return OnLine(line); }
        finally { EndBatch(); }
    }

    public bool OnLine(ReadOnlySpan<byte> line) => Append(line, []);

    /// <summary>Stores the kept bytes of an overlong line followed by the <see cref="TruncatedLine"/> marker with its length.</summary>
    public bool OnTruncatedLine(ReadOnlySpan<byte> kept, long lineBytes) => Append(kept, TruncatedLine.Marker(lineBytes));

    public int LineLimitBytes => _settings.MaxLineBytes;

    private bool Append(ReadOnlySpan<byte> line, ReadOnlySpan<byte> truncationMarker, bool redactionDone = false)
    {
        if (_capReached is not null || _completed) return false;
        var truncated = truncationMarker.Length > 0;
        long ts = 0;
        var wellFormed = false;
        if (!truncated)
        {
            wellFormed = MonitorLineParser.TryParse(line, out var view);
            // With redaction on, a line that cannot be split into arguments keeps none of its bytes.
            if (!wellFormed && _settings.RedactValues && !redactionDone) return Append("(redacted: not a MONITOR line)"u8, [], redactionDone: true);
            if (wellFormed)
            {
                if (_ownAddresses.Length > 0 && IsOwn(view.Addr))
                {
                    Volatile.Write(ref _ownLinesDropped, _ownLinesDropped + 1);
                    return true;
                }
                ts = view.TimestampMicros;
                if (_settings.RedactValues)
                {
                    _redacted.Clear();
                    if (ValueRedaction.TryRedact(line, view, _redacted)) line = _redacted.WrittenSpan;
                }
            }
        }
        else
        {
            // A cut line cannot be split into its arguments: with redaction on, only its header is kept.
            if (_settings.RedactValues && !redactionDone) return AppendCutRedacted(line, truncationMarker);
            if (MonitorLineParser.TryReadTimestamp(line, out var cutTs)) ts = cutTs;
        }

        var size = line.Length + truncationMarker.Length + 1;
        if (_byteCount + size > _byteCap)
        {
            ReachCap(CaptureEnd.ByteCap);
            return false;
        }
        if (_shared is not null && _shared.Take(size) is { } sharedCap)
        {
            ReachCap(sharedCap);
            return false;
        }
        if (_length + size > _buffer.Length)
        {
            if (_chunkLines > 0) SealChunk();
            if (size > _buffer.Length)
            {
                ReturnBuffer(_buffer);
                _buffer = RentBuffer(size);
            }
        }

        if (truncated) _truncatedCount++;
        else if (!wellFormed)
        {
            _malformedCount++;
            _chunkMalformed++;
        }
        if (_chunkLines == 0)
        {
            _chunkOpenedAt = _time.GetTimestamp();
            _chunkFirstLine = _lineCount;
            _chunkFirstTs = ts;
            _chunkMinTs = long.MaxValue;
            _chunkMaxTs = long.MinValue;
            _chunkMalformed = 0;
        }
        if (ts != 0)
        {
            if (_chunkFirstTs == 0) _chunkFirstTs = ts;
            _chunkLastTs = ts;
            // Timestamps need not be in order (files joined later hour first, clocks that step back, merged nodes):
            // time filters skip chunks by their range, not by their first and last line.
            if (ts < _chunkMinTs) _chunkMinTs = ts;
            if (ts > _chunkMaxTs) _chunkMaxTs = ts;
            if (ts < _minTs) _minTs = ts;
            if (ts > _maxTs) _maxTs = ts;
        }

        line.CopyTo(_buffer.AsSpan(_length));
        truncationMarker.CopyTo(_buffer.AsSpan(_length + line.Length));
        _length += size;
        _buffer[_length - 1] = (byte)'\n';
        _chunkLines++;
        if (_tail is not null) AddTailLine(_length);
        Volatile.Write(ref _lineCount, _lineCount + 1);
        Volatile.Write(ref _byteCount, _byteCount + size);

        if (_chunkLines >= _settings.ChunkMaxLines || _length >= _settings.ChunkMaxBytes) SealChunk();
        if (_lineCount >= _lineCap || _shared?.LinesExhausted == true)
        {
            ReachCap(CaptureEnd.LineCap);
            return false;
        }
        return true;
    }

    /// <summary>Chunk buffers come from the shared pool; one for a huge line does not, so its memory goes back when it is stored.</summary>
    private byte[] RentBuffer(int size) =>
        size <= PooledBufferBytes ? ArrayPool<byte>.Shared.Rent(size) : GC.AllocateUninitializedArray<byte>(size);

    private void ReturnBuffer(byte[] buffer)
    {
        // The shared pool hands out (and takes back) only power-of-two lengths; a huge line's own buffer goes to the GC.
        if (buffer.Length > 0 && System.Numerics.BitOperations.IsPow2(buffer.Length) && buffer.Length <= 2 * PooledBufferBytes)
            ArrayPool<byte>.Shared.Return(buffer);
        else if (buffer.Length >= Memory.HugeBuffers.Threshold) Memory.HugeBuffers.Dropped(buffer.Length);
    }

    private int PooledBufferBytes => _settings.ChunkMaxBytes + 4096;

    private readonly ArrayBufferWriter<byte> _redacted = new(1024);

    /// <summary>
    /// A line cut at the line limit cannot be parsed into its arguments, so with redaction on only its header is
    /// kept (time, client, command), the arguments replaced by the marker: no value reaches storage.
    /// </summary>
    private bool AppendCutRedacted(ReadOnlySpan<byte> kept, ReadOnlySpan<byte> truncationMarker)
    {
        var quote = kept.IndexOf("] \""u8);
        if (quote < 0) return Append("(redacted)"u8, truncationMarker);
        var verbEnd = kept[(quote + 3)..].IndexOf((byte)'"');
        var header = verbEnd < 0 ? kept[..(quote + 2)] : kept[..(quote + 3 + verbEnd + 1)];
        return Append([.. header, .. " \"(redacted)\""u8], truncationMarker, redactionDone: true);
    }

    private bool IsOwn(ReadOnlySpan<byte> address)
    {
        foreach (var own in _ownAddresses)
            if (address.SequenceEqual(own)) return true;
        return false;
    }

    public void OnOversizedLine(long bytesSoFar)
    {
        lock (_gate) ReachCap(CaptureEnd.ByteCap);
    }

    private void ReachCap(CaptureEnd end)
    {
        _capReached ??= end;
        _stopRequested.TrySetResult();
    }

    private void AddTailLine(int end)
    {
        if (_tailLines == _tailLineEnds.Length) Array.Resize(ref _tailLineEnds, _tailLines * 2);
        _tailLineEnds[_tailLines++] = end - _tailFrom;
    }

    private void PublishTailIfDue()
    {
        if (_tailLines > 0 && (_length - _tailFrom >= TailMaxBytes || _time.GetElapsedTime(_tailPublishedAt) >= _settings.TailInterval))
            PublishTail();
    }

    private void PublishTail()
    {
        if (_tail is null || _tailLines == 0) return;
        _tailPublishedAt = _time.GetTimestamp();
        _tail.Publish(_buffer.AsSpan(_tailFrom, _length - _tailFrom), _tailLineEnds.AsSpan(0, _tailLines), _lineCount - _tailLines, _nodeId);
        _tailFrom = _length;
        _tailLines = 0;
    }

    private void SealChunk()
    {
        PublishTail();
        var chunk = new SealedChunk(_buffer, _length, _chunkLines, _chunkIndex++, _chunkFirstLine, _chunkFirstTs, _chunkLastTs,
            _chunkMinTs <= _chunkMaxTs ? _chunkMinTs : 0, _chunkMinTs <= _chunkMaxTs ? _chunkMaxTs : 0, _chunkMalformed);
        lock (_sealed)
        {
            _sealed.Enqueue(chunk);
            _queuedBytes += chunk.Length;
            Monitor.Pulse(_sealed);
        }
        _buffer = RentBuffer(PooledBufferBytes);
        _length = 0;
        _tailFrom = 0;
        _chunkLines = 0;
        _chunkFirstTs = _chunkLastTs = 0;
    }

    private void FlushIfDue()
    {
        // Seal a little early so a chunk is stored within FlushInterval of its first line.
        var due = _settings.FlushInterval - _tick;
        if (!Monitor.TryEnter(_gate)) return; // the source is appending: it will be checked next tick
        try
        {
            if (_completed) return;
            if (_chunkLines > 0 && _time.GetElapsedTime(_chunkOpenedAt) >= due) SealChunk();
            else PublishTailIfDue();
        }
        finally { Monitor.Exit(_gate); }
    }

    /// <summary>
    /// The store thread: stores sealed chunks in capture order, and every tick seals a chunk that has waited
    /// long enough and hands the live tail what a quiet source left. Whatever has piled up is compressed and
    /// stored in one batch (one transaction), so a slow store catches up instead of falling further behind.
    /// A thread of its own rather than the thread pool: waking the pool dozens of times a second made its
    /// workers spin, which cost more CPU than the capture itself.
    /// </summary>
    private void StoreLoop()
    {
        var pending = new List<SealedChunk>();
        var batch = new List<ChunkEntity>();
        var lastTick = _time.GetTimestamp();
        var lastStore = lastTick;
        long failingSince = 0;
        var retries = 0;
        try
        {
            while (true)
            {
                lock (_sealed)
                {
                    if (failingSince != 0)
                    {
                        // A failing store is retried with a growing pause (a disk full or read-only for a moment).
                        Monitor.Wait(_sealed, TimeSpan.FromMilliseconds(Math.Min(1000, 100 << Math.Min(retries, 4))));
                    }
                    else
                    {
                        if (_sealed.Count == 0 && !_noMoreChunks) Monitor.Wait(_sealed, _tick);
                        // At most one store per tick unless chunks pile up: each store has a fixed cost (a transaction).
                        var wait = _tick - _time.GetElapsedTime(lastStore);
                        if (_sealed.Count is > 0 and < MaxBatch && !_noMoreChunks && wait > TimeSpan.Zero) Monitor.Wait(_sealed, wait);
                        while (pending.Count < MaxBatch && _sealed.TryDequeue(out var chunk))
                        {
                            pending.Add(chunk);
                            _queuedBytes -= chunk.Length;
                        }
                    }
                    if (pending.Count == 0 && _noMoreChunks) return;
                }
                if (_time.GetElapsedTime(lastTick) >= _tick)
                {
                    lastTick = _time.GetTimestamp();
                    FlushIfDue();
                }
                if (pending.Count == 0) continue;
                if (TryStore(pending, batch, out var error))
                {
                    lastStore = _time.GetTimestamp();
                    failingSince = 0;
                    retries = 0;
                    continue;
                }
                if (failingSince == 0) failingSince = _time.GetTimestamp();
                retries++;
                long queued;
                lock (_sealed) queued = _queuedBytes;
                // Storage known to be gone (StorageHealth) will not come back by waiting.
                if (_time.GetElapsedTime(failingSince) > _settings.StoreRetryWindow || queued > MaxQueuedBytes || error is StorageUnavailableException)
                {
                    Volatile.Write(ref _storeError, error);
                    _stopRequested.TrySetResult();
                    Release(pending, batch);
                    failingSince = 0;
                }
            }
        }
        finally
        {
            _storeDone.TrySetResult();
        }
    }

    /// <summary>How much captured data may wait in memory while the store fails.</summary>
    private const long MaxQueuedBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Compresses <paramref name="pending"/> into <paramref name="batch"/> (once) and stores it in one transaction.
    /// On success both are emptied; on failure they are kept for a retry. After a store error everything is dropped.
    /// </summary>
    private bool TryStore(List<SealedChunk> pending, List<ChunkEntity> batch, out Exception? error)
    {
        error = null;
        if (_storeError is not null)
        {
            Release(pending, batch);
            return true;
        }
        try
        {
            if (batch.Count == 0)
                foreach (var chunk in pending)
                {
                    batch.Add(new ChunkEntity
                    {
                        SessionId = _sessionId,
                        ChunkIndex = chunk.Index,
                        NodeId = _nodeId ?? "",
                        FirstLine = chunk.FirstLine,
                        LineCount = chunk.Lines,
                        ByteCount = chunk.Length,
                        FirstTsMicros = chunk.FirstTs,
                        LastTsMicros = chunk.LastTs,
                        MinTsMicros = chunk.MinTs,
                        MaxTsMicros = chunk.MaxTs,
                        MalformedLines = chunk.Malformed,
                        Codec = _settings.Codec,
                        Data = ChunkCodec.Compress(chunk.Buffer.AsSpan(0, chunk.Length), _settings.Codec, _settings.CompressionLevel),
                    });
                    // The raw bytes are not needed once compressed: give the buffer back early.
                    ReturnBuffer(chunk.Buffer);
                    chunk.Returned = true;
                }
            // The stores do their I/O synchronously (SQLite); on this thread there is nothing to return to.
            _store.AppendManyAsync(batch).GetAwaiter().GetResult();
            foreach (var chunk in pending)
            {
                Interlocked.Add(ref _storedLines, chunk.Lines);
                Interlocked.Add(ref _storedBytes, chunk.Length);
                Interlocked.Increment(ref _storedChunks);
            }
            Release(pending, batch);
            return true;
        }
        catch (Exception ex)
        {
            error = ex;
            return false;
        }
    }

    private void Release(List<SealedChunk> pending, List<ChunkEntity> batch)
    {
        foreach (var chunk in pending)
            if (!chunk.Returned) ReturnBuffer(chunk.Buffer);
        pending.Clear();
        batch.Clear();
    }

    private const int MaxBatch = 32;

    /// <summary>Seals the open chunk and waits until every sealed chunk is stored (or storage failed).</summary>
    public async Task CompleteAsync()
    {
        lock (_gate)
        {
            if (!_completed)
            {
                if (_chunkLines > 0) SealChunk();
                else PublishTail();
                _completed = true;
                lock (_sealed)
                {
                    _noMoreChunks = true;
                    Monitor.Pulse(_sealed);
                }
            }
        }
        await _storeDone.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await CompleteAsync();
        lock (_gate)
        {
            ReturnBuffer(_buffer);
            _buffer = [];
        }
    }

    private sealed record SealedChunk(byte[] Buffer, int Length, int Lines, int Index, long FirstLine, long FirstTs, long LastTs, long MinTs, long MaxTs, int Malformed)
    {
        public bool Returned { get; set; }
    }
}

/// <summary>
/// The byte and line caps of one session that several writers feed (a fan-out capture, one writer per node): each
/// line takes its bytes and one line from here, whichever writer stores it, so the caps apply to the session's total.
/// </summary>
public sealed class SharedCaps(long byteCap, long lineCap)
{
    private long _bytes, _lines;

    public long ByteCap { get; } = byteCap;
    public long LineCap { get; } = lineCap;

    /// <summary>True once the line that reached the line cap was taken.</summary>
    public bool LinesExhausted => Volatile.Read(ref _lines) >= LineCap;

    /// <summary>Takes a line of <paramref name="size"/> bytes; the cap it would cross (and nothing taken) when it does not fit.</summary>
    public CaptureEnd? Take(long size)
    {
        if (Interlocked.Add(ref _bytes, size) > ByteCap)
        {
            Interlocked.Add(ref _bytes, -size);
            return CaptureEnd.ByteCap;
        }
        if (Interlocked.Increment(ref _lines) > LineCap)
        {
            Interlocked.Decrement(ref _lines);
            Interlocked.Add(ref _bytes, -size);
            return CaptureEnd.LineCap;
        }
        return null;
    }
}
