using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using BetterDb.Tests.Query;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Integration;

/// <summary>A redis-server and an app whose line limit is 100 KB, so overlong lines are cheap to make.</summary>
public sealed class SmallLineLimitFixture : RedisFixture
{
    public const int LineLimit = 100_000;

    public TestApp App { get; private set; } = null!;
    public BetterDbApi Api { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        App = new TestApp(Url, settings: new Dictionary<string, string?> { ["BetterDb:Monitor:MaxLineBytes"] = LineLimit.ToString(CultureInfo.InvariantCulture) });
        Api = new BetterDbApi(App.CreateClient());
    }

    public override async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await base.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class LoseNothingCollection : ICollectionFixture<SmallLineLimitFixture>
{
    public const string Name = "lose nothing (redis + app, 100 KB line limit)";
}

/// <summary>
/// Issues 9 and 10: what a capture or an import keeps when lines are too long, timestamps out of order,
/// the app crashed, or the file had no final newline.
/// </summary>
[Collection(LoseNothingCollection.Name)]
public sealed class LoseNothingTests(SmallLineLimitFixture fx) : IAsyncLifetime
{
    private readonly string _tag = "t" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => RedisProbe.WaitForNoMonitorAsync(fx.Client);
    public Task DisposeAsync() => Task.CompletedTask;

    private static string Line(long micros, string key, string value = "v") =>
        $"{micros / 1_000_000}.{micros % 1_000_000:D6} [0 127.0.0.1:6000] \"SET\" \"{key}\" \"{value}\"";

    private async Task<JsonElement> SessionAsync(string id) => await fx.Api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}");

    [Fact]
    public async Task An_imported_line_over_the_limit_is_kept_cut_with_its_length_and_every_line_after_it_is_kept()
    {
        // Issue 9 item 1: a 9-line file whose 5th line is beyond any limit stored 4 lines and ended completed/source_ended.
        const long t0 = 1_796_155_161_000_000;
        var lines = Enumerable.Range(0, 9).Select(i => Line(t0 + i, $"{_tag}:{i}")).ToArray();
        lines[4] = Line(t0 + 4, $"{_tag}:4", new string('x', 3 * SmallLineLimitFixture.LineLimit));
        var file = Encoding.ASCII.GetBytes(string.Join('\n', lines) + "\n");

        var session = await ImportHelpers.ImportAsync(fx.Api.Http, file);
        var id = (string)session["id"]!;
        Assert.Equal(("completed", "source_ended"), ((string?)session["status"], (string?)session["terminationReason"]));
        Assert.Equal(9, (long)session["lineCount"]!);
        Assert.Equal(1, (long)session["truncatedLines"]!);
        Assert.Equal(0, (long)session["malformedCount"]!);

        var exported = (await fx.Api.ExportTextAsync(id)).Split('\n');
        Assert.Equal(10, exported.Length); // 9 lines and the final newline
        Assert.Equal(lines.Where((_, i) => i != 4), exported.Where((_, i) => i is not 4 and < 9));
        Assert.Equal(lines[4][..SmallLineLimitFixture.LineLimit] + $" [truncated by BetterDb: {lines[4].Length} bytes in all]", exported[4]);
    }

    [Fact]
    public async Task A_live_argument_over_the_limit_never_ends_the_capture()
    {
        var session = await fx.Api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var db = fx.Client.GetDatabase();
        await db.StringSetAsync($"{_tag}:before", "1");
        await db.StringSetAsync($"{_tag}:huge", new string('h', 4 * SmallLineLimitFixture.LineLimit));
        await db.StringSetAsync($"{_tag}:after", "2");
        var lines = await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Any(l => l.Args.FirstOrDefault() == $"{_tag}:after"), "the line after the huge one");
        Assert.True((await fx.Api.GetSessionAsync(session.Id)).IsRunning);
        Assert.Contains(lines, l => l.Args.FirstOrDefault() == $"{_tag}:before");
        Assert.Contains(lines, l => l.Raw.Contains($"{_tag}:huge"));

