using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Core.Automation;

/// <summary>
/// The Hangfire side of schedules: a recurring job <c>schedule-&lt;id&gt;</c> for a cadence a cron can say, a delayed job
/// for the next tick of one it cannot. Without Hangfire configured (component tests) every call does nothing.
/// </summary>
public sealed class ScheduleJobs(IServiceProvider services)
{
    public const string RecurringPrefix = "schedule-";

    private static readonly string[] PendingStates = ["Scheduled", "Enqueued", "Processing", "Awaiting"];

    private IRecurringJobManager? Recurring => services.GetService<IRecurringJobManager>();
    private IBackgroundJobClient? Client => services.GetService<IBackgroundJobClient>();
    private JobStorage? Storage => services.GetService<JobStorage>();

    public bool Available => Recurring is not null;

    public static string RecurringId(string scheduleId) => RecurringPrefix + scheduleId;

    /// <summary>Adds or replaces the schedule's recurring job. Missed ticks (the app was down) are not run late.</summary>
    public void AddOrUpdateRecurring(string scheduleId, string description, string cron, TimeZoneInfo zone)
    {
        Recurring?.AddOrUpdate<ScheduleTickJob>(RecurringId(scheduleId), j => j.RunAsync(scheduleId, description, null, CancellationToken.None), cron,
            new RecurringJobOptions { TimeZone = zone, MisfireHandling = MisfireHandlingMode.Ignorable });
    }

    public void RemoveRecurring(string scheduleId) => Recurring?.RemoveIfExists(RecurringId(scheduleId));

    /// <summary>The next tick of a delayed-job cadence, due at <paramref name="dueAt"/>; its job id (null without Hangfire).</summary>
    public string? ScheduleTick(string scheduleId, string description, DateTime dueAt) =>
        Client?.Schedule<ScheduleTickJob>(j => j.RunAsync(scheduleId, description, null, CancellationToken.None),
            new DateTimeOffset(DateTime.SpecifyKind(dueAt, DateTimeKind.Utc)));

    public void DeleteTick(string? jobId)
    {
        if (jobId is not null) Client?.Delete(jobId);
    }

    /// <summary>Whether the job is still to run (scheduled, queued or running); false for a finished, deleted or unknown one.</summary>
    public bool IsPending(string? jobId)
    {
        if (jobId is null || Storage is not { } storage) return false;
        using var connection = storage.GetConnection();
        return connection.GetJobData(jobId)?.State is { } state && PendingStates.Contains(state);
    }

    /// <summary>The ids of every schedule that has a recurring job (for reconciling with the table).</summary>
    public IReadOnlyList<string> RecurringScheduleIds()
    {
        if (Storage is not { } storage) return [];
        using var connection = storage.GetConnection();
        return connection.GetRecurringJobs()
            .Where(j => j.Id.StartsWith(RecurringPrefix, StringComparison.Ordinal))
            .Select(j => j.Id[RecurringPrefix.Length..])
            .ToList();
    }
}
