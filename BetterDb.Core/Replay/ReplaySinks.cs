using System.Collections.Concurrent;
using System.Threading.Channels;
using BetterDb.Core.Connections;
using BetterDb.Core.Lines;

namespace BetterDb.Core.Replay;

/// <summary>
/// A live run's sink: encodes each planned command into its connection's batch, hands the batches over after every
/// stored chunk, and opens each connection the first time a command is planned for it.
/// </summary>
internal sealed class ReplayDispatcher(ConnectionProfile target, ReplaySettings settings, ReplayCounters counters, CancellationToken ct) : IReplaySink
{
    private readonly List<ReplayConnection> _connections = [];
    private readonly List<Task> _runs = [];
    private readonly List<ReplayBatch?> _current = [];
    private readonly ConcurrentBag<ReplayBatch> _pool = [];

    public ReplayClock Clock { get; } = new();
    public IReadOnlyList<ReplayConnection> Connections => _connections;

    /// <summary>The verb table the planner uses; SELECTs the replay adds are counted under SELECT.</summary>
    public required VerbTable Verbs { get; init; }

    public void Select(int connection, int db)
    {
        var batch = Batch(connection);
        ReplayEncoding.WriteSelect(batch.Bytes, db);
        batch.Commands.Add(new PlannedCommand(batch.Bytes.WrittenCount, LastDue(batch), Verbs.IdOf("SELECT"u8), Added: true));
    }

    public void Command(int connection, string client, in MonitorLineView view, int verb, long dueMicros, int replaceIndex, ReadOnlySpan<byte> replacement)
    {
        var batch = Batch(connection);
        ReplayEncoding.WriteCommand(batch.Bytes, view, replaceIndex, replacement);
        batch.Commands.Add(new PlannedCommand(batch.Bytes.WrittenCount, dueMicros, verb, Added: false));
    }

    public async ValueTask FlushAsync(CancellationToken token)
    {
        for (var i = 0; i < _current.Count; i++)
        {
            if (_current[i] is not { } batch) continue;
            _current[i] = null;
            try
            {
                await _connections[i].EnqueueAsync(batch, token);
            }
            catch (ChannelClosedException)
            {
                await _runs[i]; // throws what stopped that connection
                throw;
            }
        }
        // A connection that failed ends the run at once rather than when its queue fills.
        foreach (var run in _runs)
            if (run.IsFaulted) await run;
    }

    /// <summary>No more commands: each connection sends what it has and waits for its last reply.</summary>
    public async Task CompleteAsync()
    {
        await FlushAsync(ct);
        foreach (var c in _connections) c.Complete();
        await Task.WhenAll(_runs);
    }

    /// <summary>Cancelled: stops every connection without waiting for replies.</summary>
    public async Task AbandonAsync()
    {
        foreach (var c in _connections) c.Complete();
        try { await Task.WhenAll(_runs); }
        catch { /* stopping anyway */ }
    }

    private ReplayBatch Batch(int connection)
    {
        while (_connections.Count <= connection)
        {
            var c = new ReplayConnection(target, !settings.Pace.IsMax, Clock, counters, _pool);
            _connections.Add(c);
            _current.Add(null);
            _runs.Add(c.RunAsync(ct));
        }
        if (_current[connection] is { } batch) return batch;
        if (!_pool.TryTake(out batch)) batch = new ReplayBatch();
        return _current[connection] = batch;
    }

    private static long LastDue(ReplayBatch batch) => batch.Commands.Count == 0 ? 0 : batch.Commands[^1].DueMicros;
}

/// <summary>One command a dry run would send: on which of the run's connections, for which original client, in which db.</summary>
public sealed record ReplayPreviewLine(int Connection, string Client, int Db, string Command);

/// <summary>A dry run's sink: counts what would be sent per command and keeps the first lines as a preview; nothing reaches any server.</summary>
internal sealed class DryRunTally : IReplaySink
{
    public const int PreviewLines = 50;
    private const int PreviewChars = 300;

    public Dictionary<int, long> ByVerb { get; } = [];
    public List<ReplayPreviewLine> Preview { get; } = [];
    public long WouldSend { get; private set; }
    private readonly Dictionary<int, int> _db = [];

    public void Select(int connection, int db) => _db[connection] = db;

    public void Command(int connection, string client, in MonitorLineView view, int verb, long dueMicros, int replaceIndex, ReadOnlySpan<byte> replacement)
    {
        ByVerb[verb] = ByVerb.GetValueOrDefault(verb) + 1;
        WouldSend++;
        if (Preview.Count >= PreviewLines) return;
        var text = System.Text.Encoding.ASCII.GetString(view.ArgsText[..Math.Min(view.ArgsText.Length, PreviewChars)]);
        if (view.ArgsText.Length > PreviewChars) text += "...";
        Preview.Add(new ReplayPreviewLine(connection, client, _db.GetValueOrDefault(connection), text));
    }

    public ValueTask FlushAsync(CancellationToken ct) => ValueTask.CompletedTask;
}
