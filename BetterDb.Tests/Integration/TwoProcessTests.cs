using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Integration;

/// <summary>
/// Issue 11 item 2: two app processes on one SQLite file. The database, not a lock in one process, decides
/// that a connection has one running capture; a process that dies has its captures ended by the other,
/// and a live process's captures are never touched.
/// </summary>
[Collection(RestartCollection.Name)]
// Two processes on one SQLite file; SharedPostgresTests is the PostgreSQL case.
[Trait(StorageTrait.Name, StorageTrait.SqliteOnly)]
public sealed class TwoProcessTests(RedisFixture fx) : IAsyncLifetime
{
    private readonly string _dir = TestApp.NewDataDirectory();

    public Task InitializeAsync() => RedisProbe.WaitForNoMonitorAsync(fx.Client);

    public Task DisposeAsync()
    {
        TestApp.TryDelete(_dir);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Racing_starts_from_two_processes_give_one_capture_and_a_dead_owners_capture_is_ended_by_the_survivor()
    {
        // One after the other, so the second finds the schema made.
        await using var a = await AppProcess.StartAsync(_dir, fx.Url);
        await using var b = await AppProcess.StartAsync(_dir, fx.Url);
        using var httpA = a.CreateClient();
        using var httpB = b.CreateClient();

        var body = new { connectionId = "default", durationMs = 600_000 };
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? httpA : httpB).PostAsJsonAsync("/api/monitor/sessions", body);
            return (response.StatusCode, Json: await response.Content.ReadFromJsonAsync<JsonElement>());
        }));
        var created = Assert.Single(answers, r => r.StatusCode == HttpStatusCode.Created);
        // The process that answered 201 runs the capture.
        var owner = Array.IndexOf(answers, created) % 2 == 0 ? a : b;
        var id = created.Json.GetProperty("id").GetString()!;
        Assert.All(answers.Where(r => r.StatusCode != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            Assert.Equal(id, r.Json.GetProperty("runningSessionId").GetString());
        });
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        Assert.Equal(1, await RedisProbe.MonitorClientsAsync(fx.Client));

        var survivor = owner == a ? b : a;
        using var survivorHttp = survivor.CreateClient();

        // The other process sees the session, and leaves a live owner's capture alone (past a heartbeat or two).
        await Task.Delay(TimeSpan.FromSeconds(7));
        var seen = await survivorHttp.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}");
        Assert.Equal("running", seen.GetProperty("status").GetString());

        owner.Kill();
        var ended = await Poll.UntilAsync(() => survivorHttp.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}"),
            s => s.GetProperty("status").GetString() != "running", "the survivor to end the dead owner's capture", TimeSpan.FromSeconds(30));
        Assert.Equal("interrupted", ended.GetProperty("status").GetString());
        Assert.Equal("process_restart", ended.GetProperty("terminationReason").GetString());

        // The connection is free again, from the survivor.
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
        using var next = await survivorHttp.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 1_000 });
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
    }
}
