using BetterDb.Core.Automation;

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

        g.MapPost("/", async (HttpRequest request, ScheduleService schedules, CancellationToken ct) =>
        {
            var (input, error) = await ApiResults.ReadBody<ScheduleInput>(request);
            if (error is not null) return error;
            if (Invalid(schedules.Check(input!)) is { } invalid) return invalid;
            var created = await schedules.CreateAsync(input!, ct);
            return Results.Created($"/api/monitor/schedules/{created.Id}", created);
        });

        g.MapGet("/", async (HttpRequest request, ScheduleService schedules, CancellationToken ct) =>
        {
            if (!ApiResults.TryPaging(request, out var limit, out var offset, out var error)) return error!;
            var connectionId = ApiResults.Query(request, "connectionId");
            return Results.Ok(await schedules.ListAsync(string.IsNullOrEmpty(connectionId) ? null : connectionId, limit,
                (int)Math.Min(offset, int.MaxValue), ct));
        });

        g.MapGet("/{id}", async (string id, ScheduleService schedules, CancellationToken ct) =>
            await schedules.GetAsync(id, ct) is { } s ? Results.Ok(s) : NotFound(id));

        // Replaces the schedule (the body of POST); enabled left out keeps the switch as it is.
        g.MapPut("/{id}", async (string id, HttpRequest request, ScheduleService schedules, CancellationToken ct) =>
        {
            var (input, error) = await ApiResults.ReadBody<ScheduleInput>(request);
            if (error is not null) return error;
            if (await schedules.GetAsync(id, ct) is null) return NotFound(id);
            if (Invalid(schedules.Check(input!)) is { } invalid) return invalid;
            return await schedules.UpdateAsync(id, input!, ct) is { } updated ? Results.Ok(updated) : NotFound(id);
        });

        g.MapDelete("/{id}", async (string id, ScheduleService schedules, CancellationToken ct) =>
            await schedules.DeleteAsync(id, ct) ? Results.NoContent() : NotFound(id));

        g.MapPost("/{id}/enable", async (string id, ScheduleService schedules, CancellationToken ct) =>
            await schedules.SetEnabledAsync(id, true, ct) is { } s ? Results.Ok(s) : NotFound(id));

        g.MapPost("/{id}/disable", async (string id, ScheduleService schedules, CancellationToken ct) =>
            await schedules.SetEnabledAsync(id, false, ct) is { } s ? Results.Ok(s) : NotFound(id));

        // Additive: what a cadence means before saving it: {cadence, nextFires[5]}, or the 400 naming the field.
        g.MapPost("/preview", async (HttpRequest request) =>
        {
            var (body, error) = await ApiResults.ReadBody<PreviewBody>(request);
            if (error is not null) return error;
            var preview = ScheduleService.Preview(body!.IntervalSeconds, body.CronExpression, body.TimeZone);
            if (Invalid(preview.Errors) is { } invalid) return invalid;
            return Results.Ok(new { cadence = preview.Cadence, nextFires = preview.NextFires });
        });

        return api;
    }

    private static IResult NotFound(string id) => ApiResults.NotFound($"No schedule '{id}'.");

    /// <summary>
    /// The 400 for bad values: <c>field</c> and <c>detail</c> name the first, <c>errors</c> lists every one as
    /// <c>{field, detail}</c> (as for connections). Null when there are none.
    /// </summary>
    private static IResult? Invalid(IReadOnlyList<ScheduleFieldError> errors)
    {
        if (errors.Count == 0) return null;
        return Results.Problem(detail: errors[0].Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
            extensions: new Dictionary<string, object?>
            {
                ["field"] = errors[0].Field,
                ["errors"] = errors.Select(e => new { field = e.Field, detail = e.Message }).ToList(),
            });
    }

    private sealed record PreviewBody(int? IntervalSeconds, string? CronExpression, string? TimeZone);
}
