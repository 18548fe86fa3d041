using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Api;

/// <summary>
/// <c>GET /api/monitor/sessions/{id}/diff?vs=</c> against the real app: two imported captures whose differences are known on
/// every axis. Before (10 s): SET and GET on <c>user:*</c> at 10/s each from one client, and DEL of <c>tmp:*</c> at 1/s from
/// another. After (5 s): SET at the same rate, GET doubled, a new HGETALL <c>session:1</c> at 5/s from a new client, bigger values.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DiffApiTests(RedisAppFixture fx)
{
    private HttpClient Http => fx.Http;

    private static string Line(long micros, string addr, params string[] args) =>
        $"{micros / 1_000_000}.{micros % 1_000_000:000000} [0 {addr}] " + string.Join(' ', args.Select(a => $"\"{a}\"")) + "\n";

    /// <summary>Keys by weight, spread evenly (round robin while each has some left).</summary>
    private static List<string> Spread(params (string Key, int Count)[] weights)
    {
        var left = weights.ToDictionary(w => w.Key, w => w.Count);
        var keys = new List<string>();
        while (left.Values.Any(n => n > 0))
            foreach (var (key, _) in weights)
                if (left[key] > 0) { keys.Add(key); left[key]--; }
        return keys;
    }

    /// <summary>Lines spread evenly from <paramref name="startSec"/> to exactly <paramref name="seconds"/> later (the capture's span).</summary>
    private static string File(long startSec, int seconds, List<(string Addr, string[] Args)> events)
    {
        var sb = new StringBuilder("OK\n");
        var span = seconds * 1_000_000L;
        for (var i = 0; i < events.Count; i++)
            sb.Append(Line(startSec * 1_000_000 + span * i / (events.Count - 1), events[i].Addr, events[i].Args));
        return sb.ToString();
    }

    private static string Before()
    {
        var value = new string('x', 100);
        var events = new List<(string, string[])>();
        var keys = Spread(("user:1", 80), ("user:2", 60), ("user:3", 40), ("user:4", 20));
        var tmp = 0;
        for (var i = 0; i < keys.Count; i++)
        {
            events.Add(("10.0.0.1:5000", i % 2 == 0 ? ["SET", keys[i], value] : ["GET", keys[i]]));
            if (i % 20 == 10) events.Add(("10.0.0.3:7000", ["DEL", $"tmp:{++tmp}"]));
        }
        Assert.Equal(210, events.Count);
        return File(1_700_000_000, 10, events);
    }

    private static string After()
    {
        var value = new string('y', 1000);
        var events = new List<(string, string[])>();
        var keys = Spread(("user:2", 70), ("user:1", 50), ("user:3", 20), ("user:4", 10));
        var hgetall = 0;
        for (var i = 0; i < keys.Count; i++)
        {
            events.Add(("10.0.0.1:5000", i % 3 == 0 ? ["SET", keys[i], value] : ["GET", keys[i]]));
            if (i % 6 == 3 && hgetall < 25) { events.Add(("10.0.0.2:6000", ["HGETALL", "session:1"])); hgetall++; }
        }
        Assert.Equal(175, events.Count);
        return File(1_700_086_400, 5, events);
    }

    private async Task<string> ImportAsync(string text)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(content, "file", "monitor.txt");
        form.Add(new StringContent("default"), "connectionId");
        using var response = await Http.PostAsync("/api/monitor/sessions/import", form);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.Created);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> DiffAsync(string url)
    {
        using var response = await Http.GetAsync(url);
        await BetterDbApi.ExpectAsync(response, HttpStatusCode.OK);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static IEnumerable<string> Strings(JsonElement array, string property) => array.EnumerateArray().Select(e => e.GetProperty(property).GetString()!);

    private static JsonElement Row(JsonElement rows, string name) => rows.EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);

    [Fact]
    public async Task Two_known_captures_differ_as_expected_on_every_axis()
    {
        var before = await ImportAsync(Before());
        var after = await ImportAsync(After());
        var d = await DiffAsync($"/api/monitor/sessions/{after}/diff?vs={before}");

        Assert.Equal((after, before), (d.GetProperty("sessionId").GetString(), d.GetProperty("vsSessionId").GetString()));
        Assert.Equal(5.0, d.GetProperty("capture").GetProperty("durationSeconds").GetDouble());
        Assert.Equal(10.0, d.GetProperty("baseline").GetProperty("durationSeconds").GetDouble());
        Assert.Equal("import", d.GetProperty("baseline").GetProperty("source").GetString());

        // Throughput: 175 lines in 5 s against 210 in 10 s.
        var t = d.GetProperty("throughput");
        Assert.Equal((35.0, 21.0, 14.0, "up"), (t.GetProperty("linesPerSec").GetDouble(), t.GetProperty("baselineLinesPerSec").GetDouble(),
            t.GetProperty("deltaPerSec").GetDouble(), t.GetProperty("change").GetString()));

        // Command mix as rates, biggest movers first: GET doubled (+10/s), HGETALL new (+5/s), DEL gone (-1/s), SET the same (10/s).
        var commands = d.GetProperty("commands").GetProperty("rows");
        Assert.Equal(["GET", "HGETALL", "DEL", "SET"], Strings(commands, "name"));
        var get = Row(commands, "GET");
        Assert.Equal((100, 20.0, 100, 10.0, 2.0, "up"), (get.GetProperty("count").GetInt64(), get.GetProperty("perSec").GetDouble(),
            get.GetProperty("baselineCount").GetInt64(), get.GetProperty("baselinePerSec").GetDouble(), get.GetProperty("ratio").GetDouble(), get.GetProperty("change").GetString()));
        Assert.Equal(("new", 5.0), (Row(commands, "HGETALL").GetProperty("change").GetString(), Row(commands, "HGETALL").GetProperty("perSec").GetDouble()));
        Assert.Equal(("vanished", 1.0), (Row(commands, "DEL").GetProperty("change").GetString(), Row(commands, "DEL").GetProperty("baselinePerSec").GetDouble()));
        Assert.Equal(("same", 10.0, 10.0), (Row(commands, "SET").GetProperty("change").GetString(), Row(commands, "SET").GetProperty("perSec").GetDouble(),
            Row(commands, "SET").GetProperty("baselinePerSec").GetDouble()));

        // Shapes: HGETALL with one key is new, DEL with one key vanished; SET:3 and GET:2 are on both sides.
        var shapes = d.GetProperty("shapes");
        Assert.Equal(["HGETALL:2"], Strings(shapes.GetProperty("new"), "shape"));
        Assert.Equal(25, shapes.GetProperty("new")[0].GetProperty("count").GetInt64());
        Assert.Equal(["DEL:2"], Strings(shapes.GetProperty("vanished"), "shape"));

        // Hot keys: session:1 enters at rank 3; user:2 rises to first, the others step down; the tmp:* keys left the top.
        var hot = d.GetProperty("hotKeys");
        var entered = Assert.Single(hot.GetProperty("newInTop").EnumerateArray());
        Assert.Equal(("session:1", 3), (entered.GetProperty("key").GetString(), entered.GetProperty("rank").GetInt32()));
        Assert.Equal([("user:2", 1, 2, 1), ("user:1", 2, 1, -1), ("user:3", 4, 3, -1), ("user:4", 5, 4, -1)],
            hot.GetProperty("rankChanges").EnumerateArray().Select(c => (c.GetProperty("key").GetString()!, c.GetProperty("rank").GetInt32(),
                c.GetProperty("baselineRank").GetInt32(), c.GetProperty("change").GetInt32())));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"tmp:{i}").Order(StringComparer.Ordinal), Strings(hot.GetProperty("leftTop"), "key").Order(StringComparer.Ordinal));

        // Prefixes: user: from 20/s to 30/s, session: new at 5/s, tmp: gone.
        var prefixes = d.GetProperty("prefixes").GetProperty("rows");
        Assert.Equal(["user:", "session:", "tmp:"], Strings(prefixes, "name"));
        Assert.Equal((30.0, 20.0, "up"), (Row(prefixes, "user:").GetProperty("perSec").GetDouble(), Row(prefixes, "user:").GetProperty("baselinePerSec").GetDouble(),
            Row(prefixes, "user:").GetProperty("change").GetString()));
        Assert.Equal("new", Row(prefixes, "session:").GetProperty("change").GetString());
        Assert.Equal("vanished", Row(prefixes, "tmp:").GetProperty("change").GetString());
        Assert.Empty(d.GetProperty("prefixes").GetProperty("lacking").EnumerateArray());

        // Clients: 10.0.0.2:6000 is new, 10.0.0.3:7000 vanished, 10.0.0.1:5000 busier; no CLIENT LIST history for 2023, said so.
        var clients = d.GetProperty("clients");
        Assert.Equal(["10.0.0.2:6000"], Strings(clients.GetProperty("new"), "addr"));
        Assert.Equal(5.0, clients.GetProperty("new")[0].GetProperty("perSec").GetDouble());
        Assert.Equal(["10.0.0.3:7000"], Strings(clients.GetProperty("vanished"), "addr"));
        var same = Assert.Single(clients.GetProperty("changed").EnumerateArray());
        Assert.Equal(("10.0.0.1:5000", 30.0, 20.0, "up"), (same.GetProperty("addr").GetString(), same.GetProperty("perSec").GetDouble(),
            same.GetProperty("baselinePerSec").GetDouble(), same.GetProperty("change").GetString()));
        Assert.Contains(Strings2(clients.GetProperty("lacking")), l => l.Contains("no CLIENT LIST snapshot was taken during this capture"));

        // Inferred time: lines 29 ms and 48 ms apart are idle gaps, not command cost: compared over every gap and flagged.
        var inferred = d.GetProperty("inferredTime");
        Assert.Equal(("all", false), (inferred.GetProperty("basis").GetString(), inferred.GetProperty("meaningful").GetBoolean()));
        var getTime = inferred.GetProperty("perCommand").EnumerateArray().Single(r => r.GetProperty("cmd").GetString() == "GET");
        Assert.True(getTime.GetProperty("medianDeltaUs").GetInt64() < 0, getTime.ToString());
        Assert.Contains("busy server", inferred.GetProperty("note").GetString());

        // Largest argument: SET values grew from 100 to 1000 bytes.
        var largest = d.GetProperty("largestArguments");
        Assert.Equal((1000, 100, 900, "up"), (largest.GetProperty("maxBytes").GetInt64(), largest.GetProperty("baselineMaxBytes").GetInt64(),
            largest.GetProperty("deltaBytes").GetInt64(), largest.GetProperty("change").GetString()));
        var set = largest.GetProperty("perCommand").EnumerateArray().Single(r => r.GetProperty("cmd").GetString() == "SET");
        Assert.Equal(900, set.GetProperty("deltaBytes").GetInt64());

        // The aggregates are stored now (analysis and shapes): the next diff reads no line.
        var again = await DiffAsync($"/api/monitor/sessions/{after}/diff?vs={before}");
        Assert.True(again.GetProperty("fromStoredAggregates").GetBoolean());

        // Swapped: the same changes, the other way round.
        var swapped = await DiffAsync($"/api/monitor/sessions/{before}/diff?vs={after}");
        Assert.Equal(["DEL:2"], Strings(swapped.GetProperty("shapes").GetProperty("new"), "shape"));
        Assert.Equal("vanished", Row(swapped.GetProperty("commands").GetProperty("rows"), "HGETALL").GetProperty("change").GetString());

        // A filtered diff compares the same slice of both (recomputed from the lines).
        var onlyGet = await DiffAsync($"/api/monitor/sessions/{after}/diff?vs={before}&command=GET");
        Assert.Equal(["GET"], Strings(onlyGet.GetProperty("commands").GetProperty("rows"), "name"));
        Assert.False(onlyGet.GetProperty("fromStoredAggregates").GetBoolean());
        Assert.Empty(onlyGet.GetProperty("shapes").GetProperty("new").EnumerateArray());
    }

    private static IEnumerable<string> Strings2(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!);

    [Fact]
    public async Task A_missing_or_self_vs_is_400_naming_vs_and_an_unknown_session_is_404()
    {
        var one = await ImportAsync(Before());
        foreach (var url in new[] { $"/api/monitor/sessions/{one}/diff", $"/api/monitor/sessions/{one}/diff?vs=", $"/api/monitor/sessions/{one}/diff?vs={one}" })
        {
            using var response = await Http.GetAsync(url);
            await BetterDbApi.ExpectAsync(response, HttpStatusCode.BadRequest);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("vs", problem.GetProperty("field").GetString());
            Assert.Contains("vs", problem.GetProperty("detail").GetString());
        }
        foreach (var (url, missing) in new[] { ($"/api/monitor/sessions/nope/diff?vs={one}", "nope"), ($"/api/monitor/sessions/{one}/diff?vs=nope", "nope") })
        {
            using var response = await Http.GetAsync(url);
            await BetterDbApi.ExpectAsync(response, HttpStatusCode.NotFound);
            Assert.Contains($"'{missing}'", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
        }
        using (var twice = await Http.GetAsync($"/api/monitor/sessions/{one}/diff?vs=a&vs=b"))
            await BetterDbApi.ExpectAsync(twice, HttpStatusCode.BadRequest);
    }
}
