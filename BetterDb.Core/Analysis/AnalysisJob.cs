using System.ComponentModel;
using BetterDb.Core.Events;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Core.Analysis;

/// <summary>
/// The Hangfire job that stores a finished session's analysis (visible and retryable at <c>/hangfire</c>), and its command
/// shapes, so the first diff or cross-reference of the session reads stored aggregates instead of its lines.
/// </summary>
public sealed class AnalysisJob(SessionAnalysis analysis, SessionDiffService? diffs = null)
{
    [DisplayName("Analyse session {0}")]
    [AutomaticRetry(Attempts = 3)]
    public async Task RunAsync(string sessionId)
    {
        // Shapes first: the stored analysis is what callers wait for, so the job ends as soon as it is visible.
        if (diffs is not null) await diffs.StoreShapesAsync(sessionId);
        await analysis.ComputeAndStoreAsync(sessionId);
    }
}

/// <summary>
/// Subscribes analysis to the session lifecycle: every ended session gets its analysis computed and stored by a
/// Hangfire job. Without Hangfire (component tests), it runs at once.
/// </summary>
public sealed class AnalyseEndedSessions(IServiceProvider services) : IOutboxHandler
{
    public async Task HandleAsync(OutboxEvent e, CancellationToken ct)
    {
        if (e.Type != SessionEventType.Ended || e.SessionId is not { } id) return;
        if (services.GetService<IBackgroundJobClient>() is { } jobs) jobs.Enqueue<AnalysisJob>(j => j.RunAsync(id));
        else
        {
            if (services.GetService<SessionDiffService>() is { } diffs) await diffs.StoreShapesAsync(id, ct);
            await services.GetRequiredService<SessionAnalysis>().ComputeAndStoreAsync(id, ct);
        }
    }
}
