using System.Net.Http.Json;
using System.Text;
using BetterDb.Core.Lines;
using BetterDb.Testing;
using StackExchange.Redis;

namespace BetterDb.Tests.Integration;

/// <summary>
/// A capture over HTTP against a real redis-server sees exactly what real clients sent.
/// Each test tags its keys, so the client library's own traffic (INFO, ECHO...) never matters.
/// </summary>
[Collection(CaptureContentCollection.Name)]
public sealed class CaptureContentTests(RedisAppFixture fx) : IAsyncLifetime
{
    private readonly string _tag = "t" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => RedisProbe.WaitForNoMonitorAsync(fx.Client);

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// Starts a capture, waits until MONITOR is on, runs the traffic, then a sentinel SET; stops once
    /// the sentinel is stored (so everything before it is), and returns every stored line.
    /// </summary>
    private async Task<List<LineDto>> CaptureAsync(Func<Task> traffic)
    {
        var session = await fx.Api.StartCaptureAsync(durationMs: 120_000);
        Assert.Equal("running", session.Status);
        await RedisProbe.WaitForMonitorAsync(fx.Client);

        await traffic();
        var sentinel = $"{_tag}:end";
        await fx.Client.GetDatabase().StringSetAsync(sentinel, "1");
        await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Any(l => l.Cmd == "SET" && l.Args.FirstOrDefault() == sentinel),
            "the sentinel line to be stored", TimeSpan.FromSeconds(30));