        var stopped = await fx.Api.StopAsync(session.Id);
        Assert.Equal(("completed", "manual_stop"), (stopped.Status, stopped.TerminationReason));
        Assert.Equal(1, (await SessionAsync(session.Id)).GetProperty("truncatedLines").GetInt64());
    }

    [Fact]
    public async Task Time_filters_count_exactly_on_timestamps_out_of_order()
    {
        // Issue 10 item 1: two hours of lines, the later hour first (two redis-cli files joined).
        const long hourA = 1_796_151_600_000_000, hourB = hourA + 3_600_000_000;
        var early = Enumerable.Range(0, 40_000).Select(i => Line(hourA + i * 90_000L, $"{_tag}:a:{i}"));  // 90 ms apart: one hour
        var late = Enumerable.Range(0, 40_000).Select(i => Line(hourB + i * 90_000L, $"{_tag}:b:{i}"));
        var file = Encoding.ASCII.GetBytes(string.Join('\n', late.Concat(early)) + "\n");
        var id = (string)(await ImportHelpers.ImportAsync(fx.Api.Http, file))["id"]!;

        // The first 100 s of the earlier hour: lines 0 .. 1111 (1112 lines, 90 ms apart, both ends inclusive).
        var after = hourA / 1000;
        var before = after + 100_000;
        var expected = Enumerable.Range(0, 40_000).Count(i => i * 90 <= 100_000);
        var window = $"afterTs={after}&beforeTs={before}";

        var analysis = await fx.Api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}/analysis?{window}");
        Assert.Equal(expected, analysis.GetProperty("lineCount").GetInt64());
        var page = await fx.Api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}/lines?{window}&limit=1000&offset={expected - 1}");
        Assert.Equal(1, page.GetProperty("lines").GetArrayLength());
        var csv = await fx.Api.Http.GetStringAsync($"/api/monitor/sessions/{id}/export?format=csv&{window}");
        Assert.Equal(expected + 1, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        var txt = await fx.Api.Http.GetStringAsync($"/api/monitor/sessions/{id}/export?format=txt&{window}");
        Assert.Equal(Enumerable.Range(0, expected).Select(i => $"{_tag}:a:{i}"),
            txt.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('"')[3]));
    }

    [Theory]
    [InlineData("no final newline")]
    [InlineData("CRLF, no final newline")]
    [InlineData("only one line")]
    public async Task A_txt_export_of_an_import_gives_back_the_file_byte_for_byte(string shape)
    {
        // Issue 10 item 5: the export used to add a newline the file did not have.
        const long t0 = 1_796_155_161_000_000;
        var text = shape switch
        {
            "no final newline" => $"{Line(t0, "a")}\n{Line(t0 + 1, "b")}",
            "CRLF, no final newline" => $"{Line(t0, "a")}\r\n{Line(t0 + 1, "b")}\r\nnot monitor output",
            _ => Line(t0, "a"),
        };
        var file = Encoding.ASCII.GetBytes(text);
        var id = (string)(await ImportHelpers.ImportAsync(fx.Api.Http, file))["id"]!;
        var exported = await fx.Api.Http.GetByteArrayAsync($"/api/monitor/sessions/{id}/export?format=txt");
        Assert.Equal(file, exported);
        // With the final newline it stays (the common case).
        byte[] terminated = [.. file, (byte)'\n'];
        var id2 = (string)(await ImportHelpers.ImportAsync(fx.Api.Http, terminated))["id"]!;
        var exported2 = await fx.Api.Http.GetByteArrayAsync($"/api/monitor/sessions/{id2}/export?format=txt");
        Assert.Equal(terminated, exported2);
    }
}

