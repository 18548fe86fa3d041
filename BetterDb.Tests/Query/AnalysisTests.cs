using BetterDb.Core.Capture;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BetterDb.Core.Analysis;
using BetterDb.Core.Connections;
using BetterDb.Core.Lines;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static BetterDb.Tests.Query.ImportHelpers;

namespace BetterDb.Tests.Query;

/// <summary>
/// The analysis of a crafted capture whose right answers are known, through <c>GET /analysis</c> with and without
/// filters. The expected figures are computed here from the generated lines, independently of the accumulator.
/// </summary>
[Collection(QueryAppCollection.Name)]
public sealed class AnalysisTests(QueryAppFixture fx)
{
    private HttpClient Http => fx.Http;

    /// <summary>A well-formed line of the crafted capture; <see cref="Gap"/> is the time to the next one (null for the last).</summary>
    private sealed record Line(string Raw, long TsMicros, int Db, string Addr, string Verb, string[] Keys, long? Gap)
    {
        public long Ms => TsMicros / 1000;
    }

    private sealed record Capture(byte[] File, List<Line> Lines, int Malformed);

    private static readonly Capture Crafted = Craft();

    private static Capture Craft()
    {
        const string A = "127.0.0.1:5000", B = "127.0.0.1:5001", C = "10.0.0.2:7000";
        var planned = new List<(long GapAfter, int Db, string Addr, byte[][] Args, string[] Keys)>();
        byte[] S(string s) => Encoding.UTF8.GetBytes(s);
        void Plan(long gap, int db, string addr, string[] keys, params byte[][] args) => planned.Add((gap, db, addr, args, keys));

        for (var i = 0; i < 100; i++) Plan((i + 1) * 10, 0, A, [$"user:{i % 3}"], S("GET"), S($"user:{i % 3}"));
        for (var i = 0; i < 20; i++) Plan(5000, 0, B, [$"session:{i % 2}"], S("SET"), S($"session:{i % 2}"), S("v"));
        for (var i = 0; i < 30; i++) Plan(300, 2, C, [$"cache/a/{i}"], S("hset"), S($"cache/a/{i}"), S("f"), S("v"));
        Plan(2_000_000, 0, A, [], S("KEYS"), S("*"));
        Plan(50, 2, C, ["big"], S("HSET"), S("big"), S("f"), S(new string('x', 10_000)));
        Plan(70, 0, B, ["bin"], S("SET"), S("bin"), Enumerable.Range(0, 3000).Select(i => (byte)(i * 7)).ToArray());
        for (var i = 0; i < 5; i++) Plan(120, 0, A, ["user:1", "plain"], S("MSET"), S("user:1"), S("x"), S("plain"), S("y"));
        for (var i = 0; i < 2; i++) Plan(40, 1, B, [], S("PING"));
        for (var i = 0; i < 3; i++) Plan(600_000, 0, A, [], S("ECHO"), S($"tick {i}"));

        var random = new Random(20240605);
        var order = planned.OrderBy(_ => random.Next()).ToList();
        var lines = new List<Line>();
        var file = new StringBuilder("OK\n");
        var ts = 1_700_000_000_123_456L;
        var malformedAt = new HashSet<int> { 3, 77, 150 };
        var malformed = 0;
        for (var i = 0; i < order.Count; i++)
        {
            if (malformedAt.Contains(i))
            {
                file.Append($"damaged line {i} \"SET\" \"user:0\"\n");
                malformed++;
            }
            var (gap, db, addr, args, keys) = order[i];
            var raw = $"{ts / 1_000_000}.{ts % 1_000_000:D6} [{db} {addr}] " + string.Join(' ', args.Select(a => "\"" + SdsRepr.Escape(a) + "\""));
            file.Append(raw).Append('\n');
            lines.Add(new Line(raw, ts, db, addr, Encoding.ASCII.GetString(args[0]).ToUpperInvariant(), keys, i == order.Count - 1 ? null : gap));
            ts += gap;
        }
        return new Capture(Encoding.UTF8.GetBytes(file.ToString()), lines, malformed);
    }

    private string? _id;

    private async Task<string> SessionAsync() => _id ??= (string)(await ImportAsync(Http, Crafted.File, "default", "analyst"))["id"]!;

