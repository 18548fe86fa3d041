using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Integration;

/// <summary>How captures end, over HTTP against a real redis-server: caps, stop, failures, conflicts, deletion.</summary>
[Collection(CaptureLifecycleCollection.Name)]
public sealed class CaptureLifecycleTests(RedisAppFixture fx) : IAsyncLifetime
{
    private readonly string _tag = "t" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => RedisProbe.WaitForNoMonitorAsync(fx.Client);

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task SendSetsAsync(int count, int valueBytes = 10)
    {
        var db = fx.Client.GetDatabase();
        var value = new string('v', valueBytes);
        var batch = db.CreateBatch();
        var sets = Enumerable.Range(0, count).Select(i => batch.StringSetAsync($"{_tag}:{i}", value)).ToArray();
        batch.Execute();
        await Task.WhenAll(sets);
    }

    [Fact]
    public async Task Stop_ends_completed_manual_stop_and_a_second_stop_changes_nothing()
    {
        var session = await fx.Api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await SendSetsAsync(10);
        await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Count(l => l.Args.FirstOrDefault()?.StartsWith(_tag) == true) == 10, "10 lines");

        var stopped = await fx.Api.StopAsync(session.Id);
        Assert.Equal(("completed", "manual_stop"), (stopped.Status, stopped.TerminationReason));
        Assert.NotNull(stopped.EndedAt);
        Assert.True(stopped.EndedAt >= stopped.StartedAt);
        Assert.True(stopped.LineCount >= 10);
        Assert.Equal(60_000, stopped.DurationMs);
        Assert.Equal("manual", stopped.Source);
        Assert.Equal("tests", stopped.RequestedBy);

