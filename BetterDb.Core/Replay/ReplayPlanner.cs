using System.Text;
using BetterDb.Core.Analysis;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;

namespace BetterDb.Core.Replay;

/// <summary>Where the planner's decisions go: a live run's connections, or a dry run's tally.</summary>
internal interface IReplaySink
{
    /// <summary>SELECT <paramref name="db"/> on connection <paramref name="connection"/> (the line after it is in that db).</summary>
    void Select(int connection, int db);

    /// <summary>The line's command on <paramref name="connection"/>, due <paramref name="dueMicros"/> after the replay's start.</summary>
    /// <param name="replaceIndex">an argument sent as <paramref name="replacement"/> (a capped timeout); -1 for none.</param>
    void Command(int connection, string client, in MonitorLineView view, int verb, long dueMicros, int replaceIndex, ReadOnlySpan<byte> replacement);

    /// <summary>After each stored chunk: hand what was planned to the connections (and wait while they are full).</summary>
    ValueTask FlushAsync(CancellationToken ct);
}

/// <summary>Upper-case command names by small ids, so per-command counters are arrays rather than string dictionaries.</summary>
internal sealed class VerbTable
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _names = [];

    public VerbTable() => _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

    public string this[int id] => _names[id];

    public int Count => _names.Count;

    /// <summary>The id of an upper-case ASCII verb.</summary>
    public int IdOf(ReadOnlySpan<byte> upper)
    {
        Span<char> chars = upper.Length <= 128 ? stackalloc char[upper.Length] : new char[upper.Length];
        for (var i = 0; i < upper.Length; i++) chars[i] = (char)upper[i];
        if (_lookup.TryGetValue(chars, out var id)) return id;
        var name = new string(chars);
        lock (_names)
        {
            id = _names.Count;
            _names.Add(name);
            _ids[name] = id;
        }
        return id;
    }
}

