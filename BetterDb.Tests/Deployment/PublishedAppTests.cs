using System.Diagnostics;
using System.Net;
using BetterDb.Testing;

namespace BetterDb.Tests.Deployment;

/// <summary>
/// Issue 19 item 7: the container image's publish and start commands (scripts/publish.sh, scripts/start.sh,
/// which the Dockerfile runs) work outside a container, and its HEALTHCHECK command tells a healthy app from none.
/// Docker images cannot be built on these machines, so this is how the image's commands are tried.
/// </summary>
[Collection(RestartCollection.Name)]
public sealed class PublishedAppTests(RedisFixture fx)
{
    private static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BetterDb.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("BetterDb.sln not found above the test assembly");
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null, int timeoutSeconds = 300)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds)).Token);
        return (p.ExitCode, await output + await error);
    }

    [Fact]
    public async Task The_images_publish_and_start_commands_run_the_app_and_its_healthcheck_knows_when_it_is_up()
    {
        var publish = Path.Combine(Path.GetTempPath(), "betterdb-publish-" + Guid.NewGuid().ToString("N")[..8]);
        var data = TestApp.NewDataDirectory();
        var port = RedisServer.FreePort();
        Process? app = null;
        try
        {
            var (code, output) = await RunAsync(Path.Combine(Root, "scripts", "publish.sh"), [publish]);
            Assert.True(code == 0, output);
            Assert.True(File.Exists(Path.Combine(publish, "BetterDb.Blazor.dll")));

            var url = $"http://127.0.0.1:{port}";
            var dll = Path.Combine(publish, "BetterDb.Blazor.dll");
            // Before it starts, the image's HEALTHCHECK command says unhealthy.
            Assert.Equal(1, (await RunAsync("dotnet", [dll, "healthcheck", url])).Code);

            var psi = new ProcessStartInfo("timeout") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "--signal=TERM", "--kill-after=5", "300", Path.Combine(Root, "scripts", "start.sh"), publish }) psi.ArgumentList.Add(a);
            psi.Environment["BetterDb__DataDirectory"] = data;
            psi.Environment["ASPNETCORE_URLS"] = url;
            psi.Environment["BetterDb__DefaultConnection"] = fx.Url;
            app = Process.Start(psi)!;
            app.OutputDataReceived += (_, _) => { };
            app.ErrorDataReceived += (_, _) => { };
            app.BeginOutputReadLine();
            app.BeginErrorReadLine();

            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(5) };
            await Poll.UntilAsync(async () =>
            {
                try { using var r = await http.GetAsync("/healthz"); return r.StatusCode; }
                catch (HttpRequestException) { return HttpStatusCode.ServiceUnavailable; }
            }, s => s == HttpStatusCode.OK, "the published app to answer /healthz", TimeSpan.FromSeconds(60));
            var (healthy, said) = await RunAsync("dotnet", [dll, "healthcheck", url]);
            Assert.True(healthy == 0, said);
            Assert.True(File.Exists(Path.Combine(data, "betterdb.db")), "the data goes to BetterDb__DataDirectory (the image's /data volume)");
            var connections = await http.GetStringAsync("/api/connections");
            Assert.Contains("\"default\"", connections);
        }
        finally
        {
            if (app is { HasExited: false }) app.Kill(entireProcessTree: true);
            TestApp.TryDelete(data);
            TestApp.TryDelete(publish);
        }
    }
}
