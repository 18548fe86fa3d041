using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using BetterDb.Core.Analysis;
using BetterDb.Core.Connections;

namespace BetterDb.Core.Replay;

/// <summary>One planned command of a batch: where its bytes end, when it is due, its verb, and whether the replay added it (a SELECT).</summary>
internal readonly record struct PlannedCommand(int End, long DueMicros, int Verb, bool Added);

/// <summary>Commands planned for one connection from one stored chunk: their RESP bytes back to back, and what each is.</summary>
internal sealed class ReplayBatch
{
    public ArrayBufferWriter<byte> Bytes { get; } = new(16 * 1024);
    public List<PlannedCommand> Commands { get; } = new(256);
}

/// <summary>The replay's clock: microseconds since the run began sending.</summary>
internal sealed class ReplayClock
{
    private readonly long _start = Stopwatch.GetTimestamp();
    public long ElapsedMicros => ToMicros(Stopwatch.GetTimestamp() - _start);
    public long StartTimestamp => _start;
    public static long ToMicros(long ticks) => (long)(ticks * (1_000_000.0 / Stopwatch.Frequency));
}

/// <summary>What one connection measured: replies and errors per command, latency, errors by text, replies per second.</summary>
internal sealed class ConnectionStats
{
    public const int MaxErrorTexts = 200;

    public List<VerbStats?> ByVerb { get; } = [];
    public Dictionary<(int Verb, string Error), long> ErrorTexts { get; } = [];
    public long OtherErrors { get; set; }
    public List<long> RepliesPerSecond { get; } = [];
    public List<long> ErrorsPerSecond { get; } = [];
    /// <summary>At a paced run, how late each captured command was written against when it was due (written by the writer only).</summary>
    public GapHistogram PacingLag { get; } = new();

    public VerbStats For(int verb)
    {
        while (ByVerb.Count <= verb) ByVerb.Add(null);
        return ByVerb[verb] ??= new VerbStats();
    }

    public void CountSecond(long second, bool error)
    {
        if (second < 0) second = 0;
        while (RepliesPerSecond.Count <= second)
        {
            RepliesPerSecond.Add(0);
            ErrorsPerSecond.Add(0);
        }
        RepliesPerSecond[(int)second]++;
        if (error) ErrorsPerSecond[(int)second]++;
    }
}

internal sealed class VerbStats
{
    public long Replies { get; set; }
    public long Errors { get; set; }
    public GapHistogram Latency { get; } = new();
}

/// <summary>
/// One connection to the replay's target. A writer sends each batch's commands when they are due (all at once at max
/// pace: pipelining), a reader takes the replies in order and times each against the moment its command was written.
/// At most <see cref="MaxInFlight"/> commands wait for replies, so a slow target slows the replay instead of filling memory.
/// The connection is named <c>betterdb-replay</c> and is deliberately not one of the app's own clients
/// (<see cref="OwnClients"/>): a capture of the target should see the replayed traffic.
/// </summary>
internal sealed class ReplayConnection
{
    public const string ClientName = "betterdb-replay";
    public const int MaxInFlight = 4096;
    private const int MaxPerWrite = 512;
    // Commands due within this much of now go in the same write.
    private const long SlackMicros = 1000;

    private readonly ConnectionProfile _target;
    private readonly bool _paced;
    private readonly ReplayClock _clock;
    private readonly ReplayCounters _counters;
    private readonly ConcurrentBag<ReplayBatch> _pool;
    private readonly Channel<ReplayBatch> _batches = Channel.CreateBounded<ReplayBatch>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
    private readonly ConcurrentQueue<InFlight> _inFlight = new();
    private readonly SemaphoreSlim _slots = new(MaxInFlight, MaxInFlight);
    private long _written;
    private long _answered;
    private volatile bool _writerDone;

    public ReplayConnection(ConnectionProfile target, bool paced, ReplayClock clock, ReplayCounters counters, ConcurrentBag<ReplayBatch> pool)
    {
        _target = target;
        _paced = paced;
        _clock = clock;
        _counters = counters;
        _pool = pool;
    }

    public ConnectionStats Stats { get; } = new();

    public ValueTask EnqueueAsync(ReplayBatch batch, CancellationToken ct) => _batches.Writer.WriteAsync(batch, ct);

    public void Complete() => _batches.Writer.TryComplete();