    private async Task<JsonObject> AnalysisAsync(string query = "") =>
        await GetJsonAsync(Http, $"/api/monitor/sessions/{await SessionAsync()}/analysis{(query.Length > 0 ? "?" + query : "")}");

    [Fact]
    public async Task Counts_and_shares()
    {
        var a = await AnalysisAsync();
        var lines = Crafted.Lines;
        Assert.Equal(lines.Count, (long)a["lineCount"]!);
        Assert.Equal(Crafted.Malformed, (long)a["malformedCount"]!);
        Assert.Equal(lines[0].Ms, (long)a["firstTs"]!);
        Assert.Equal(lines[^1].Ms, (long)a["lastTs"]!);
        var durationMs = (lines[^1].TsMicros - lines[0].TsMicros) / 1000;
        Assert.Equal(durationMs, (long)a["durationMs"]!);
        Assert.Equal(Math.Round(lines.Count * 1000.0 / durationMs, 1), (double)a["commandsPerSec"]!);

        var commands = lines.GroupBy(l => l.Verb).Select(g => (Cmd: g.Key, Count: (long)g.Count()))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Cmd, StringComparer.Ordinal)
            .Select(c => $"{c.Cmd} {c.Count} {Math.Round(c.Count * 100.0 / lines.Count, 2)}");
        Assert.Equal(commands, a["commands"]!.AsArray().Select(c => $"{c!["cmd"]} {c["count"]} {(double)c["pct"]!}"));
        Assert.Equal(100.0, a["commands"]!.AsArray().Sum(c => (double)c!["pct"]!), 1);

