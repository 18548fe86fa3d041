using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Core.Capture;
using BetterDb.Core.Connections;
using BetterDb.Core.Preflight;
using BetterDb.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BetterDb.Tests.Integration;

/// <summary>
/// TLS against a real redis-server with a private CA (see <see cref="TlsRedisFixture"/>): the connection test,
/// the pre-flight and a capture over TLS, client certificates, and each way it can go wrong giving its reason quickly.
/// </summary>
[Collection(TlsCollection.Name)]
public sealed class TlsConnectionTests(TlsRedisFixture fx)
{
    /// <summary>A failure must come as an answer, not as a wait: well inside the 5 s open timeout.</summary>
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(5);

    private static async Task<(ConnectionTestResult Result, TimeSpan Took)> TestAsync(ConnectionProfile profile)
    {
        var started = Stopwatch.StartNew();
        var result = await ConnectionService.TestAsync(profile);
        return (result, started.Elapsed);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task The_connection_test_passes_over_TLS_when_the_CA_is_given(string host)
    {
        var (result, _) = await TestAsync(fx.Tls.Profile(host));

        Assert.True(result.Ok, result.Error);
        Assert.Equal("redis", result.ServerName);
        Assert.False(string.IsNullOrEmpty(result.ServerVersion));
    }

    [Fact]
    public async Task Without_the_CA_the_test_fails_quickly_saying_the_certificate_is_not_trusted()
    {
        var (result, took) = await TestAsync(fx.Tls.Profile() with { CaCertificate = null });

        Assert.False(result.Ok);
        Assert.Contains("TLS: the server certificate is not trusted (UntrustedRoot", result.Error);
        Assert.Contains("Set the CA certificate", result.Error);
        Assert.Contains("CN=BetterDb Test CA", result.Error); // the issuer, so the operator knows which CA to ask for
        Assert.True(took < Quickly, $"took {took}");
    }

    [Fact]
    public async Task With_a_different_CA_the_test_fails_quickly_naming_the_configured_CA()
    {
        var (result, took) = await TestAsync(fx.Tls.Profile() with { CaCertificate = fx.Certificates.OtherCa });

        Assert.False(result.Ok);
        Assert.Contains("not signed by the configured CA certificate (CN=Some Other CA)", result.Error);
        Assert.True(took < Quickly, $"took {took}");
    }

    [Fact]
    public async Task Skipping_verification_connects_without_the_CA()
    {
        var (result, _) = await TestAsync(fx.Tls.Profile() with { CaCertificate = null, TlsInsecure = true });

        Assert.True(result.Ok, result.Error);
    }

    [Fact]
    public async Task A_server_requiring_client_certificates_accepts_the_client_certificate_and_key()
    {
        var (result, _) = await TestAsync(fx.ClientAuth.Profile());

        Assert.True(result.Ok, result.Error);
    }

    [Fact]
    public async Task Without_a_client_certificate_the_test_fails_quickly_saying_one_is_required()
    {
        var (result, took) = await TestAsync(fx.ClientAuth.Profile() with { ClientCertificate = null, ClientKey = null });

        Assert.False(result.Ok);
        Assert.Contains("requires a client certificate (tls-auth-clients yes): set the client certificate and key", result.Error);
        Assert.True(took < Quickly, $"took {took}");
    }

    [Fact]
    public async Task A_client_certificate_from_another_CA_fails_saying_the_server_does_not_accept_it()
    {
        var (result, took) = await TestAsync(fx.ClientAuth.Profile() with
        {
            ClientCertificate = fx.Certificates.OtherClientCertificate,
            ClientKey = fx.Certificates.OtherClientKey,
        });

        Assert.False(result.Ok);
        Assert.Contains("does not accept the client certificate", result.Error);
        Assert.True(took < Quickly, $"took {took}");
    }

    [Fact]
    public async Task TLS_against_a_plain_text_port_fails_within_the_open_timeout_saying_so()
    {
        var (result, took) = await TestAsync(fx.Tls.Profile() with { Port = fx.Tls.PlainPort });

        Assert.False(result.Ok);
        Assert.Contains($"TLS handshake did not complete within {ConnectionService.ConnectTimeout.TotalSeconds:0} s: is this a TLS port?", result.Error);
        Assert.True(took < ConnectionService.ConnectTimeout + TimeSpan.FromSeconds(2), $"took {took}");
    }

    [Fact]
    public async Task The_preflight_runs_over_TLS()
    {
        var connections = fx.App.Services.GetRequiredService<ConnectionService>();
        var created = await connections.CreateAsync(new ConnectionInput("preflight over tls", "localhost", fx.ClientAuth.TlsPort, null, null, true, 0,
            CaCertificate: fx.Certificates.Ca, ClientCertificate: fx.Certificates.ClientCertificate, ClientKey: fx.Certificates.ClientKey));
        try
        {
            var report = await fx.App.Services.GetRequiredService<IPreflightService>().RunAsync(new PreflightRequest(created.Id, 30_000));

            Assert.Equal("self-hosted", report.Provider.Name);
            Assert.True(report.Acl.HasMonitor);
            Assert.True(report.MonitorSupported);
            Assert.True(report.HealthGate.Allow, string.Join(" ", report.HealthGate.Detail));
            Assert.True(report.Estimate.OpsMeasured);
        }
        finally
        {
            await connections.DeleteAsync(created.Id);
        }
    }

    [Fact]
    public async Task A_capture_over_TLS_from_the_configured_default_stores_what_TLS_clients_sent()
    {
        var tag = "tls" + Guid.NewGuid().ToString("N")[..8];
        await RedisProbe.WaitForNoMonitorAsync(fx.Admin);
        var session = await fx.Api.StartCaptureAsync("default", durationMs: 60_000);
        Assert.Equal("running", session.Status);
        await RedisProbe.WaitForMonitorAsync(fx.Admin);

        await using (var client = await fx.Tls.ConnectTlsClientAsync())
        {
            var db = client.GetDatabase();
            await db.StringSetAsync($"{tag}:a", "over tls");
            await db.StringGetAsync($"{tag}:a");
            await db.HashSetAsync($"{tag}:h", "f", "v");
        }
        var lines = await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Any(l => l.Cmd == "HSET" && l.Args.FirstOrDefault() == $"{tag}:h"),
            "the HSET sent over TLS", TimeSpan.FromSeconds(30));
        var final = await fx.Api.StopAsync(session.Id);

        Assert.Equal(("completed", "manual_stop"), (final.Status, final.TerminationReason));
        var mine = lines.Where(l => l.Args.FirstOrDefault()?.StartsWith(tag + ":", StringComparison.Ordinal) == true).Select(l => (l.Cmd, l.Args[0])).ToList();
        Assert.Equal([("SET", $"{tag}:a"), ("GET", $"{tag}:a"), ("HSET", $"{tag}:h")], mine);
        Assert.Contains(lines, l => l.Cmd == "SET" && l.Args.SequenceEqual([$"{tag}:a", "over tls"]));
        Assert.True(final.LineCount >= 3);
    }

