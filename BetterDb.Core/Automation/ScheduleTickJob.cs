using System.ComponentModel;
using Hangfire;
using Hangfire.Server;

namespace BetterDb.Core.Automation;

/// <summary>
/// The Hangfire job of a schedule. Its name on <c>/hangfire</c> is the schedule's description ("Capture 30 s every hour,
/// connection prod-1"), passed as an argument only for that. No automatic retry: a tick run again later would capture
/// at a time nobody asked for; what went wrong is on the schedule (<c>lastSkipReason</c>) and in its sessions.
/// </summary>
public sealed class ScheduleTickJob(ScheduleTicker ticker)
{
    [DisplayName("{1}")]
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(string scheduleId, string description, PerformContext? context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context); // Hangfire fills it in
        var job = context.BackgroundJob;
        var recurringJobId = context.GetJobParameter<string>("RecurringJobId");
        return ticker.TickAsync(scheduleId, job.Id, recurringJobId, job.CreatedAt, ct);
    }
}