        Assert.Equal(Top(lines.SelectMany(l => l.Keys)), Pairs(a["topKeys"], "key"));
        Assert.Equal(Top(lines.SelectMany(l => l.Keys).Select(k => Prefix(k, ':'))), Pairs(a["topPrefixes"], "prefix"));
        Assert.Equal(Top(lines.Select(l => l.Addr)), Pairs(a["clients"], "addr"));
        Assert.Equal(lines.GroupBy(l => l.Db).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"),
            a["dbs"]!.AsArray().Select(d => $"{d!["db"]} {d["count"]}"));
        Assert.Equal(lines.GroupBy(l => l.TsMicros / 1_000_000).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"),
            a["timeline"]!.AsArray().Select(t => $"{t!["second"]} {t["count"]}"));
        Assert.True((bool)a["countsExact"]!);
    }

    [Fact]
    public async Task A_custom_prefix_delimiter()
    {
        var a = await AnalysisAsync("prefixDelimiter=/");
        Assert.Equal("/", (string?)a["prefixDelimiter"]);
        var prefixes = Top(Crafted.Lines.SelectMany(l => l.Keys).Select(k => Prefix(k, '/')));
        Assert.Equal(prefixes, Pairs(a["topPrefixes"], "prefix"));
        Assert.Contains("cache/ 30", prefixes);
        using var bad = await Http.GetAsync($"/api/monitor/sessions/{await SessionAsync()}/analysis?prefixDelimiter=ab");
        await AssertProblemAsync(bad, System.Net.HttpStatusCode.BadRequest, "prefixDelimiter");
    }

    [Fact]
    public async Task Inferred_time_per_command_within_the_histograms_precision()
    {
        var a = await AnalysisAsync();
        var timed = Crafted.Lines.Where(l => l.Gap is not null).ToList();
        var expected = timed.GroupBy(l => l.Verb).ToDictionary(g => g.Key, g => g.Select(l => l.Gap!.Value).Order().ToArray());
        var perCommand = a["inferredTime"]!["perCommand"]!.AsArray();
        Assert.Equal(expected.Count, perCommand.Count);
        foreach (var timing in perCommand)
        {
            var gaps = expected[(string)timing!["cmd"]!];
            Assert.Equal(gaps.Length, (long)timing["count"]!);
            Assert.Equal(gaps.Sum(), (long)timing["totalUs"]!);
            Assert.Equal(gaps[^1], (long)timing["maxUs"]!);
            WithinPrecision(NearestRank(gaps, 0.5), (long)timing["medianUs"]!);
            WithinPrecision(NearestRank(gaps, 0.9), (long)timing["p90Us"]!);
            WithinPrecision(NearestRank(gaps, 0.99), (long)timing["p99Us"]!);
        }
        // GET's gaps are 10, 20 ... 1000 µs (less the capture's last line if it is a GET).
        var get = perCommand.Single(t => (string?)t!["cmd"] == "GET")!;
        Assert.InRange((long)get["medianUs"]!, 480, 540);

        var heaviest = expected.Select(e => (Cmd: e.Key, Total: e.Value.Sum())).OrderByDescending(e => e.Total).Take(10).Select(e => e.Cmd);
        Assert.Equal(heaviest, a["inferredTime"]!["heaviest"]!.AsArray().Select(h => (string)h!["cmd"]!));
        Assert.Equal("KEYS", (string?)a["inferredTime"]!["heaviest"]![0]!["cmd"]);

        var slowest = timed.OrderByDescending(l => l.Gap).ThenBy(l => l.TsMicros).Take(20)
            .Select(l => $"{l.Raw[..17]} {l.Gap} {l.Verb} {l.Addr}");
        Assert.Equal(slowest, a["inferredTime"]!["slowest"]!.AsArray()
            .Select(s => $"{s!["tsRaw"]} {s["gapUs"]} {s["cmd"]} {s["addr"]}"));
        var first = a["inferredTime"]!["slowest"]![0]!;
        Assert.Equal(("KEYS", 2_000_000L), ((string?)first["cmd"], (long)first["gapUs"]!));
        Assert.StartsWith(Crafted.Lines.Single(l => l.Verb == "KEYS").Raw, (string)first["raw"]!);
        Assert.NotEmpty((string)a["inferredTime"]!["note"]!);
    }

    [Fact]
    public async Task Largest_arguments_count_real_bytes_not_escaped_ones()
    {
        var a = await AnalysisAsync();
        var largest = a["largestArguments"]!.AsArray();
        // The 10,000-byte value, then the 3,000-byte binary one (12,000 bytes as MONITOR escapes it).
        Assert.Equal(("HSET", "big", 10_000L, 3), ((string?)largest[0]!["cmd"], (string?)largest[0]!["key"], (long)largest[0]!["bytes"]!, (int)largest[0]!["argIndex"]!));
        Assert.Equal(("SET", "bin", 3_000L, 2), ((string?)largest[1]!["cmd"], (string?)largest[1]!["key"], (long)largest[1]!["bytes"]!, (int)largest[1]!["argIndex"]!));
        Assert.True((long)largest[2]!["bytes"]! < 3_000);
        Assert.Equal(Crafted.Lines.Single(l => l.Keys is ["big"]).Ms, (long)largest[0]!["ts"]!);
        Assert.Equal("10.0.0.2:7000", (string?)largest[0]!["addr"]);
    }

    [Fact]
    public async Task Filters_select_what_counts_and_keep_each_lines_time_to_the_next_command()
    {
        var all = await AnalysisAsync();
        var lines = Crafted.Lines;

        var gets = await AnalysisAsync("command=get");
        Assert.Equal(lines.Count(l => l.Verb == "GET"), (long)gets["lineCount"]!);
        Assert.Equal(["GET 100 100"], gets["commands"]!.AsArray().Select(c => $"{c!["cmd"]} {c["count"]} {(double)c["pct"]!}"));
        // A GET's inferred time is its gap to the next command of the capture, whatever that is, filter or not.
        Assert.Equal(Json(TimingOf(all, "GET")), Json(TimingOf(gets, "GET")));
        Assert.Equal(Top(lines.Where(l => l.Verb == "GET").SelectMany(l => l.Keys)), Pairs(gets["topKeys"], "key"));

        var db2 = await AnalysisAsync("db=2");
        Assert.Equal(["2 31"], db2["dbs"]!.AsArray().Select(d => $"{d!["db"]} {d["count"]}"));
        Assert.Equal(["10.0.0.2:7000 31"], Pairs(db2["clients"], "addr"));
        Assert.Equal(0, (long)db2["malformedCount"]!); // a malformed line passes only a text filter

        var users = await AnalysisAsync("key=user:*");
        var withUserKey = lines.Where(l => l.Keys.Any(k => k.StartsWith("user:", StringComparison.Ordinal))).ToList();
        Assert.Equal(withUserKey.Count, (long)users["lineCount"]!);
        Assert.Equal(Top(withUserKey.SelectMany(l => l.Keys)), Pairs(users["topKeys"], "key")); // "plain" rides along with MSET's user:1

        var from = lines[0].Ms + 1_000;
        var to = lines[^1].Ms - 500;
        var window = await AnalysisAsync($"afterTs={from}&beforeTs={to}");
        var inside = lines.Where(l => l.Ms >= from && l.Ms <= to).ToList();
        Assert.Equal(inside.Count, (long)window["lineCount"]!);
        Assert.Equal(inside.GroupBy(l => l.TsMicros / 1_000_000).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"),
            window["timeline"]!.AsArray().Select(t => $"{t!["second"]} {t["count"]}"));
        Assert.Equal((inside[0].Ms, inside[^1].Ms), ((long)window["firstTs"]!, (long)window["lastTs"]!));

        var damaged = await AnalysisAsync("text=damaged");
        Assert.Equal((0L, (long)Crafted.Malformed), ((long)damaged["lineCount"]!, (long)damaged["malformedCount"]!));

        using var bad = await Http.GetAsync($"/api/monitor/sessions/{await SessionAsync()}/analysis?beforeTs=soon");
        await AssertProblemAsync(bad, System.Net.HttpStatusCode.BadRequest, "beforeTs");
        using var unknown = await Http.GetAsync("/api/monitor/sessions/nosuchsession/analysis");
        await AssertProblemAsync(unknown, System.Net.HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task The_stored_analysis_equals_a_recomputation_and_a_single_sequential_pass()
    {
        var id = await SessionAsync();
        // The stored one is the same object on every read (same computedAt); a computed one is new each time.
        var stored = await Poll.UntilAsync(async () => (await AnalysisAsync(), await AnalysisAsync()),
            pair => (string?)pair.Item1["computedAt"] == (string?)pair.Item2["computedAt"], "the stored analysis");
        var recomputed = await AnalysisAsync("text=%20"); // a filter that keeps every line is never served from storage
        Assert.NotEqual((string?)stored.Item1["computedAt"], (string?)recomputed["computedAt"]);
        Assert.Equal(WithoutTime(stored.Item1), WithoutTime(recomputed));

        // The app reads 7-line chunks on two workers; one accumulator fed the whole file in order must agree.
        var sequential = new AnalysisAccumulator();
        sequential.AddChunk(Crafted.File.AsSpan(3)); // what was stored: the file without its "OK" line
        var report = JsonSerializer.SerializeToNode(sequential.Build(id), new JsonSerializerOptions(JsonSerializerDefaults.Web))!.AsObject();
        Assert.Equal(WithoutTime(stored.Item1), WithoutTime(report));
        // And so must the same file cut into chunks of every size, fed with the next chunk's first timestamp.
        foreach (var size in new[] { 1, 2, 3, 50 })
        {
            var parts = new[] { new AnalysisAccumulator(), new AnalysisAccumulator() };
            var chunks = Chunks(Crafted.File, size);
            for (var i = 0; i < chunks.Count; i++)
                parts[i % 2].AddChunk(chunks[i], null, chunks.Skip(i + 1).Select(FirstTs).FirstOrDefault(t => t != 0));
            parts[0].Merge(parts[1]);
            var merged = JsonSerializer.SerializeToNode(parts[0].Build(id), new JsonSerializerOptions(JsonSerializerDefaults.Web))!.AsObject();
            Assert.Equal(WithoutTime(report), WithoutTime(merged));
        }
        // Filtered too: the filter selects lines, the gaps still run to the next line of the capture.
        var gets = LineFilter.Create(commands: ["GET"], afterTs: Crafted.Lines[10].Ms);
        var one = new AnalysisAccumulator();
        one.AddChunk(Crafted.File.AsSpan(3), gets);
        var split = new[] { new AnalysisAccumulator(), new AnalysisAccumulator() };
        var pieces = Chunks(Crafted.File, 4);
        for (var i = 0; i < pieces.Count; i++)
            split[i % 2].AddChunk(pieces[i], gets, pieces.Skip(i + 1).Select(FirstTs).FirstOrDefault(t => t != 0));
        split[0].Merge(split[1]);
        var a = JsonSerializer.SerializeToNode(one.Build(id), new JsonSerializerOptions(JsonSerializerDefaults.Web))!.AsObject();
        var b = JsonSerializer.SerializeToNode(split[0].Build(id), new JsonSerializerOptions(JsonSerializerDefaults.Web))!.AsObject();
        Assert.Equal(WithoutTime(a), WithoutTime(b));
        var api = await AnalysisAsync($"command=GET&afterTs={Crafted.Lines[10].Ms}");
        Assert.Equal(WithoutTime(a), WithoutTime(api));
    }

    [Fact]
    public async Task With_the_key_spec_cache_the_servers_specs_decide_the_keys()
    {
        var file = Utf8("1700000000.000001 [0 127.0.0.1:1] \"PFDEBUG\" \"GETREG\" \"hll\"\n" +
                        "1700000000.000002 [0 127.0.0.1:1] \"GET\" \"k\"\n");
        var onServer = (string)(await ImportAsync(Http, file, "default"))["id"]!;
        var noConnection = (string)(await ImportAsync(Http, file))["id"]!;
        var services = fx.App.Services;
        using var cache = new KeySpecCache(services.GetRequiredService<ConnectionService>());
        var analysis = new SessionAnalysis(services.GetRequiredService<IDbContextFactory<BetterDbContext>>(),
            services.GetRequiredService<IChunkStore>(), NullLogger<SessionAnalysis>.Instance, cache);

        var server = await analysis.ComputeAsync(onServer, LineFilter.None, ':', CancellationToken.None);
        Assert.Equal(["hll", "k"], server.TopKeys.Select(k => k.Key).Order(StringComparer.Ordinal));
        var builtIn = await analysis.ComputeAsync(noConnection, LineFilter.None, ':', CancellationToken.None);
        Assert.Equal(["GETREG", "k"], builtIn.TopKeys.Select(k => k.Key).Order(StringComparer.Ordinal));
        // The key filter follows the same table.
        var filtered = await analysis.ComputeAsync(onServer, LineFilter.Create(keyGlob: "hll"), ':', CancellationToken.None);
        Assert.Equal(1, filtered.LineCount);
    }

    private static List<byte[]> Chunks(byte[] file, int linesPerChunk)
    {
        var lines = Encoding.UTF8.GetString(file).Split('\n')[1..^1]; // without the "OK" line and the end
        return lines.Chunk(linesPerChunk).Select(c => Encoding.UTF8.GetBytes(string.Concat(c.Select(l => l + "\n")))).ToList();
    }

    private static long FirstTs(byte[] chunk)
    {
        foreach (var line in Encoding.UTF8.GetString(chunk).Split('\n'))
            if (MonitorLineParser.TryParse(Encoding.UTF8.GetBytes(line), out var view)) return view.TimestampMicros;
        return 0;
    }

    private static JsonNode? TimingOf(JsonObject analysis, string cmd) =>
        analysis["inferredTime"]!["perCommand"]!.AsArray().Single(t => (string?)t!["cmd"] == cmd);

    private static string WithoutTime(JsonObject report)
    {
        var copy = report.DeepClone().AsObject();
        copy.Remove("computedAt");
        return Json(copy);
    }

    private static string Prefix(string key, char delimiter)
    {
        var cut = key.IndexOf(delimiter);
        return cut > 0 ? key[..(cut + 1)] : key;
    }

    /// <summary>Counts, highest first, ties in byte order, at most 50: "item count" strings.</summary>
    private static List<string> Top(IEnumerable<string> items) =>
        items.GroupBy(i => i).Select(g => (Item: g.Key, Count: g.Count()))
            .OrderByDescending(g => g.Count).ThenBy(g => Encoding.UTF8.GetBytes(g.Item), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))
            .Take(50).Select(g => $"{g.Item} {g.Count}").ToList();

    private static List<string> Pairs(JsonNode? array, string name) =>
        array!.AsArray().Select(x => $"{x![name]} {x["count"]}").ToList();

    private static long NearestRank(long[] sorted, double q) => sorted[Math.Max(1, (int)Math.Ceiling(q * sorted.Length)) - 1];

    /// <summary>The histogram reports the upper edge of a bucket 1/16 of a power of two wide: never below, at most ~6 % above.</summary>
    private static void WithinPrecision(long exact, long reported) =>
        Assert.InRange(reported, exact, (long)Math.Ceiling(exact * (1 + 1.0 / 16)) + 1);
}