    /// <summary>Opens the connection and sends every batch enqueued until <see cref="Complete"/>, then waits for the last reply.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await using var conn = await OpenAsync(ct);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var reader = Task.Run(async () =>
            {
                try { await ReadAsync(conn, stop.Token); }
                catch { await stop.CancelAsync(); throw; }
            }, CancellationToken.None);
            try
            {
                await WriteAsync(conn, stop.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The reader failed and stopped the writer: its exception is the one to report (below).
            }
            catch
            {
                await stop.CancelAsync();
                try { await reader; } catch { /* the writer's failure is the one to report */ }
                throw;
            }
            finally
            {
                _writerDone = true;
                conn.Input.CancelPendingRead();
            }
            await reader;
        }
        catch (Exception ex)
        {
            // Whoever still hands this connection batches hears of the failure instead of waiting on a full queue.
            _batches.Writer.TryComplete(ex);
            throw;
        }
    }

    private async Task<RespConnection> OpenAsync(CancellationToken ct)
    {
        RespConnection? conn = null;
        try
        {
            conn = await RespConnection.OpenAsync(_target, ConnectionService.ConnectTimeout, ct);
            await conn.HandshakeAsync(_target, ClientName, ConnectionService.ConnectTimeout, ct);
            return conn;
        }
        catch (Exception ex) when (RedisCommandClient.IsTransport(ex) || ex is RedisServerException)
        {
            if (conn is not null) await conn.DisposeAsync();
            throw new TargetUnreachableException($"{_target.Endpoint}: {ex.Message}", ex);
        }
    }

    private async Task WriteAsync(RespConnection conn, CancellationToken ct)
    {
        await foreach (var batch in _batches.Reader.ReadAllAsync(ct))
        {
            var commands = batch.Commands;
            int i = 0, offset = 0;
            while (i < commands.Count)
            {
                var now = 0L;
                if (_paced)
                {
                    now = _clock.ElapsedMicros;
                    var wait = commands[i].DueMicros - now;
                    if (wait > SlackMicros)
                    {
                        await Task.Delay(TimeSpan.FromMicroseconds(wait - SlackMicros / 2), ct);
                        continue;
                    }
                }
                var j = i;
                while (j < commands.Count && j - i < MaxPerWrite && (!_paced || commands[j].DueMicros <= now + SlackMicros)) j++;
                for (var k = i; k < j; k++)
                    if (!_slots.Wait(0)) await _slots.WaitAsync(ct);
                var sentAt = Stopwatch.GetTimestamp();
                var sentMicros = _paced ? ReplayClock.ToMicros(sentAt - _clock.StartTimestamp) : 0;
                var captured = 0;
                for (var k = i; k < j; k++)
                {
                    _inFlight.Enqueue(new InFlight(sentAt, commands[k].Verb));
                    if (commands[k].Added) continue;
                    captured++;
                    // How late the command left against its place on the capture's clock (only the writer touches it).
                    if (_paced) Stats.PacingLag.Add(sentMicros - commands[k].DueMicros);
                }
                Interlocked.Add(ref _written, j - i);
                var end = commands[j - 1].End;
                try
                {
                    await conn.WriteRawAsync(batch.Bytes.WrittenMemory[offset..end], ct);
                }
                catch (Exception ex) when (RedisCommandClient.IsTransport(ex))
                {
                    throw new TargetUnreachableException($"{_target.Endpoint}: {ex.Message}", ex);
                }
                _counters.AddSent(captured);
                offset = end;
                i = j;
            }
            Recycle(batch);
        }
    }

    private void Recycle(ReplayBatch batch)
    {
        if (batch.Bytes.Capacity > 4 * 1024 * 1024) return;
        batch.Bytes.ResetWrittenCount();
        batch.Commands.Clear();
        _pool.Add(batch);
    }

    private async Task ReadAsync(RespConnection conn, CancellationToken ct)
    {
        var input = conn.Input;
        try
        {
            while (true)
            {
                if (_writerDone && Interlocked.Read(ref _answered) == Interlocked.Read(ref _written)) return;
                var result = await input.ReadAsync(ct);
                var buffer = result.Buffer;
                var reader = new SequenceReader<byte>(buffer);
                var consumed = buffer.Start;
                int replies = 0, errors = 0;
                while (true)
                {
                    var attempt = reader;
                    if (!ReplyScanner.TrySkip(ref attempt, out var error)) break;
                    reader = attempt;
                    consumed = reader.Position;
                    if (!_inFlight.TryDequeue(out var sent))
                        throw new IOException($"{_target.Endpoint} sent a reply to a command the replay did not send");
                    Record(sent, error);
                    replies++;
                    if (error is not null) errors++;
                }
                input.AdvanceTo(consumed, buffer.End);
                if (replies > 0)
                {
                    Interlocked.Add(ref _answered, replies);
                    _counters.AddReplies(replies, errors);
                    _slots.Release(replies);
                }
                if (result.IsCompleted && !result.IsCanceled)
                {
                    if (_writerDone && Interlocked.Read(ref _answered) == Interlocked.Read(ref _written)) return;
                    throw new TargetUnreachableException($"{_target.Endpoint}: the server closed the connection with {Interlocked.Read(ref _written) - Interlocked.Read(ref _answered)} replies outstanding");
                }
            }
        }
        catch (Exception ex) when (RedisCommandClient.IsTransport(ex) && ex is not TargetUnreachableException)
        {
            throw new TargetUnreachableException($"{_target.Endpoint}: {ex.Message}", ex);
        }
    }

    private void Record(InFlight sent, string? error)
    {
        var now = Stopwatch.GetTimestamp();
        var stats = Stats.For(sent.Verb);
        stats.Replies++;
        stats.Latency.Add(ReplayClock.ToMicros(now - sent.SentAt));
        Stats.CountSecond(ReplayClock.ToMicros(now - _clock.StartTimestamp) / 1_000_000, error is not null);
        if (error is null) return;
        stats.Errors++;
        var key = (sent.Verb, error);
        if (Stats.ErrorTexts.TryGetValue(key, out var n)) Stats.ErrorTexts[key] = n + 1;
        else if (Stats.ErrorTexts.Count < ConnectionStats.MaxErrorTexts) Stats.ErrorTexts[key] = 1;
        else Stats.OtherErrors++;
    }

    private readonly record struct InFlight(long SentAt, int Verb);
}