        var final = await fx.Api.StopAsync(session.Id);
        Assert.Equal(("completed", "manual_stop"), (final.Status, final.TerminationReason));
        var lines = await fx.Api.ReadAllLinesAsync(session.Id);
        Assert.Equal(final.LineCount, lines.Count);
        Assert.Equal(final.ByteCount, lines.Sum(l => (l.RawBytes ?? Encoding.UTF8.GetByteCount(l.Raw)) + 1));
        return lines;
    }

    private List<LineDto> Tagged(IEnumerable<LineDto> lines) =>
        lines.Where(l => l.Args.Length > 0 && l.Args[0].StartsWith(_tag + ":", StringComparison.Ordinal) && l.Args[0] != $"{_tag}:end").ToList();

    [Fact]
    public async Task Sees_exactly_the_commands_a_client_sent_and_nothing_else_from_it()
    {
        await using var client = await RawRedisClient.ConnectAsync(fx.Server, fx.Client);
        string[][] commands =
        [
            ["SET", $"{_tag}:a", "hello world"],
            ["GET", $"{_tag}:a"],
            ["HSET", $"{_tag}:h", "f1", "v1", "f2", "v \"quoted\" \\ back"],
            ["MSET", $"{_tag}:m1", "1", $"{_tag}:m2", "2"],
            ["INCRBY", $"{_tag}:n", "42"],
            ["EXPIRE", $"{_tag}:a", "100"],
            ["SET", $"{_tag}:utf8", "héllo ☃"],
            ["SET", $"{_tag}:empty", ""],
            ["LPUSH", $"{_tag}:l", "x", "y", "z"],
            ["DEL", $"{_tag}:a", $"{_tag}:h"],
            ["NOSUCHCOMMAND", "x"], // rejected before it runs: never fed to MONITOR
        ];
        var lines = await CaptureAsync(() => client.PipelineAsync(commands));

        var mine = lines.Where(l => l.Addr == client.Address).ToList();
        Assert.Equal(commands.Length - 1, mine.Count);
        for (var i = 0; i < mine.Count; i++)
        {
            Assert.Equal(commands[i][0], mine[i].Cmd);
            Assert.Equal(commands[i][1..], mine[i].Args);
            Assert.Equal(0, mine[i].Db);
            Assert.Matches(@"^\d+\.\d{6}$", mine[i].TsRaw);
            Assert.Equal(long.Parse(mine[i].TsRaw!.Replace(".", "")) / 1000, mine[i].Ts);
        }
        Assert.Equal([$"{_tag}:m1", $"{_tag}:m2"], mine[3].Keys);
        Assert.Equal([$"{_tag}:a", $"{_tag}:h"], mine[9].Keys);
        Assert.Contains("\"v \\\"quoted\\\" \\\\ back\"", mine[2].Raw);
    }

    [Fact]
    public async Task Binary_values_with_every_byte_come_back_exactly()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var reversed = all.Reverse().ToArray();
        var lines = await CaptureAsync(async () =>
        {
            var db = fx.Client.GetDatabase();
            await db.StringSetAsync($"{_tag}:bin", all);
            await db.StringSetAsync($"{_tag}:rev", reversed);
            RedisKey binaryKey = (byte[])[.. Encoding.ASCII.GetBytes(_tag + ":"), 0x00, 0xff, 0x0a];
            await db.StringSetAsync(binaryKey, "binary key");
        });

        var bin = Assert.Single(lines, l => l.Cmd == "SET" && l.Args[0] == $"{_tag}:bin");
        // Not valid UTF-8, so the argument keeps the escaped form Redis sent.
        Assert.Equal(all, SdsRepr.Unescape(Encoding.ASCII.GetBytes(bin.Args[1])));
        Assert.StartsWith("\\x00\\x01\\x02", bin.Args[1]);
        // The raw line decodes to the same bytes.
        Assert.True(MonitorLineParser.TryParse(Encoding.ASCII.GetBytes(bin.Raw), out var view));
        var e = view.EnumerateArgs();
        e.MoveNext();
        e.MoveNext();
        e.MoveNext();
        Assert.Equal(all, SdsRepr.Unescape(e.Current));

        var rev = Assert.Single(lines, l => l.Cmd == "SET" && l.Args[0] == $"{_tag}:rev");
        Assert.Equal(reversed, SdsRepr.Unescape(Encoding.ASCII.GetBytes(rev.Args[1])));

        var binaryKey = Assert.Single(lines, l => l.Cmd == "SET" && l.Args[1] == "binary key");
        Assert.Equal($"{_tag}:\\x00\\xff\\n", binaryKey.Args[0]);
    }

    [Fact]
    public async Task A_one_megabyte_value_is_one_whole_line()
    {
        var value = string.Create(1024 * 1024, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = (char)('a' + i % 26);
        });
        var lines = await CaptureAsync(() => fx.Client.GetDatabase().StringSetAsync($"{_tag}:big", value));
        var big = Assert.Single(lines, l => l.Cmd == "SET" && l.Args.FirstOrDefault() == $"{_tag}:big");
        // The line object shows the value's start and says how long it is; the txt export has every byte.
        Assert.True(big.Truncated);
        Assert.Equal(value.Length, big.ArgLengths![1]);
        Assert.StartsWith(big.Args[1].TrimEnd('…'), value);
        var sessionId = (await fx.Api.Http.GetFromJsonAsync<List<SessionDto>>("/api/monitor/sessions?limit=1"))![0].Id;
        var txt = await fx.Api.ExportTextAsync(sessionId);
        Assert.Contains($"\"{_tag}:big\" \"{value}\"", txt);
    }

    [Fact]
    public async Task A_transaction_shows_multi_its_commands_and_exec_in_order()
    {
        var lines = await CaptureAsync(async () =>
        {
            var tran = fx.Client.GetDatabase().CreateTransaction();
            _ = tran.StringSetAsync($"{_tag}:a", "1");
            _ = tran.StringIncrementAsync($"{_tag}:n");
            _ = tran.ListLeftPushAsync($"{_tag}:l", "x");
            Assert.True(await tran.ExecuteAsync());
        });

        var set = Assert.Single(lines, l => l.Cmd == "SET" && l.Args[0] == $"{_tag}:a");
        var fromClient = lines.Where(l => l.Addr == set.Addr && l.Cmd is "MULTI" or "EXEC" or "SET" or "INCR" or "LPUSH").ToList();
        var i = fromClient.IndexOf(set);
        Assert.True(i >= 1, "MULTI comes before the first queued command");
        Assert.Equal(["MULTI", "SET", "INCR", "LPUSH", "EXEC"], fromClient.Skip(i - 1).Take(5).Select(l => l.Cmd));
        Assert.Equal([$"{_tag}:a", $"{_tag}:n", $"{_tag}:l"], fromClient.Skip(i).Take(3).Select(l => l.Args[0]));
        // Stored in capture order: the five lines are consecutive for this client.
        var all = lines.Where(l => l.Addr == set.Addr).ToList();
        var start = all.IndexOf(fromClient[i - 1]);
        Assert.Equal(["MULTI", "SET", "INCR", "LPUSH", "EXEC"], all.Skip(start).Take(5).Select(l => l.Cmd));
    }

    [Fact]
    public async Task A_script_shows_the_eval_line_then_its_lua_lines()
    {
        const string script = "redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])";
        var lines = await CaptureAsync(() =>
            fx.Client.GetDatabase().ExecuteAsync("EVAL", script, 1, $"{_tag}:lua", "from-lua"));

        var eval = Assert.Single(lines, l => l.Cmd == "EVAL");
        Assert.Equal([script, "1", $"{_tag}:lua", "from-lua"], eval.Args);
        Assert.Equal([$"{_tag}:lua"], eval.Keys);
        var at = lines.IndexOf(eval);
        var lua = lines.Skip(at + 1).Take(2).ToList();
        Assert.All(lua, l =>
        {
            Assert.Equal("lua", l.Addr);
            Assert.Contains(" [0 lua] ", l.Raw);
        });
        Assert.Equal(["SET", "GET"], lua.Select(l => l.Cmd));
        Assert.Equal([$"{_tag}:lua", "from-lua"], lua[0].Args);
        Assert.Equal([$"{_tag}:lua"], lua[0].Keys);
    }

    [Fact]
    public async Task After_SELECT_lines_show_the_new_db()
    {
        var lines = await CaptureAsync(async () =>
        {
            await fx.Client.GetDatabase(3).StringSetAsync($"{_tag}:in3", "x");
            await fx.Client.GetDatabase(5).StringSetAsync($"{_tag}:in5", "y");
            await fx.Client.GetDatabase(0).StringSetAsync($"{_tag}:in0", "z");
        });

        var in3 = Assert.Single(lines, l => l.Cmd == "SET" && l.Args[0] == $"{_tag}:in3");
        var in5 = Assert.Single(lines, l => l.Cmd == "SET" && l.Args[0] == $"{_tag}:in5");
        var in0 = Assert.Single(lines, l => l.Cmd == "SET" && l.Args[0] == $"{_tag}:in0");
        Assert.Equal((3, 5, 0), (in3.Db, in5.Db, in0.Db));

        // The SELECT right before each command is fed after it ran: it already shows the new db.
        var fromClient = lines.Where(l => l.Addr == in3.Addr).ToList();
        var select3 = fromClient[fromClient.IndexOf(in3) - 1];
        Assert.Equal(("SELECT", "3", 3), (select3.Cmd, select3.Args[0], select3.Db));
        var select5 = fromClient[fromClient.IndexOf(in5) - 1];
        Assert.Equal(("SELECT", "5", 5), (select5.Cmd, select5.Args[0], select5.Db));
    }

    [Fact]
    public async Task A_pipeline_of_5000_commands_is_captured_whole_and_in_order()
    {
        const int n = 5_000;
        var lines = await CaptureAsync(async () =>
        {
            var db = fx.Client.GetDatabase();
            var batch = db.CreateBatch();
            var sets = Enumerable.Range(0, n).Select(i => batch.StringSetAsync($"{_tag}:p:{i}", i)).ToArray();
            batch.Execute();
            await Task.WhenAll(sets);
        });

        var mine = Tagged(lines).Where(l => l.Cmd == "SET").ToList();
        Assert.Equal(n, mine.Count);
        for (var i = 0; i < n; i++)
        {
            Assert.Equal($"{_tag}:p:{i}", mine[i].Args[0]);
            Assert.Equal(i.ToString(), mine[i].Args[1]);
        }
        Assert.Single(mine.Select(l => l.Addr).Distinct());
    }

    [Fact]
    public async Task Export_txt_is_the_raw_lines()
    {
        var session = await fx.Api.StartCaptureAsync(durationMs: 60_000);
        await RedisProbe.WaitForMonitorAsync(fx.Client);
        var db = fx.Client.GetDatabase();
        for (var i = 0; i < 20; i++) await db.StringSetAsync($"{_tag}:x{i}", $"v{i}");
        await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Count(l => l.Cmd == "SET" && l.Args[0] == $"{_tag}:x19") == 1, "the last SET");
        await fx.Api.StopAsync(session.Id);

        var lines = await fx.Api.ReadAllLinesAsync(session.Id);
        var text = await fx.Api.ExportTextAsync(session.Id);
        Assert.Equal(string.Concat(lines.Select(l => l.Raw + "\n")), text);
    }
}
