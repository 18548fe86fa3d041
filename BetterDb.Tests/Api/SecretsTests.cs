using System.Net;
using System.Net.Http.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Api;

/// <summary>Secrets never reach logs, HTTP responses or exports, even with every log level on.</summary>
[Collection(ApiCollection.Name)]
public sealed class SecretsTests(RedisAppFixture fx)
{
    [Fact]
    public async Task A_password_never_reaches_the_logs_or_any_response()
    {
        var secret = "pw-" + Guid.NewGuid().ToString("N");
        var user = "secretuser" + Guid.NewGuid().ToString("N")[..6];
        await fx.Client.GetDatabase().ExecuteAsync("ACL", "SETUSER", user, "on", ">" + secret, "~*", "+@all");

        var settings = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Hangfire"] = "Trace",
            // The default connection carries a password in its URL too.
            ["BetterDb:DefaultConnection"] = $"redis://{user}:{secret}@127.0.0.1:{fx.Server.Port}",
        };
        var bodies = new List<string>();
        await using (var app = new TestApp(null, settings: settings))
        {
            using var http = app.CreateClient();
            var api = new BetterDbApi(http);

            // A connection with the right password captures; one with a wrong one fails.
            var good = await api.CreateConnectionAsync("good", fx.Server.Port, user, secret);
            var wrongSecret = secret + "-wrong";
            var bad = await api.CreateConnectionAsync("bad", fx.Server.Port, user, wrongSecret);
            using (var test = await http.PostAsync($"/api/connections/{good.Id}/test", null)) bodies.Add(await test.Content.ReadAsStringAsync());
            using (var test = await http.PostAsync($"/api/connections/{bad.Id}/test", null)) bodies.Add(await test.Content.ReadAsStringAsync());
            using (var test = await http.PostAsync("/api/connections/default/test", null)) bodies.Add(await test.Content.ReadAsStringAsync());

            var capture = await api.StartCaptureAsync("default", durationMs: 60_000);
            await RedisProbe.WaitForMonitorAsync(fx.Client);
            await fx.Client.GetDatabase().StringSetAsync("secrets:probe", "1");
            await api.WaitForLinesAsync(capture.Id, ls => ls.Any(l => l.Args.FirstOrDefault() == "secrets:probe"), "the probe line");
            await api.StopAsync(capture.Id);
            var failed = await api.WaitForEndAsync((await api.StartCaptureAsync(bad.Id, durationMs: 5_000)).Id);
            Assert.StartsWith("monitor_open_failed: WRONGPASS", failed.TerminationReason);

            bodies.Add(await http.GetStringAsync("/api/connections"));
            bodies.Add(await http.GetStringAsync("/api/connections/default"));
            bodies.Add(await http.GetStringAsync("/api/monitor/sessions?limit=1000"));
            bodies.Add(await api.ExportTextAsync(capture.Id));
            bodies.Add(await http.GetStringAsync($"/api/monitor/sessions/{capture.Id}/export?format=json"));

            foreach (var body in bodies) Assert.DoesNotContain(secret, body);
            Assert.NotEmpty(app.Logs);
            Assert.Contains(app.Logs, m => m.Contains("WRONGPASS") || m.Contains(capture.Id));
            Assert.DoesNotContain(app.Logs, m => m.Contains(secret, StringComparison.Ordinal));
        }
    }
}
