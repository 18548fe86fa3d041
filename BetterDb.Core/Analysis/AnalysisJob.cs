using System.ComponentModel;
using BetterDb.Core.Events;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Core.Analysis;

/// <summary>The Hangfire job that stores a finished session's analysis (visible and retryable at <c>/hangfire</c>).</summary>
public sealed class AnalysisJob(SessionAnalysis analysis)
{
    [DisplayName("Analyse session {0}")]
    [AutomaticRetry(Attempts = 3)]
    public Task RunAsync(string sessionId) => analysis.ComputeAndStoreAsync(sessionId);
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
        else await services.GetRequiredService<SessionAnalysis>().ComputeAndStoreAsync(id, ct);
    }
}