/// <summary>Issue 10 item 4: after a crash, a recovered session's malformed count is what its chunks hold.</summary>
[Collection(RestartCollection.Name)]
public sealed class CrashRecountTests(RedisFixture fx)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // chunks stored by a version that did not record their malformed lines
    public async Task A_session_found_running_is_recounted_from_its_chunks(bool olderChunks)
    {
        var dir = TestApp.NewDataDirectory();
        try
        {
            const string id = "crashed-session";
            await using (var app = new TestApp(fx.Url, dir))
            {
                _ = app.CreateClient();
                var contexts = app.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
                await using (var db = await contexts.CreateDbContextAsync())
                {
                    db.Sessions.Add(new SessionEntity { Id = id, Status = CaptureStatus.Running.Word(), Source = CaptureSource.Manual.Word(), StartedAt = DateTime.UtcNow });
                    await db.SaveChangesAsync();
                }
                // What a capture had stored when the process died: 5 good lines and 3 malformed ones in two chunks.
                await using (var writer = new CaptureWriter(id, null, long.MaxValue, long.MaxValue, app.Services.GetRequiredService<IChunkStore>(),
                                 settings: new CaptureWriterSettings { ChunkMaxLines = 4 }))
                {
                    foreach (var line in new[] { "1796155161.000001 [0 1.2.3.4:5] \"GET\" \"a\"", "garbage", "1796155161.000002 [0 1.2.3.4:5] \"GET\" \"b\"",
                                 "\"half", "1796155161.000003 [0 1.2.3.4:5] \"GET\" \"c\"", "1796155161.000004 [0 1.2.3.4:5] \"GET\" \"d\"", "??", "1796155161.000005 [0 1.2.3.4:5] \"GET\" \"e\"" })
                        Assert.True(writer.Append(Encoding.ASCII.GetBytes(line)));
                }
                if (olderChunks)
                    await using (var db = await contexts.CreateDbContextAsync())
                        await db.Chunks.Where(c => c.SessionId == id).ExecuteUpdateAsync(u => u
                            .SetProperty(c => c.MalformedLines, (int?)null).SetProperty(c => c.MinTsMicros, (long?)null).SetProperty(c => c.MaxTsMicros, (long?)null));
                app.KeepDataDirectory = true;
            }

            await using (var app = new TestApp(fx.Url, dir))
            {
                var api = new BetterDbApi(app.CreateClient());
                var json = await api.Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}");
                Assert.Equal("process_restart", json.GetProperty("terminationReason").GetString());
                Assert.Equal(8, json.GetProperty("lineCount").GetInt64());
                Assert.Equal(3, json.GetProperty("malformedCount").GetInt64());
                var contexts = app.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
                await using var db = await contexts.CreateDbContextAsync();
                var chunks = await db.Chunks.Where(c => c.SessionId == id).OrderBy(c => c.ChunkIndex).ToListAsync();
                Assert.Equal([(1_796_155_161_000_001L, 1_796_155_161_000_002L, 2), (1_796_155_161_000_003L, 1_796_155_161_000_005L, 1)],
                    chunks.Select(c => (c.MinTsMicros!.Value, c.MaxTsMicros!.Value, c.MalformedLines!.Value)));
            }
        }
        finally
        {
            TestApp.TryDelete(dir);
        }
    }
}

/// <summary>Issue 10 item 1 on an upgraded data directory: chunks stored before time ranges were recorded get them in the background.</summary>
[Collection(RestartCollection.Name)]
public sealed class ChunkFactsBackfillTests(RedisFixture fx)
{
    [Fact]
    public async Task Older_chunks_get_their_time_ranges_and_time_filters_stay_exact_meanwhile_and_after()
    {
        var dir = TestApp.NewDataDirectory();
        try
        {
            const long hourA = 1_796_151_600_000_000, hourB = hourA + 3_600_000_000;
            string Line(long micros, int i) => $"{micros / 1_000_000}.{micros % 1_000_000:D6} [0 127.0.0.1:6000] \"GET\" \"k:{i}\"";
            var file = Encoding.ASCII.GetBytes(string.Join('\n',
                Enumerable.Range(0, 5000).Select(i => Line(hourB + i * 1000L, i)).Concat(Enumerable.Range(0, 5000).Select(i => Line(hourA + i * 1000L, i)))) + "\n");
            string id;
            await using (var app = new TestApp(fx.Url, dir))
            {
                var http = app.CreateClient();
                app.Sessions.WriterSettings = app.Sessions.WriterSettings with { ChunkMaxLines = 100 };
                id = (string)(await ImportHelpers.ImportAsync(http, file))["id"]!;
                // What an earlier version left: chunks without their ranges.
                var contexts = app.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
                await using var db = await contexts.CreateDbContextAsync();
                await db.Chunks.ExecuteUpdateAsync(u => u.SetProperty(c => c.MinTsMicros, (long?)null).SetProperty(c => c.MaxTsMicros, (long?)null)
                    .SetProperty(c => c.MalformedLines, (int?)null));
                // Unknown ranges are opened, so the answer is exact even before the backfill.
                var window = $"afterTs={hourA / 1000}&beforeTs={hourA / 1000 + 999}";
                var before = await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}/analysis?{window}");
                Assert.Equal(1000, before.GetProperty("lineCount").GetInt64());
                app.KeepDataDirectory = true;
            }
            await using (var app = new TestApp(fx.Url, dir))
            {
                var http = app.CreateClient();
                var contexts = app.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>();
                await Poll.UntilAsync(async () =>
                {
                    await using var db = await contexts.CreateDbContextAsync();
                    return await db.Chunks.CountAsync(c => c.SessionId == id && c.MinTsMicros == null);
                }, n => n == 0, "the backfill to record every chunk's range");
                var window = $"afterTs={hourA / 1000}&beforeTs={hourA / 1000 + 999}";
                var after = await http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}/analysis?{window}");
                Assert.Equal(1000, after.GetProperty("lineCount").GetInt64());
            }
        }
        finally
        {
            TestApp.TryDelete(dir);
        }
    }
}