    [Fact]
    public async Task A_capture_with_a_client_certificate_stores_lines_through_the_session_service()
    {
        var tag = "mtls" + Guid.NewGuid().ToString("N")[..8];
        var connections = fx.App.Services.GetRequiredService<ConnectionService>();
        var created = await connections.CreateAsync(new ConnectionInput("capture over mtls", "127.0.0.1", fx.ClientAuth.TlsPort, null, null, true, 0,
            CaCertificate: fx.Certificates.Ca, ClientCertificate: fx.Certificates.ClientCertificate, ClientKey: fx.Certificates.ClientKey));
        await using var admin = RedisFixture.Connect(fx.ClientAuth.Server);
        try
        {
            var sessions = fx.App.Services.GetRequiredService<CaptureSessionService>();
            var session = await sessions.StartAsync(new StartCaptureRequest { ConnectionId = created.Id, DurationMs = 60_000, RequestedBy = "tests" });
            await RedisProbe.WaitForMonitorAsync(admin);

            await using (var client = await fx.ClientAuth.ConnectTlsClientAsync())
                await client.GetDatabase().StringSetAsync($"{tag}:k", "v");
            var lines = await fx.Api.WaitForLinesAsync(session.Id, ls => ls.Any(l => l.Args.FirstOrDefault() == $"{tag}:k"), "the SET sent over mTLS");
            var final = await sessions.StopAsync(session.Id);

            Assert.Equal(CaptureStatus.Completed, final!.Status);
            Assert.Contains(lines, l => l.Cmd == "SET" && l.Args.SequenceEqual([$"{tag}:k", "v"]));
        }
        finally
        {
            await connections.DeleteAsync(created.Id);
        }
    }

    [Fact]
    public async Task A_capture_without_the_CA_ends_failed_with_the_TLS_reason()
    {
        var connections = fx.App.Services.GetRequiredService<ConnectionService>();
        var created = await connections.CreateAsync(new ConnectionInput("untrusted", "localhost", fx.Tls.TlsPort, null, null, true, 0));
        try
        {
            var session = await fx.Api.StartCaptureAsync(created.Id, durationMs: 5_000);
            var final = await fx.Api.WaitForEndAsync(session.Id);

            Assert.Equal("failed", final.Status);
            Assert.StartsWith("monitor_open_failed: TLS: the server certificate is not trusted (UntrustedRoot", final.TerminationReason);
        }
        finally
        {
            await connections.DeleteAsync(created.Id);
        }
    }

