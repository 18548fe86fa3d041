using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Core.Automation;
using BetterDb.Testing;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Automation;

/// <summary>The schedule object of API.md as a client reads it.</summary>
public sealed record ScheduleDto
{
    public string Id { get; init; } = "";
    public string ConnectionId { get; init; } = "";
    public int? IntervalSeconds { get; init; }
    public string? CronExpression { get; init; }
    public string TimeZone { get; init; } = "";
    public long DurationMs { get; init; }
    public long? ByteCap { get; init; }
    public long? LineCap { get; init; }
    public bool Enabled { get; init; }
    public string? CreatedBy { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? LastFiredAt { get; init; }
    public string? LastSessionId { get; init; }
    public DateTime? LastSkippedAt { get; init; }
    public string? LastSkipReason { get; init; }
    public DateTime? NextFireAt { get; init; }
    public List<DateTime> NextFires { get; init; } = [];
    public string Cadence { get; init; } = "";
    public string Description { get; init; } = "";
    public string JobKind { get; init; } = "";
}

/// <summary>A session as the schedule tests read it (with <c>scheduleId</c>).</summary>
public sealed record ScheduledSessionDto
{
    public string Id { get; init; } = "";
    public string Status { get; init; } = "";
    public string Source { get; init; } = "";
    public string? ScheduleId { get; init; }
    public string? TerminationReason { get; init; }
    public DateTime StartedAt { get; init; }
    public long DurationMs { get; init; }
}

/// <summary>Calls <c>/api/monitor/schedules</c> and looks at the app's Hangfire jobs.</summary>
public sealed class ScheduleClient(HttpClient http, IServiceProvider services)
{
    public HttpClient Http => http;

    public async Task<ScheduleDto> CreateAsync(object body)
    {
        using var response = await http.PostAsJsonAsync("/api/monitor/schedules", body, BetterDbApi.Json);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
        var created = await Read(response);
        Assert.Equal($"/api/monitor/schedules/{created.Id}", response.Headers.Location?.OriginalString);
        return created;
    }

    public async Task<ScheduleDto> GetAsync(string id)
    {
        using var response = await http.GetAsync($"/api/monitor/schedules/{id}");
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        return await Read(response);
    }

    public async Task<List<ScheduleDto>> ListAsync(string query = "")
    {
        using var response = await http.GetAsync("/api/monitor/schedules" + query);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<List<ScheduleDto>>(BetterDbApi.Json))!;
    }

    public async Task<ScheduleDto> PutAsync(string id, object body)
    {
        using var response = await http.PutAsJsonAsync($"/api/monitor/schedules/{id}", body, BetterDbApi.Json);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        return await Read(response);
    }

    public async Task<ScheduleDto> SwitchAsync(string id, bool enable)
    {
        using var response = await http.PostAsync($"/api/monitor/schedules/{id}/{(enable ? "enable" : "disable")}", null);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        return await Read(response);
    }

    /// <summary>Sessions of a schedule through the list's filters (<c>scheduleId</c>, <c>source</c>), newest first.</summary>
    public async Task<List<ScheduledSessionDto>> SessionsAsync(string scheduleId, string? source = "schedule")
    {
        var url = $"/api/monitor/sessions?scheduleId={scheduleId}&limit=1000" + (source is null ? "" : $"&source={source}");
        return (await http.GetFromJsonAsync<List<ScheduledSessionDto>>(url, BetterDbApi.Json))!;
    }

    /// <summary>Posts a body expected to be refused: the 400's <c>field</c> and <c>detail</c>.</summary>
    public async Task<(HttpStatusCode Status, string? Field, string Detail)> RefusedAsync(HttpMethod method, string url, string json)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode >= HttpStatusCode.BadRequest, $"{method} {url} {json} answered {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        var field = doc.RootElement.TryGetProperty("field", out var f) ? f.GetString() : null;
        return (response.StatusCode, field, doc.RootElement.GetProperty("detail").GetString() ?? "");
    }

    public RecurringJobDto? RecurringJob(string scheduleId)
    {
        using var connection = services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs().FirstOrDefault(j => j.Id == ScheduleJobs.RecurringId(scheduleId));
    }

    /// <summary>The Hangfire state of a job (Scheduled, Enqueued, Succeeded, Deleted...).</summary>
    public string? JobState(string jobId)
    {
        using var connection = services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetJobData(jobId)?.State;
    }

    private static async Task<ScheduleDto> Read(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<ScheduleDto>(BetterDbApi.Json))!;
}
