using System.Diagnostics;
using BetterDb.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>
/// Issue 3 item 6, an opt-in measurement (<c>BETTERDB_LOAD=1 dotnet test BetterDb.E2E --filter LoadTests</c>):
/// the session page stays usable while redis-benchmark saturates the server. The figures are printed;
/// only behaviour is asserted (pause takes effect, the rendered tail stays bounded).
/// </summary>
public sealed class LoadTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    private const int MaxRenderedLines = 5_000;
    private static readonly TimeSpan LoadWindow = TimeSpan.FromSeconds(20);

    [LoadFact]
    public async Task Session_page_under_redis_benchmark_pauses_and_stays_bounded()
    {
        // Caps far above what 20 s can produce, so the capture is still live when we measure.
        var session = await App.StartCaptureAsync(new
        {
            connectionId = "default", durationMs = 180_000, byteCap = 4_000_000_000L, lineCap = 100_000_000L,
            requestedBy = "e2e-load",
        });
        var id = session.GetProperty("id").GetString()!;
        var p = await OpenAsync();
        await p.GotoAsync($"/monitor/sessions/{id}");
        await Expect(p.TestId("tail")).ToHaveAttributeAsync("data-mode", "live");

        var self = Process.GetCurrentProcess();
        self.Refresh();
        var baseline = self.WorkingSet64;
        long peak = baseline;
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                self.Refresh();
                peak = Math.Max(peak, self.WorkingSet64);
                try { await Task.Delay(500, stopSampling.Token); } catch (OperationCanceledException) { }
            }
        });

        var args = $"-p {App.Redis.Port} -P 16 -c 20 -n 2000000 -t set,get -q";
        Report($"load: redis-benchmark {args}");
        using var benchmark = Process.Start(new ProcessStartInfo("redis-benchmark", args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        var benchOutput = benchmark.StandardOutput.ReadToEndAsync();
        _ = benchmark.StandardError.ReadToEndAsync();
        var loadClock = Stopwatch.StartNew();

        var maxRendered = 0;
        async Task<int> RenderedAsync()
        {
            var n = await p.TestId("tail-line").CountAsync();
            maxRendered = Math.Max(maxRendered, n);
            return n;
        }

        try
        {
            // Let the tail fill up under load.
            while (loadClock.Elapsed < TimeSpan.FromSeconds(4)) { await RenderedAsync(); await Task.Delay(250); }
            var rate = await ReadIntAsync(p.TestId("line-count"));
            Report($"after 4 s: line-count {rate}, rendered {await RenderedAsync()}, toolbar: {await TailStatsAsync()}");

            // (a) Pause: how long until the button flips and the rendered lines stop changing.
            var clock = Stopwatch.StartNew();
            await p.TestId("pause-tail").ClickAsync();
            await Expect(p.TestId("resume-tail")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            var buttonMs = clock.ElapsedMilliseconds;
            var lastHead = await HeadAndCountAsync();
            var lastChangeMs = clock.ElapsedMilliseconds;
            while (clock.ElapsedMilliseconds - lastChangeMs < 2_000 && clock.ElapsedMilliseconds < 30_000)
            {
                await Task.Delay(100);
                var now = await HeadAndCountAsync();
                if (now != lastHead) { lastHead = now; lastChangeMs = clock.ElapsedMilliseconds; }
            }
            Assert.True(clock.ElapsedMilliseconds - lastChangeMs >= 2_000, "the rendered tail kept changing after Pause");
            var held1 = await ReadIntAsync(p.TestId("tail-held"));
            await Task.Delay(1_000);
            var held2 = await ReadIntAsync(p.TestId("tail-held"));
            var dropped = await ReadIntAsync(p.TestId("tail-dropped"));
            Report($"(a) pause: resume-tail visible after {buttonMs} ms; tail-line stopped changing {lastChangeMs} ms after the click; " +
                $"tail-held {held1} -> {held2} one second later, tail-dropped {dropped}");
            Assert.True(held2 > 0 || dropped > 0, "nothing was held or dropped while paused under load");
            await ShotAsync(p, "paused-under-load");

            // Resume and keep watching the bound until the load window ends.
            await p.TestId("resume-tail").ClickAsync();
            await Expect(p.TestId("pause-tail")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            while (loadClock.Elapsed < LoadWindow)
            {
                Assert.True(await RenderedAsync() <= MaxRenderedLines, $"more than {MaxRenderedLines} tail-line elements rendered");
                await Task.Delay(500);
            }
        }
        finally
        {
            if (!benchmark.HasExited) benchmark.Kill();
            await benchmark.WaitForExitAsync();
            stopSampling.Cancel();
            await sampler;
        }

        var finalCount = await ReadIntAsync(p.TestId("line-count"));
        Report($"toolbar at the end: {await TailStatsAsync()}");
        Report($"(b) working set of the test process (app + test code, browser excluded): baseline {baseline / 1048576} MB, " +
            $"peak {peak / 1048576} MB over {loadClock.Elapsed.TotalSeconds:0} s of load");
        Report($"(c) most tail-line elements rendered: {maxRendered} (bound {MaxRenderedLines}); session line-count {finalCount}");
        Report($"redis-benchmark: {(await benchOutput).Replace('\r', '\n').Split('\n').LastOrDefault(l => l.Contains("requests per second")) ?? "(killed before it reported)"}");
        Assert.InRange(maxRendered, 1, MaxRenderedLines);
        Assert.Equal("running", (await App.GetSessionAsync(id)).GetProperty("status").GetString());

        // The list's own summary ("showing N of the newest lines ..."), for the report only: not a contract selector.
        async Task<string> TailStatsAsync() =>
            await p.Page.EvaluateAsync<string>("() => document.querySelector('.tail-stats')?.innerText ?? ''");

        // Count and first/last line numbers in one round trip: a virtualized list keeps its element
        // count while its content moves, so the line numbers are what shows a change.
        async Task<string> HeadAndCountAsync()
        {
            var signature = await p.Page.EvaluateAsync<string>("""
                () => {
                  const ls = document.querySelectorAll('[data-testid=tail-line]');
                  return ls.length + '|' + (ls.length ? ls[0].dataset.seq + '|' + ls[ls.length - 1].dataset.seq : '');
                }
                """);
            maxRendered = Math.Max(maxRendered, int.Parse(signature[..signature.IndexOf('|')]));
            return signature;
        }
    }
}
