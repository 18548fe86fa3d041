using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Automation;

/// <summary>What an automated start (a schedule's tick, a trigger's fire) came to.</summary>
public abstract record GatedStart
{
    /// <summary>The capture runs.</summary>
    public sealed record Started(CaptureSession Session) : GatedStart;

    /// <summary>The health gate said no: a <c>skipped</c> session with its reason is on the record.</summary>
    public sealed record GateClosed(string Reason, CaptureSession Skipped) : GatedStart;

    /// <summary>The connection already has a running capture (one per connection); nothing was recorded.</summary>
    public sealed record Busy(string RunningSessionId) : GatedStart;

    /// <summary>The connection was deleted.</summary>
    public sealed record NoConnection : GatedStart;

    /// <summary>The app is shutting down: no capture now, and nothing to record.</summary>
    public sealed record NotNow(string Why) : GatedStart;
}

/// <summary>
/// The one way automation starts a capture: ask the health gate (closed: record a <c>skipped</c> session with its reason;
/// unreachable: start anyway, so the capture itself fails and says why, on the record like any failed capture), then start.
/// </summary>
public sealed class GatedCaptureStart(CaptureSessionService sessions, HealthGateService gate, ILogger<GatedCaptureStart> log)
{
    public async Task<GatedStart> StartAsync(StartCaptureRequest request, CancellationToken ct = default)
    {
        var connectionId = request.ConnectionId!;
        try
        {
            var decision = await gate.CheckAsync(connectionId, ct);
            if (!decision.Allow)
            {
                var reason = decision.SkipReason ?? "health_gate_closed";
                return new GatedStart.GateClosed(reason, await sessions.RecordSkippedAsync(request, reason, ct));
            }
        }
        catch (KeyNotFoundException)
        {
            return new GatedStart.NoConnection();
        }
        catch (TargetUnreachableException ex)
        {
            log.LogInformation("{Source} capture on {ConnectionId}: the health gate could not reach the server ({Message}); starting anyway",
                request.Source.Word(), connectionId, ex.Message);
        }

        try
        {
            return new GatedStart.Started(await sessions.StartAsync(request, ct));
        }
        catch (ConflictException ex) when (ex.RelatedId is not null)
        {
            return new GatedStart.Busy(ex.RelatedId);
        }
        catch (ConflictException ex)
        {
            return new GatedStart.NotNow(ex.Message);
        }
        catch (KeyNotFoundException)
        {
            return new GatedStart.NoConnection();
        }
    }
}
