using System.Net;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Integration;

/// <summary>Racing starts on one connection (issue 9, item 9): one 201, and every 409 names the running session.</summary>
[Collection(CaptureLifecycleCollection.Name)]
public sealed class StartRaceTests(RedisAppFixture fx) : IAsyncLifetime
{
    private readonly string _tag = "race" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => RedisProbe.WaitForNoMonitorAsync(fx.Client);

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(HttpStatusCode Status, string? Id, string? RunningSessionId)> StartAsync(string connectionId, long durationMs)
    {
        using var response = await fx.Api.PostJsonAsync("/api/monitor/sessions", new { connectionId, durationMs });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return response.StatusCode switch
        {
            HttpStatusCode.Created => (response.StatusCode, body.GetProperty("id").GetString(), null),
            HttpStatusCode.Conflict => (response.StatusCode, null,
                body.TryGetProperty("runningSessionId", out var running) ? running.GetString() : null),
            _ => throw new Xunit.Sdk.XunitException($"unexpected {(int)response.StatusCode}: {body}"),
        };
    }

    [Fact]
    public async Task Twenty_racing_starts_give_one_201_and_409s_that_name_it()
    {
        var connection = await fx.Api.CreateConnectionAsync(_tag, fx.Server.Port);
        for (var round = 0; round < 3; round++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => StartAsync(connection.Id, 60_000))));
            var created = Assert.Single(answers, a => a.Status == HttpStatusCode.Created);
            try
            {
                Assert.All(answers.Where(a => a.Status == HttpStatusCode.Conflict), a => Assert.Equal(created.Id, a.RunningSessionId));
            }
            finally
            {
                await fx.Api.StopAsync(created.Id!);
            }
        }
    }

    [Fact]
    public async Task A_start_racing_the_end_of_a_capture_is_a_201_or_a_409_naming_it()
    {
        var connection = await fx.Api.CreateConnectionAsync(_tag + "-end", fx.Server.Port);
        var first = await StartAsync(connection.Id, 1_000);
        Assert.Equal(HttpStatusCode.Created, first.Status);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        (HttpStatusCode Status, string? Id, string? RunningSessionId) next;
        do
        {
            next = await StartAsync(connection.Id, 60_000);
            if (next.Status == HttpStatusCode.Conflict) Assert.Equal(first.Id, next.RunningSessionId);
        } while (next.Status == HttpStatusCode.Conflict && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.Created, next.Status);
        await fx.Api.StopAsync(next.Id!);
    }
}
