using BetterDb.Core.Automation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BetterDb.Blazor.Api;

/// <summary>
/// <c>/api/monitor/schedules</c>: capture schedules (interval or cron), their enable/disable switch, and (additive) a
/// preview of a cadence before saving it. A thin layer over <see cref="ScheduleService"/>, which the UI calls directly.
/// </summary>
internal static class ScheduleEndpoints
{
    public static RouteGroupBuilder MapScheduleEndpoints(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/monitor/schedules");
        g.MapPost("/", Create).WithName("CreateSchedule");
        g.MapGet("/", List).WithName("ListSchedules");
        g.MapGet("/{id}", Get).WithName("GetSchedule");
        g.MapPut("/{id}", Update).WithName("UpdateSchedule");
        g.MapDelete("/{id}", Delete).WithName("DeleteSchedule");
        g.MapPost("/{id}/enable", Enable).WithName("EnableSchedule");
        g.MapPost("/{id}/disable", Disable).WithName("DisableSchedule");
        g.MapPost("/preview", Preview).WithName("PreviewSchedule");
        return api;
    }

    private static async Task<Results<Created<Schedule>, ProblemHttpResult>> Create(HttpRequest request, ScheduleService schedules, CancellationToken ct)
    {
        var (input, error) = await ApiResults.ReadBody<ScheduleInput>(request);
        if (error is not null) return error;
        if (Invalid(schedules.Check(input!)) is { } invalid) return invalid;
        var created = await schedules.CreateAsync(input!, ct);
        return TypedResults.Created($"/api/monitor/schedules/{created.Id}", created);
    }

    private static async Task<Results<Ok<IReadOnlyList<Schedule>>, ProblemHttpResult>> List(HttpRequest request, ScheduleService schedules,
        CancellationToken ct)
    {
        if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
        return TypedResults.Ok(await schedules.ListAsync(ApiResults.QueryOrNull(request, "connectionId"), limit,
            (int)Math.Min(offset, int.MaxValue), ct));
    }

    private static async Task<Results<Ok<Schedule>, ProblemHttpResult>> Get(string id, ScheduleService schedules, CancellationToken ct) =>
        await schedules.GetAsync(id, ct) is { } s ? TypedResults.Ok(s) : NotFound(id);

    /// <summary>Replaces the schedule (the body of POST); enabled left out keeps the switch as it is.</summary>
    private static async Task<Results<Ok<Schedule>, ProblemHttpResult>> Update(string id, HttpRequest request, ScheduleService schedules,
        CancellationToken ct)
    {
        var (input, error) = await ApiResults.ReadBody<ScheduleInput>(request);
        if (error is not null) return error;
        if (await schedules.GetAsync(id, ct) is null) return NotFound(id);
        if (Invalid(schedules.Check(input!)) is { } invalid) return invalid;
        return await schedules.UpdateAsync(id, input!, ct) is { } updated ? TypedResults.Ok(updated) : NotFound(id);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, ScheduleService schedules, CancellationToken ct) =>
        await schedules.DeleteAsync(id, ct) ? TypedResults.NoContent() : NotFound(id);

    private static Task<Results<Ok<Schedule>, ProblemHttpResult>> Enable(string id, ScheduleService schedules, CancellationToken ct) =>
        Switch(id, true, schedules, ct);

    private static Task<Results<Ok<Schedule>, ProblemHttpResult>> Disable(string id, ScheduleService schedules, CancellationToken ct) =>
        Switch(id, false, schedules, ct);

    private static async Task<Results<Ok<Schedule>, ProblemHttpResult>> Switch(string id, bool enabled, ScheduleService schedules, CancellationToken ct) =>
        await schedules.SetEnabledAsync(id, enabled, ct) is { } s ? TypedResults.Ok(s) : NotFound(id);

    /// <summary>Additive: what a cadence means before saving it: <c>{cadence, nextFires[5]}</c>, or the 400 naming the field.</summary>
    private static async Task<Results<Ok<SchedulePreview>, ProblemHttpResult>> Preview(HttpRequest request)
    {
        var (body, error) = await ApiResults.ReadBody<PreviewBody>(request);
        if (error is not null) return error;
        var preview = ScheduleService.Preview(body!.IntervalSeconds, body.CronExpression, body.TimeZone);
        if (Invalid(preview.Errors) is { } invalid) return invalid;
        return TypedResults.Ok(new SchedulePreview(preview.Cadence, preview.NextFires));
    }

    private static ProblemHttpResult NotFound(string id) => ApiResults.NotFound($"No schedule '{id}'.");

    private static ProblemHttpResult? Invalid(IReadOnlyList<ScheduleFieldError> errors) => ApiResults.Invalid([.. errors.Select(e => (e.Field, e.Message))]);

    private sealed record PreviewBody(int? IntervalSeconds, string? CronExpression, string? TimeZone);
}