    [Fact]
    public async Task The_API_returns_the_certificates_and_hasClientKey_but_never_the_key()
    {
        var certs = fx.Certificates;
        using var created = await fx.Api.PostJsonAsync("/api/connections", new
        {
            name = "mtls api",
            host = "localhost",
            port = fx.ClientAuth.TlsPort,
            tls = true,
            caCertificate = certs.Ca,
            clientCertificate = certs.ClientCertificate,
            clientKey = certs.ClientKey,
        });
        await BetterDbApi.ExpectAsync(created, HttpStatusCode.Created);
        var createdBody = await created.Content.ReadAsStringAsync();
        var id = JsonDocument.Parse(createdBody).RootElement.GetProperty("id").GetString()!;
        try
        {
            var got = await fx.Http.GetStringAsync($"/api/connections/{id}");
            var list = await fx.Http.GetStringAsync("/api/connections");
            var view = JsonDocument.Parse(got).RootElement;
            Assert.Equal(certs.Ca.Trim(), view.GetProperty("caCertificate").GetString());
            Assert.Equal(certs.ClientCertificate.Trim(), view.GetProperty("clientCertificate").GetString());
            Assert.True(view.GetProperty("hasClientKey").GetBoolean());
            Assert.False(view.GetProperty("tlsInsecure").GetBoolean());
            Assert.False(view.TryGetProperty("clientKey", out _));
            var keyBody = KeyBody(certs.ClientKey);
            foreach (var body in new[] { createdBody, got, list }) Assert.DoesNotContain(keyBody, body);

            // The stored key works: the server requires it.
            using (var test = await fx.Http.PostAsync($"/api/connections/{id}/test", null))
            {
                var answer = await test.Content.ReadAsStringAsync();
                Assert.True(JsonDocument.Parse(answer).RootElement.GetProperty("ok").GetBoolean(), answer);
                Assert.DoesNotContain(keyBody, answer);
            }

            // PUT without clientKey keeps the stored one; without the certificate both go.
            using (var kept = await fx.Api.Http.PutAsJsonAsync($"/api/connections/{id}", new
                   {
                       name = "mtls api", host = "localhost", port = fx.ClientAuth.TlsPort, tls = true,
                       caCertificate = certs.Ca, clientCertificate = certs.ClientCertificate,
                   }, BetterDbApi.Json))
            {
                await BetterDbApi.ExpectAsync(kept, HttpStatusCode.OK);
                Assert.True(JsonDocument.Parse(await kept.Content.ReadAsStringAsync()).RootElement.GetProperty("hasClientKey").GetBoolean());
            }
            using (var cleared = await fx.Api.Http.PutAsJsonAsync($"/api/connections/{id}", new
                   {
                       name = "mtls api", host = "localhost", port = fx.ClientAuth.TlsPort, tls = true, caCertificate = certs.Ca, clientKey = "",
                   }, BetterDbApi.Json))
            {
                await BetterDbApi.ExpectAsync(cleared, HttpStatusCode.OK);
                var after = JsonDocument.Parse(await cleared.Content.ReadAsStringAsync()).RootElement;
                Assert.False(after.GetProperty("hasClientKey").GetBoolean());
                Assert.Equal(JsonValueKind.Null, after.GetProperty("clientCertificate").ValueKind);
            }
            Assert.DoesNotContain(fx.App.Logs, m => m.Contains(keyBody, StringComparison.Ordinal));
        }
        finally
        {
            await fx.Http.DeleteAsync($"/api/connections/{id}");
        }
    }

    [Theory]
    [InlineData("caCertificate")]
    [InlineData("clientCertificate")]
    [InlineData("clientKey")]
    public async Task Invalid_PEM_is_a_400_naming_the_field(string field)
    {
        var certs = fx.Certificates;
        var body = new Dictionary<string, object?>
        {
            ["name"] = "bad pem", ["host"] = "localhost", ["port"] = fx.Tls.TlsPort, ["tls"] = true,
            ["caCertificate"] = certs.Ca, ["clientCertificate"] = certs.ClientCertificate, ["clientKey"] = certs.ClientKey,
        };
        body[field] = field == "clientKey"
            ? "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
            : "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";

        using var response = await fx.Api.PostJsonAsync("/api/connections", body);

        var problem = await ProblemAsync(response);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData("clientKey", "clientCertificate", "without its client certificate")]
    [InlineData("clientCertificate", "clientKey", "needs its private key")]
    public async Task A_client_certificate_and_key_go_together_or_it_is_a_400(string given, string namedField, string detail)
    {
        var certs = fx.Certificates;
        var body = new Dictionary<string, object?> { ["name"] = "half pair", ["host"] = "localhost", ["port"] = fx.Tls.TlsPort, ["tls"] = true };
        body[given] = given == "clientKey" ? certs.ClientKey : certs.ClientCertificate;

        using var response = await fx.Api.PostJsonAsync("/api/connections", body);

        var problem = await ProblemAsync(response);
        Assert.Equal(namedField, problem.GetProperty("field").GetString());
        Assert.Contains(detail, problem.GetProperty("detail").GetString());
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// A telling piece of a PEM key's base64 body: 24 letters and digits in a row, so neither line breaks
    /// nor JSON's escaping of '+' and '/' can hide it.
    /// </summary>
    internal static string KeyBody(string pem)
    {
        var body = string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim()));
        var run = System.Text.RegularExpressions.Regex.Match(body, "[A-Za-z0-9]{24}");
        Assert.True(run.Success, "the key has a long enough alphanumeric run");
        return run.Value;
    }
}
