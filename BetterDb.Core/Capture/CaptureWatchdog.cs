using System.Diagnostics;
using System.Globalization;
using System.Net;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Capture;

/// <summary>What the watchdog last read on the server; a null figure could not be read (see <see cref="Error"/>).</summary>
public sealed record WatchdogSignals
{
    /// <summary>Our MONITOR client's output buffer on the server (<c>omem</c>).</summary>
    public long? OutputBufferBytes { get; init; }
    public long? UsedMemory { get; init; }
    /// <summary>0 when the server has no <c>maxmemory</c>.</summary>
    public long? MaxMemory { get; init; }
    public double? MemoryFraction => UsedMemory is { } used && MaxMemory is > 0 ? (double)used / MaxMemory.Value : null;
    public double? PingMs { get; init; }
    public DateTime SampledAt { get; init; }
    /// <summary>Why a figure is missing (a refused command, an unreachable server).</summary>
    public string? Error { get; init; }
    public WatchdogLimits? Limits { get; init; }
}

/// <summary>The lines a capture must not cross, resolved from configuration.</summary>
public sealed record WatchdogLimits(long MaxOutputBufferBytes, double MaxMemoryFraction, int MaxPingMs)
{
    public static WatchdogLimits From(WatchdogOptions o, double healthGateMemoryFraction) =>
        new(o.MaxOutputBufferBytes, o.MaxMemoryFraction ?? healthGateMemoryFraction, o.MaxPingMs);
}

/// <summary>
/// Watches the server while a capture runs and ends the capture before it harms the server: every
/// interval it reads our MONITOR client's output buffer (<c>CLIENT LIST ID</c>), <c>used_memory</c>
/// against <c>maxmemory</c> (<c>INFO memory</c>), and the round trip of a <c>PING</c>, on a connection of
/// its own (<c>betterdb-watchdog</c>), never on the MONITOR one.
/// </summary>
/// <remarks>
/// The output buffer and memory stop the capture at the first reading over the line: both are memory the
/// server is spending now, and closing our MONITOR connection gives the buffer back at once. A PING is
/// noisier (one slow answer may be a pause of ours), so it takes two readings in a row over the line, or
/// one over four times the line (a PING that gets no answer at all counts as that).
/// The watchdog's own INFO and PING appear in MONITOR output: it tells the capture its address so the
/// capture drops them.
/// </remarks>
internal sealed class CaptureWatchdog : IAsyncDisposable
{
    private readonly ConnectionProfile _profile;
    private readonly long? _monitorClientId;
    private readonly string? _monitorAddress;
    private readonly WatchdogLimits _limits;
    private readonly TimeSpan _interval;
    private readonly Action<CaptureEnd> _trip;
    private readonly Action<string> _ownAddress;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private Action? _abort;
    private WatchdogSignals? _latest;
    private readonly WatchdogJudge _judge;

