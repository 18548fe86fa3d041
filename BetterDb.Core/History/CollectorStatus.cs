namespace BetterDb.Core.History;

/// <summary>The collectors of one connection, by name, as their API and UI name them.</summary>
public static class CollectorNames
{
    public const string Info = "info";
    public const string Slowlog = "slowlog";
    public const string Commandlog = "commandlog";
    public const string Clients = "clients";
    public const string AclLog = "acl-log";

    public static readonly string[] All = [Info, Slowlog, Commandlog, Clients, AclLog];
}

/// <summary>One collector's state: <c>ok</c>, <c>error</c> (its command failed: see <see cref="Error"/>; it backs off),
/// <c>unsupported</c> (the server has no such log, e.g. COMMANDLOG on Redis), <c>waiting</c> (not polled yet).</summary>
public sealed record CollectorState(string Name, int IntervalMs, string State, string? Error, DateTime? LastPollAt, DateTime? LastSuccessAt,
    DateTime? NextPollAt, int ConsecutiveFailures, long Polls);

/// <summary>
/// What the history collectors of a connection are doing (the API's <c>history/status</c>): whether they reach the
/// server, and if not the error and when they try again (backing off from 1 s up to <c>BetterDb:History:MaxBackoffMs</c>).
/// </summary>
public sealed record HistoryStatus(string ConnectionId, bool Enabled, bool Connected, string? Error, DateTime? ErrorSince, DateTime? NextAttemptAt,
    int ConsecutiveFailures, DateTime? StartedAt, long CommandsSent, IReadOnlyList<CollectorState> Collectors)
{
    public static HistoryStatus Disabled(string connectionId) =>
        new(connectionId, false, false, "Instance history is turned off (BetterDb:History:Enabled=false).", null, null, 0, null, 0, []);
}

/// <summary>The last hour of INFO samples of a connection, one per <c>InfoIntervalMs</c>, in memory only.</summary>
public sealed class RecentInfo(TimeSpan window)
{
    private readonly LinkedList<InfoSample> _samples = [];

    public InfoSample? Last
    {
        get { lock (_samples) return _samples.Last?.Value; }
    }

    public void Add(InfoSample sample)
    {
        lock (_samples)
        {
            _samples.AddLast(sample);
            var cutoff = sample.Ts - (long)window.TotalMilliseconds;
            while (_samples.First is { } first && first.Value.Ts < cutoff) _samples.RemoveFirst();
        }
    }

    /// <summary>Samples with <paramref name="afterTs"/> &lt;= ts &lt; <paramref name="beforeTs"/>, oldest first.</summary>
    public IReadOnlyList<InfoSample> Between(long afterTs, long beforeTs)
    {
        lock (_samples) return _samples.Where(s => s.Ts >= afterTs && s.Ts < beforeTs).ToList();
    }
}