/// <summary>
/// Turns a session's stored lines into what a replay sends, in capture order (an <see cref="ILineVisitor"/> of
/// <see cref="SessionLines.ScanAsync"/>). Per line it decides: skipped (why: <see cref="ReplaySkipReason"/>), or sent on
/// the connection of its client, after a SELECT when the connection is in another db, with a blocking timeout capped,
/// due at its capture time scaled by the pace. A client's MULTI..EXEC is held until its EXEC and then planned in one
/// piece, so on a connection several clients share no other command lands inside the transaction.
/// It also measures the original capture: its span and rate, and the gap between a client's consecutive commands.
/// </summary>
internal sealed class ReplayPlanner(ReplaySettings settings, IReplaySink sink, VerbTable verbs, ReplayCounters counters, CancellationToken ct)
    : ILineVisitor
{
    // Longest verb or client address looked up without allocating; longer ones are unusual and take a string.
    private const int MaxNameBytes = 128;

    private readonly Dictionary<string, ClientState> _clients = new(StringComparer.Ordinal);
    private readonly List<int> _connectionDb = [];
    private readonly Dictionary<int, GapHistogram> _originalGaps = [];
    private long _firstTs = long.MaxValue;
    private long _lastTs = long.MinValue;
    private long _firstSendTs = long.MinValue;

    /// <summary>Lines of the selection that parsed (the original capture's commands).</summary>
    public long OriginalLines { get; private set; }
    public long FirstTsMicros => _firstTs == long.MaxValue ? 0 : _firstTs;
    public long LastTsMicros => _lastTs == long.MinValue ? 0 : _lastTs;
    public int ConnectionsUsed => _connectionDb.Count;
    public long BlockingCapped { get; private set; }
    public long SelectsAdded { get; private set; }
    public long ClientCount => _clients.Count;
    /// <summary>Original clients that had to share a connection because there were more than <see cref="ReplayConcurrency.MaxConnections"/>.</summary>
    public long ClientsMerged { get; private set; }
    public IReadOnlyDictionary<int, GapHistogram> OriginalGaps => _originalGaps;

    public bool Visit(ReadOnlySpan<byte> raw, string? nodeId)
    {
        if (ct.IsCancellationRequested) return false;
        counters.LineRead();
        if (!MonitorLineParser.TryParse(raw, out var view))
        {
            counters.Skip(ReplaySkipReason.Malformed);
            return true;
        }
        OriginalLines++;
        var ts = view.TimestampMicros;
        if (ts < _firstTs) _firstTs = ts;
        if (ts > _lastTs) _lastTs = ts;
        if (view.Addr.SequenceEqual("lua"u8))
        {
            counters.Skip(ReplaySkipReason.Lua);
            return true;
        }

        Span<byte> upperBuffer = stackalloc byte[MaxNameBytes];
        var upper = Upper(view.Command, upperBuffer);
        var sub = view.ArgCount > 1 ? BlockingTimeouts.ArgAt(view, 1) : default;

        if (Never(upper, out var why) || Denied(upper, sub, out why) || Stateful(upper, out why))
        {
            counters.Skip(why);
            return true;
        }
        if (upper.SequenceEqual("SELECT"u8))
        {
            counters.Skip(ReplaySkipReason.Select);
            return true;
        }
        var verb = verbs.IdOf(upper);
        var client = Client(view.Addr);

        if (client.Transaction is { } held)
        {
            held.Add(raw.ToArray());
            if (upper.SequenceEqual("EXEC"u8) || upper.SequenceEqual("DISCARD"u8))
            {
                client.Transaction = null;
                foreach (var line in held)
                {
                    MonitorLineParser.TryParse(line, out var queued);
                    var queuedUpper = Upper(queued.Command, upperBuffer);
                    Plan(client, queued, queuedUpper, verbs.IdOf(queuedUpper), inTransaction: true);
                }
            }
            return true;
        }
        if (upper.SequenceEqual("MULTI"u8))
        {
            client.Transaction = [raw.ToArray()];
            return true;
        }
        Plan(client, view, upper, verb, inTransaction: false);
        return true;
    }

    public ValueTask AfterChunkAsync(CancellationToken _) => sink.FlushAsync(ct);

    /// <summary>At the end of the lines: transactions still open were never committed in the capture's slice, and are not sent.</summary>
    public async ValueTask CompleteAsync()
    {
        foreach (var c in _clients.Values)
            if (c.Transaction is { } held)
            {
                for (var i = 0; i < held.Count; i++) counters.Skip(ReplaySkipReason.UnfinishedTransaction);
                c.Transaction = null;
            }
        await sink.FlushAsync(ct);
    }

    private void Plan(ClientState client, in MonitorLineView view, ReadOnlySpan<byte> upper, int verb, bool inTransaction)
    {
        var ts = view.TimestampMicros;
        // A client's next command came after the previous one's reply: the gap bounds the original round trip from above.
        // Inside a transaction the commands are fed together, so their gaps say nothing.
        if (!inTransaction && client.LastVerb >= 0 && ts >= client.LastTs)
        {
            if (!_originalGaps.TryGetValue(client.LastVerb, out var gaps)) _originalGaps[client.LastVerb] = gaps = new GapHistogram();
            gaps.Add(ts - client.LastTs);
        }
        client.LastTs = ts;
        client.LastVerb = inTransaction ? -1 : verb;

        var connection = client.Connection;
        // EXEC and DISCARD run in whatever db the transaction ended in: a SELECT before them would only be queued.
        if (view.Db != _connectionDb[connection] && !upper.SequenceEqual("EXEC"u8) && !upper.SequenceEqual("DISCARD"u8))
        {
            sink.Select(connection, view.Db);
            _connectionDb[connection] = view.Db;
            SelectsAdded++;
        }
        var replaceIndex = -1;
        ReadOnlySpan<byte> replacement = default;
        if (BlockingTimeouts.TryCap(upper, view, settings.MaxBlockMs, out var index, out var capped))
        {
            replaceIndex = index;
            replacement = capped;
            BlockingCapped++;
        }
        if (_firstSendTs == long.MinValue) _firstSendTs = ts;
        var due = settings.Pace.IsMax ? 0 : (long)Math.Max(0, (ts - _firstSendTs) / settings.Pace.TimeDivisor);
        sink.Command(connection, client.Address, view, verb, due, replaceIndex, replacement);
    }

    /// <summary>Never sent: the replay's connections authenticate as the target's profile.</summary>
    private static bool Never(ReadOnlySpan<byte> upper, out ReplaySkipReason why)
    {
        why = ReplaySkipReason.Auth;
        return upper.SequenceEqual("AUTH"u8) || upper.SequenceEqual("HELLO"u8);
    }

    private bool Denied(ReadOnlySpan<byte> upper, ReadOnlySpan<byte> sub, out ReplaySkipReason why)
    {
        why = ReplaySkipReason.Denylisted;
        return settings.Denylist.Denies(upper, sub);
    }

    /// <summary>Commands after which the connection no longer answers one reply per command (or is gone).</summary>
    private static bool Stateful(ReadOnlySpan<byte> upper, out ReplaySkipReason why)
    {
        why = ReplaySkipReason.ConnectionState;
        return upper.SequenceEqual("MONITOR"u8) || upper.SequenceEqual("QUIT"u8) || upper.SequenceEqual("RESET"u8)
            || upper.SequenceEqual("SUBSCRIBE"u8) || upper.SequenceEqual("PSUBSCRIBE"u8) || upper.SequenceEqual("SSUBSCRIBE"u8)
            || upper.SequenceEqual("UNSUBSCRIBE"u8) || upper.SequenceEqual("PUNSUBSCRIBE"u8) || upper.SequenceEqual("SUNSUBSCRIBE"u8);
    }

    /// <summary>The verb in upper case (a verb with escapes or longer than the buffer is decoded first).</summary>
    private static ReadOnlySpan<byte> Upper(ReadOnlySpan<byte> escaped, Span<byte> buffer)
    {
        ReadOnlySpan<byte> source = escaped;
        if (escaped.Length > buffer.Length || escaped.IndexOf((byte)'\\') >= 0)
        {
            source = SdsRepr.Unescape(escaped);
            if (source.Length > buffer.Length) buffer = new byte[source.Length];
        }
        Ascii.ToUpper(source, buffer, out var written);
        if (written < source.Length) // not ASCII: kept as it is
        {
            source.CopyTo(buffer);
            written = source.Length;
        }
        return buffer[..written];
    }

    private ClientState Client(ReadOnlySpan<byte> addr)
    {
        var lookup = _clients.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> chars = addr.Length <= MaxNameBytes ? stackalloc char[addr.Length] : new char[addr.Length];
        for (var i = 0; i < addr.Length; i++) chars[i] = (char)addr[i];
        if (lookup.TryGetValue(chars, out var state)) return state;
        var address = new string(chars);
        state = new ClientState(address, Route(_clients.Count));
        _clients[address] = state;
        return state;
    }

    /// <summary>The connection of the n-th client seen: its own, or one of a fixed number in turn.</summary>
    private int Route(int n)
    {
        var limit = settings.Connections.IsPerClient ? ReplayConcurrency.MaxConnections : settings.Connections.Fixed;
        if (settings.Connections.IsPerClient && n >= limit) ClientsMerged++;
        var connection = n % limit;
        while (_connectionDb.Count <= connection) _connectionDb.Add(0);
        return connection;
    }

    private sealed class ClientState(string address, int connection)
    {
        public string Address { get; } = address;
        public int Connection { get; } = connection;
        public long LastTs { get; set; }
        public int LastVerb { get; set; } = -1;
        public List<byte[]>? Transaction { get; set; }
    }
}