    private CaptureWatchdog(ConnectionProfile profile, long? monitorClientId, string? monitorAddress, WatchdogLimits limits,
        TimeSpan interval, Action<CaptureEnd> trip, Action<string> ownAddress, ILogger log)
    {
        _profile = profile;
        _monitorClientId = monitorClientId;
        _monitorAddress = monitorAddress;
        _limits = limits;
        _judge = new WatchdogJudge(limits);
        _interval = interval;
        _trip = trip;
        _ownAddress = ownAddress;
        _log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = "betterdb-watchdog" };
        _thread.Start();
    }

    /// <param name="monitorClientId">our MONITOR client's id (<c>CLIENT ID</c>), or null to find it by address.</param>
    /// <param name="monitorAddress">our MONITOR client's address as the server lists it.</param>
    /// <param name="trip">called once, with the watchdog's reason, when a line is crossed.</param>
    /// <param name="ownAddress">called with the watchdog connection's address, whose lines the capture drops.</param>
    public static CaptureWatchdog Start(ConnectionProfile profile, long? monitorClientId, string? monitorAddress, WatchdogLimits limits,
        TimeSpan interval, Action<CaptureEnd> trip, Action<string> ownAddress, ILogger log) =>
        new(profile, monitorClientId, monitorAddress, limits, interval, trip, ownAddress, log);

    public WatchdogSignals? Latest => Volatile.Read(ref _latest);

    /// <summary>How long one command may take before the server counts as not answering.</summary>
    private TimeSpan CommandTimeout => TimeSpan.FromMilliseconds(Math.Max(1000, 4 * _limits.MaxPingMs));

    /// <summary>
    /// On a thread of its own with blocking calls, like the MONITOR reader: a dozen async round trips a
    /// second woke the thread pool into spinning, which cost more than the capture (see BlockingRespConnection).
    /// </summary>
    private void Run()
    {
        BlockingRespConnection? client = null;
        var ct = _stop.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    client ??= Open(ct);
                    var signals = Sample(client);
                    Volatile.Write(ref _latest, signals);
                    if (_judge.Verdict(signals) is { } reason)
                    {
                        Trip(reason);
                        return;
                    }
                }
                catch (TimeoutException ex) when (!ct.IsCancellationRequested)
                {
                    // A server that does not answer at all is the slowest PING there is.
                    var ms = (long)CommandTimeout.TotalMilliseconds;
                    Volatile.Write(ref _latest, new WatchdogSignals { SampledAt = DateTime.UtcNow, Error = ex.Message, Limits = _limits });
                    Trip(EndReasonKind.With(EndReasonKind.Watchdog, $"ping_ms {ms} > {_limits.MaxPingMs} (no answer within {ms} ms)"));
                    return;
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && ex is IOException or RedisServerException or System.Security.Authentication.AuthenticationException)
                {
                    // Refused or dropped: the server is down or will not talk to us; the capture ends on its own account.
                    client?.Dispose();
                    client = null;
                    Volatile.Write(ref _latest, new WatchdogSignals { SampledAt = DateTime.UtcNow, Error = ex.Message, Limits = _limits });
                }
                ct.WaitHandle.WaitOne(_interval);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is IOException or ObjectDisposedException)
        {
        }
        catch (Exception ex)
        {
            // The watchdog must never take the capture down with it.
            _log.LogError(ex, "Watchdog on {Endpoint} stopped unexpectedly", _profile.Endpoint);
        }
        finally
        {
            client?.Dispose();
        }
    }

    private void Trip(string reason)
    {
        _log.LogWarning("Watchdog stops the capture on {Endpoint}: {Reason}", _profile.Endpoint, reason);
        _trip(new CaptureEnd(CaptureStatus.Completed, reason));
    }

    private BlockingRespConnection Open(CancellationToken ct)
    {
        // Registered among OwnClients (the capture drops its lines) from our socket's own view of its address;
        // CLIENT INFO (Redis 6.2+) then tells the address the server really gives our lines, which differs behind NAT.
        var client = BlockingRespConnection.Open(_profile, RedisCommandClient.ClientName("watchdog"), CommandTimeout, ct);
        _abort = client.Abort;
        var info = client.Command(CommandTimeout, "CLIENT", "INFO");
        if (!info.IsError && info.Text is { } text && ClientField(text, "addr") is { } seen) _ownAddress(seen);
        return client;
    }

    private WatchdogSignals Sample(BlockingRespConnection client)
    {
        var errors = new List<string>();
        long? outputBuffer = null;
        var list = _monitorClientId is { } id
            ? client.Command(CommandTimeout, "CLIENT", "LIST", "ID", id.ToString(CultureInfo.InvariantCulture))
            : client.Command(CommandTimeout, "CLIENT", "LIST");
        if (list.IsError) errors.Add($"CLIENT LIST: {list.Text}");
        else if (FindClient(list.Text ?? "") is { } entry && long.TryParse(ClientField(entry, "omem"), out var omem)) outputBuffer = omem;

        long? used = null, max = null;
        var memory = client.Command(CommandTimeout, "INFO", "memory");
        if (memory.IsError) errors.Add($"INFO: {memory.Text}");
        else
        {
            var fields = InfoParser.Parse(memory.Text ?? "");
            if (long.TryParse(fields.GetValueOrDefault("used_memory"), out var u)) used = u;
            if (long.TryParse(fields.GetValueOrDefault("maxmemory"), out var m)) max = m;
        }

        var started = Stopwatch.GetTimestamp();
        var pong = client.Command(CommandTimeout, "PING");
        double? ping = null;
        if (pong.IsError) errors.Add($"PING: {pong.Text}");
        else ping = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        return new WatchdogSignals
        {
            OutputBufferBytes = outputBuffer,
            UsedMemory = used,
            MaxMemory = max,
            PingMs = ping is { } p ? Math.Round(p, 2) : null,
            SampledAt = DateTime.UtcNow,
            Error = errors.Count == 0 ? null : string.Join("; ", errors),
            Limits = _limits,
        };
    }

    /// <summary>Our MONITOR client's line in a <c>CLIENT LIST</c> reply (by id, else by address).</summary>
    private string? FindClient(string list)
    {
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (_monitorClientId is { } id ? ClientField(line, "id") == id.ToString(CultureInfo.InvariantCulture)
                                           : _monitorAddress is not null && ClientField(line, "addr") == _monitorAddress)
                return line;
        }
        return null;
    }

    /// <summary>A <c>name=value</c> field of one <c>CLIENT LIST</c>/<c>CLIENT INFO</c> line.</summary>
    internal static string? ClientField(string line, string name)
    {
        foreach (var part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (part.Length > name.Length && part[name.Length] == '=' && part.StartsWith(name, StringComparison.Ordinal))
                return part[(name.Length + 1)..].TrimEnd('\r', '\n');
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        // A command in flight returns at once when its socket is shut down.
        Volatile.Read(ref _abort)?.Invoke();
        await Task.Run(_thread.Join);
        _stop.Dispose();
    }
}

/// <summary>
/// Decides from successive readings whether a line is crossed. The output buffer and memory count at the
/// first reading over; a PING needs two readings in a row over the line, or one over four times it.
/// </summary>
internal sealed class WatchdogJudge(WatchdogLimits limits)
{
    private int _slowPings;

    /// <summary>The reason to stop (<c>watchdog: &lt;signal&gt; &lt;value&gt; &gt; &lt;limit&gt;</c>), or null while every signal is inside its line.</summary>
    public string? Verdict(WatchdogSignals s)
    {
        if (s.OutputBufferBytes is { } omem && omem > limits.MaxOutputBufferBytes)
            return EndReasonKind.With(EndReasonKind.Watchdog, $"omem {omem} > {limits.MaxOutputBufferBytes}");
        if (s.MemoryFraction is { } fraction && fraction > limits.MaxMemoryFraction)
            return EndReasonKind.With(EndReasonKind.Watchdog, $"memory {Fraction(fraction)} > {Fraction(limits.MaxMemoryFraction)} (used_memory {s.UsedMemory}, maxmemory {s.MaxMemory})");
        if (s.PingMs is { } ping)
        {
            _slowPings = ping > limits.MaxPingMs ? _slowPings + 1 : 0;
            if (_slowPings >= 2 || ping > 4.0 * limits.MaxPingMs)
                return EndReasonKind.With(EndReasonKind.Watchdog, $"ping_ms {Math.Round(ping)} > {limits.MaxPingMs}");
        }
        return null;
    }

    private static string Fraction(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