        var again = await fx.Api.StopAsync(session.Id);
        Assert.Equal(stopped, again);
        Assert.Equal(stopped, await fx.Api.GetSessionAsync(session.Id));
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
    }

    [Fact]
    public async Task Duration_cap_ends_completed_duration_cap()
    {
        var session = await fx.Api.StartCaptureAsync(durationMs: 1_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await SendSetsAsync(5);
        var final = await fx.Api.WaitForEndAsync(session.Id, TimeSpan.FromSeconds(20));
        Assert.Equal(("completed", "duration_cap"), (final.Status, final.TerminationReason));
        Assert.True(final.EndedAt - final.StartedAt >= TimeSpan.FromSeconds(1), $"ended after {final.EndedAt - final.StartedAt}");
        var lines = await fx.Api.ReadAllLinesAsync(session.Id);
        Assert.Equal(final.LineCount, lines.Count);
        Assert.Equal(5, lines.Count(l => l.Args.FirstOrDefault()?.StartsWith(_tag) == true));
    }

    [Fact]
    public async Task Line_cap_ends_truncated_with_exactly_that_many_lines()
    {
        var session = await fx.Api.StartCaptureAsync(durationMs: 60_000, lineCap: 50);
        Assert.Equal(50, session.LineCap);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await SendSetsAsync(500);
        var final = await fx.Api.WaitForEndAsync(session.Id);
        Assert.Equal(("truncated", "line_cap"), (final.Status, final.TerminationReason));
        Assert.Equal(50, final.LineCount);
        var lines = await fx.Api.ReadAllLinesAsync(session.Id);
        Assert.Equal(50, lines.Count);
        Assert.Equal(final.ByteCount, lines.Sum(l => Encoding.UTF8.GetByteCount(l.Raw) + 1));
    }

    [Fact]
    public async Task Byte_cap_ends_truncated_without_exceeding_the_cap()
    {
        const long cap = 5_000;
        var session = await fx.Api.StartCaptureAsync(durationMs: 60_000, byteCap: cap);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await SendSetsAsync(500, valueBytes: 40);
        var final = await fx.Api.WaitForEndAsync(session.Id);
        Assert.Equal(("truncated", "byte_cap"), (final.Status, final.TerminationReason));
        Assert.InRange(final.ByteCount, cap - 200, cap);
        var lines = await fx.Api.ReadAllLinesAsync(session.Id);
        Assert.Equal(final.LineCount, lines.Count);
        Assert.Equal(final.ByteCount, lines.Sum(l => Encoding.UTF8.GetByteCount(l.Raw) + 1));
        Assert.Equal(final.ByteCount, (await fx.Api.ExportTextAsync(session.Id)).Length);
    }

    [Fact]
    public async Task A_second_capture_on_the_same_connection_is_a_409_naming_the_running_one()
    {
        var first = await fx.Api.StartCaptureAsync(durationMs: 60_000);
        try
        {
            using var response = await fx.Api.PostJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 5_000 });
            await BetterDbApi.ExpectAsync(response, HttpStatusCode.Conflict);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(409, problem.RootElement.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
            Assert.Equal(first.Id, problem.RootElement.GetProperty("runningSessionId").GetString());

            // Deleting the connection is refused too while it captures.
            var other = await fx.Api.CreateConnectionAsync("busy-" + _tag, fx.Server.Port);
            var busy = await fx.Api.StartCaptureAsync(other.Id, durationMs: 60_000);
            using (var delete = await fx.Http.DeleteAsync($"/api/connections/{other.Id}"))
                await BetterDbApi.ExpectAsync(delete, HttpStatusCode.Conflict);
            await fx.Api.StopAsync(busy.Id);
            using (var delete = await fx.Http.DeleteAsync($"/api/connections/{other.Id}"))
                await BetterDbApi.ExpectAsync(delete, HttpStatusCode.NoContent);
        }
        finally
        {
            await fx.Api.StopAsync(first.Id);
        }

        // Once it ended, the connection is free again.
        var next = await fx.Api.StartCaptureAsync(durationMs: 60_000);
        var stopped = await fx.Api.StopAsync(next.Id);
        Assert.Equal("completed", stopped.Status);
    }

    [Fact]
    public async Task Delete_removes_the_session_and_every_stored_chunk()
    {
        var session = await fx.Api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        await SendSetsAsync(100);
        await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Count >= 100, "100 stored lines");
        var chunks = fx.App.Services.GetRequiredService<IChunkStore>();
        Assert.NotEmpty(await chunks.ReadAsync(session.Id).ToListAsync());

        // Deleting a running session stops it first.
        using (var delete = await fx.Http.DeleteAsync($"/api/monitor/sessions/{session.Id}"))
            await BetterDbApi.ExpectAsync(delete, HttpStatusCode.NoContent);

        using (var get = await fx.Http.GetAsync($"/api/monitor/sessions/{session.Id}"))
            await BetterDbApi.ExpectAsync(get, HttpStatusCode.NotFound);
        using (var lines = await fx.Http.GetAsync($"/api/monitor/sessions/{session.Id}/lines"))
            await BetterDbApi.ExpectAsync(lines, HttpStatusCode.NotFound);
        using (var again = await fx.Http.DeleteAsync($"/api/monitor/sessions/{session.Id}"))
            await BetterDbApi.ExpectAsync(again, HttpStatusCode.NotFound);
        Assert.Empty(await chunks.ReadAsync(session.Id).ToListAsync());
        var list = await fx.Http.GetFromJsonAsync<List<SessionDto>>("/api/monitor/sessions?limit=1000", BetterDbApi.Json);
        Assert.DoesNotContain(list!, s => s.Id == session.Id);
        await RedisProbe.WaitForNoMonitorAsync(fx.Client);
    }

    [Fact]
    public async Task A_user_without_the_monitor_permission_ends_failed_monitor_open_failed_NOPERM()
    {
        var user = "nomon" + _tag;
        await fx.Client.GetDatabase().ExecuteAsync("ACL", "SETUSER", user, "on", ">pw-" + _tag, "~*", "+@all", "-monitor");
        var connection = await fx.Api.CreateConnectionAsync("nomon-" + _tag, fx.Server.Port, user, "pw-" + _tag);

        var session = await fx.Api.StartCaptureAsync(connection.Id, durationMs: 5_000);
        var final = await fx.Api.WaitForEndAsync(session.Id);
        Assert.Equal("failed", final.Status);
        Assert.StartsWith("monitor_open_failed: NOPERM", final.TerminationReason);
        Assert.Contains("monitor", final.TerminationReason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, final.LineCount);
        Assert.DoesNotContain("pw-" + _tag, final.TerminationReason);
    }

    [Fact]
    public async Task A_wrong_password_ends_failed_monitor_open_failed_WRONGPASS()
    {
        var user = "mon" + _tag;
        await fx.Client.GetDatabase().ExecuteAsync("ACL", "SETUSER", user, "on", ">right-" + _tag, "~*", "+@all");
        var connection = await fx.Api.CreateConnectionAsync("wrongpass-" + _tag, fx.Server.Port, user, "wrong-" + _tag);

        var session = await fx.Api.StartCaptureAsync(connection.Id, durationMs: 5_000);
        var final = await fx.Api.WaitForEndAsync(session.Id);
        Assert.Equal("failed", final.Status);
        Assert.StartsWith("monitor_open_failed: WRONGPASS", final.TerminationReason);
        Assert.DoesNotContain("wrong-" + _tag, final.TerminationReason);

        // The same user with the right password captures.
        var good = await fx.Api.CreateConnectionAsync("rightpass-" + _tag, fx.Server.Port, user, "right-" + _tag);
        var ok = await fx.Api.StartCaptureAsync(good.Id, durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        Assert.Equal("completed", (await fx.Api.StopAsync(ok.Id)).Status);
    }

    [Fact]
    public async Task An_unreachable_port_ends_failed_monitor_open_failed_with_the_refusal()
    {
        var port = RedisServer.FreePort(); // nothing listens there
        var connection = await fx.Api.CreateConnectionAsync("unreachable-" + _tag, port);
        var session = await fx.Api.StartCaptureAsync(connection.Id, durationMs: 5_000);
        var final = await fx.Api.WaitForEndAsync(session.Id);
        Assert.Equal("failed", final.Status);
        Assert.StartsWith("monitor_open_failed: ", final.TerminationReason);
        Assert.Contains("refused", final.TerminationReason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($":{port}", final.TerminationReason);
    }

    [Fact]
    public async Task The_server_dying_mid_capture_ends_failed_source_error_and_keeps_what_was_received()
    {
        await using var doomed = await RedisServer.StartAsync(TimeSpan.FromMinutes(5));
        using var client = RedisFixture.Connect(doomed);
        var connection = await fx.Api.CreateConnectionAsync("doomed-" + _tag, doomed.Port);
        var session = await fx.Api.StartCaptureAsync(connection.Id, durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(client);

        var db = client.GetDatabase();
        for (var i = 0; i < 50; i++) await db.StringSetAsync($"{_tag}:{i}", i);
        await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Count(l => l.Args.FirstOrDefault()?.StartsWith(_tag) == true) == 50, "50 lines stored");

        doomed.Kill();
        var final = await fx.Api.WaitForEndAsync(session.Id);
        Assert.Equal("failed", final.Status);
        Assert.StartsWith("source_error: ", final.TerminationReason);
        Assert.True(final.TerminationReason!.Length > "source_error: ".Length, "the reason carries the error text");

        var lines = await fx.Api.ReadAllLinesAsync(session.Id);
        Assert.Equal(final.LineCount, lines.Count);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"{_tag}:{i}"),
            lines.Where(l => l.Cmd == "SET" && l.Args[0].StartsWith(_tag)).Select(l => l.Args[0]));
    }
    [Fact]
    public async Task Concurrent_starts_on_one_connection_let_exactly_one_capture_run()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            fx.Api.PostJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 60_000 })));
        try
        {
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
            Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        }
        finally
        {
            foreach (var r in responses.Where(r => r.StatusCode == HttpStatusCode.Created))
                await fx.Api.StopAsync((await r.Content.ReadFromJsonAsync<SessionDto>(BetterDbApi.Json))!.Id);
            foreach (var r in responses) r.Dispose();
        }
        var running = await fx.Http.GetFromJsonAsync<List<SessionDto>>("/api/monitor/sessions?status=running", BetterDbApi.Json);
        Assert.Empty(running!);
    }

    [Fact]
    public async Task The_monitor_connection_is_named_and_the_counters_are_live_while_running()
    {
        var session = await fx.Api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var clients = (string?)await fx.Client.GetDatabase().ExecuteAsync("CLIENT", "LIST") ?? "";
        var monitor = Assert.Single(clients.Split('\n'), l => l.Contains(" name=betterdb-monitor "));
        Assert.Contains(" flags=O ", monitor);

        await SendSetsAsync(30);
        var live = await Poll.UntilAsync(() => fx.Api.GetSessionAsync(session.Id), s => s.LineCount >= 30, "live line count");
        Assert.Equal("running", live.Status);
        Assert.True(live.ByteCount > 30 * 20);
        Assert.Null(live.EndedAt);
        Assert.Null(live.TerminationReason);
        var listed = await fx.Http.GetFromJsonAsync<List<SessionDto>>("/api/monitor/sessions?status=running", BetterDbApi.Json);
        Assert.True(Assert.Single(listed!).LineCount >= 30, "the list shows live counters too");

        var final = await fx.Api.StopAsync(session.Id);
        Assert.True(final.LineCount >= 30);
        Assert.Equal(final.LineCount, (await fx.Api.ReadAllLinesAsync(session.Id)).Count);
    }

    [Fact]
    public async Task A_value_larger_than_the_byte_cap_ends_truncated_and_keeps_the_lines_before_it()
    {
        const long cap = 64 * 1024;
        var session = await fx.Api.StartCaptureAsync(durationMs: 60_000, byteCap: cap);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var db = fx.Client.GetDatabase();
        for (var i = 0; i < 5; i++) await db.StringSetAsync($"{_tag}:small{i}", "x");
        await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Count(l => l.Args.FirstOrDefault()?.StartsWith($"{_tag}:small") == true) == 5, "the small lines");
        await db.StringSetAsync($"{_tag}:huge", new string('h', 1024 * 1024));

        var final = await fx.Api.WaitForEndAsync(session.Id);
        Assert.Equal(("truncated", "byte_cap"), (final.Status, final.TerminationReason));
        Assert.True(final.ByteCount <= cap);
        var lines = await fx.Api.ReadAllLinesAsync(session.Id);
        Assert.Equal(5, lines.Count(l => l.Args.FirstOrDefault()?.StartsWith($"{_tag}:small") == true));
        Assert.DoesNotContain(lines, l => l.Args.FirstOrDefault() == $"{_tag}:huge");
    }

    [Fact]
    public async Task Stopping_a_capture_whose_server_never_answers_is_prompt()
    {
        // Accepts the TCP connection and never says a word, like a hung proxy.
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = silent.AcceptSocketAsync();
        var connection = await fx.Api.CreateConnectionAsync("silent-" + _tag, port);
        var session = await fx.Api.StartCaptureAsync(connection.Id, durationMs: 60_000);
        using var socket = await accepted.WaitAsync(TimeSpan.FromSeconds(10));

        var sw = System.Diagnostics.Stopwatch.StartNew();
        var stopped = await fx.Api.StopAsync(session.Id);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"stop took {sw.Elapsed}");
        Assert.Equal(("completed", "manual_stop"), (stopped.Status, stopped.TerminationReason));
        Assert.Equal(0, stopped.LineCount);
    }
    [Fact]
    public async Task A_server_with_a_password_needs_it_and_accepts_it_without_a_user_name()
    {
        var password = "pw-" + _tag;
        await using var locked = await RedisServer.StartAsync(TimeSpan.FromMinutes(5), "--requirepass", password);
        var without = await fx.Api.CreateConnectionAsync("nopass-" + _tag, locked.Port);
        var failed = await fx.Api.WaitForEndAsync((await fx.Api.StartCaptureAsync(without.Id, durationMs: 5_000)).Id);
        Assert.Equal("failed", failed.Status);
        Assert.StartsWith("monitor_open_failed: NOAUTH", failed.TerminationReason);

        var with = await fx.Api.CreateConnectionAsync("pass-" + _tag, locked.Port, username: null, password: password);
        var session = await fx.Api.StartCaptureAsync(with.Id, durationMs: 60_000);
        using var client = StackExchange.Redis.ConnectionMultiplexer.Connect($"127.0.0.1:{locked.Port},password={password},allowAdmin=true");
        await RedisProbe.WaitForMonitorAsync(client);
        await client.GetDatabase().StringSetAsync($"{_tag}:locked", "1");
        await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Any(l => l.Args.FirstOrDefault() == $"{_tag}:locked"), "the line");
        Assert.Equal(("completed", "manual_stop"), ((await fx.Api.StopAsync(session.Id)).Status, (await fx.Api.GetSessionAsync(session.Id)).TerminationReason));
    }
}
