using System.Net;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using BetterDb.Testing;

namespace BetterDb.Tests.Security;

/// <summary>
/// Issue 19 item 3 (and the anonymous part of item 1) through the real pipeline: the cross-origin form posts a probe
/// used to stop a capture and import lines are refused, a foreign Host header is refused (DNS rebinding), responses carry
/// nosniff, and without sign-in the app answers only loopback clients unless told to accept the risk.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class RequestGuardTests(RedisAppFixture fx)
{
    private HttpClient Http => fx.Http;

    private static HttpRequestMessage Post(string url, HttpContent content, string? origin = null, string? fetchSite = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (fetchSite is not null) request.Headers.Add("Sec-Fetch-Site", fetchSite);
        return request;
    }

    [Fact]
    public async Task A_cross_origin_form_post_cannot_stop_a_capture_or_import_lines()
    {
        using var start = await Http.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 30_000 });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        try
        {
            // What <form method=post action=http://app/api/monitor/sessions/{id}/stop> on another site sends.
            using var stop = await Http.SendAsync(Post($"/api/monitor/sessions/{id}/stop",
                new FormUrlEncodedContent(new Dictionary<string, string>()), origin: "http://evil.example", fetchSite: "cross-site"));
            Assert.Equal(HttpStatusCode.Forbidden, stop.StatusCode);
            Assert.Contains("another origin", (await stop.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
            var still = await Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}");
            Assert.Equal("running", still.GetProperty("status").GetString());

            // A text/plain form (enctype=text/plain) carrying a capture file: no session appears.
            var before = (await Http.GetFromJsonAsync<JsonElement[]>("/api/monitor/sessions?source=import&limit=1000"))!.Length;
            using var import = await Http.SendAsync(Post("/api/monitor/sessions/import",
                new StringContent("1700000000.000001 [0 10.0.0.1:5000] \"SET\" \"k\" \"v\"\n", Encoding.UTF8, "text/plain"), origin: "https://evil.example"));
            Assert.Equal(HttpStatusCode.Forbidden, import.StatusCode);
            Assert.Equal(before, (await Http.GetFromJsonAsync<JsonElement[]>("/api/monitor/sessions?source=import&limit=1000"))!.Length);
            // Only Sec-Fetch-Site (some browsers send no Origin on a same-site form): refused too.
            using var sameSite = await Http.SendAsync(Post($"/api/monitor/sessions/{id}/stop", new StringContent(""), fetchSite: "same-site"));
            Assert.Equal(HttpStatusCode.Forbidden, sameSite.StatusCode);
            // An opaque origin (a sandboxed frame, a file:// page).
            using var opaque = await Http.SendAsync(Post($"/api/monitor/sessions/{id}/stop", new StringContent(""), origin: "null"));
            Assert.Equal(HttpStatusCode.Forbidden, opaque.StatusCode);

            // The app's own origin, and a client that is not a browser (no Origin at all), still work.
            using var own = await Http.SendAsync(Post($"/api/monitor/sessions/{id}/stop", new StringContent(""), origin: "http://localhost", fetchSite: "same-origin"));
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }
        finally
        {
            await Http.PostAsync($"/api/monitor/sessions/{id}/stop", null);
        }
    }

    [Fact]
    public async Task A_foreign_host_name_is_refused_and_responses_say_nosniff()
    {
        using var rebinding = new HttpRequestMessage(HttpMethod.Get, "/api/connections");
        rebinding.Headers.Host = "attacker.example";
        using var refused = await Http.SendAsync(rebinding);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        using var ok = await Http.GetAsync("/api/connections");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("nosniff", ok.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", ok.Headers.GetValues("X-Frame-Options").Single());
    }

    private static IPAddress? NonLoopbackAddress() => NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    [SkippableFact]
    public async Task Without_sign_in_only_loopback_clients_are_answered_unless_anonymous_access_is_allowed()
    {
        var address = NonLoopbackAddress();
        Skip.If(address is null, "this machine has no non-loopback IPv4 address to call from");
        foreach (var allow in new[] { false, true })
        {
            var dir = TestApp.NewDataDirectory();
            try
            {
                await using var app = await AppProcess.StartAsync(dir, fx.Url, environment: new Dictionary<string, string> { ["BetterDb__Auth__AllowAnonymous"] = allow ? "true" : "false" },
                    listenAddress: "0.0.0.0");
                using var remote = new HttpClient { BaseAddress = new Uri($"http://{address}:{app.Port}"), Timeout = TimeSpan.FromSeconds(20) };
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/connections");
                request.Headers.Host = "localhost"; // past the host filter: the address is what is judged
                using var response = await remote.SendAsync(request);
                // Called by its address, the host filter answers first (only loopback names without sign-in).
                using var byAddress = await remote.GetAsync("/healthz");
                Assert.Equal(allow ? HttpStatusCode.OK : HttpStatusCode.BadRequest, byAddress.StatusCode);
                if (allow)
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                    Assert.Contains("only on loopback", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
                    using var local = app.CreateClient();
                    Assert.Equal(HttpStatusCode.OK, (await local.GetAsync("/api/connections")).StatusCode);
                }
            }
            finally
            {
                TestApp.TryDelete(dir);
            }
        }
    }
}
