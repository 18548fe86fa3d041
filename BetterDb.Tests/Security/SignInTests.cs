using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Security;

/// <summary>
/// Issue 19 items 1 and 2 through the real pipeline, with sign-in configured (<c>BetterDb:Auth:AdminPassword</c>):
/// 401 without credentials, tokens made with Basic admin credentials and stored hashed, each role allowed exactly its
/// part of the API, revoked tokens refused, the UI and Hangfire's dashboard sending a stranger to the sign-in page, a
/// cookie sign-in with the form's anti-forgery token, and the read-only switch.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SignInTests(RedisAppFixture fx)
{
    private const string Password = "s3cret-admin-pw";

    private TestApp NewApp(bool readOnly = false) => new(fx.Url, settings: new Dictionary<string, string?>
    {
        ["BetterDb:Auth:AdminPassword"] = Password,
        ["BetterDb:Auth:ReadOnly"] = readOnly ? "true" : "false",
    });

    private static HttpClient Client(TestApp app, string? bearer = null)
    {
        var http = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        if (bearer is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return http;
    }

    private static async Task<string> MakeTokenAsync(HttpClient http, string role)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/tokens") { Content = JsonContent.Create(new { name = $"{role}-bot", role }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{Password}")));
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("token").GetString()!;
    }

    [Fact]
    public async Task Each_role_gets_exactly_its_part_of_the_api_and_tokens_are_stored_hashed()
    {
        await using var app = NewApp();
        var anonymous = Client(app);
        using (var r = await anonymous.GetAsync("/api/connections"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        }
        using (var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/auth/tokens") { Content = JsonContent.Create(new { name = "x", role = "admin" }) })
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:guess")));
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrong)).StatusCode);
        }

        var viewer = await MakeTokenAsync(anonymous, "viewer");
        var op = await MakeTokenAsync(anonymous, "operator");
        var admin = await MakeTokenAsync(anonymous, "admin");
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>().CreateDbContextAsync())
        {
            var stored = await db.ApiTokens.Select(t => t.TokenHash).ToListAsync();
            Assert.Equal(3, stored.Count);
            Assert.DoesNotContain(viewer, stored);
            Assert.All(stored, h => Assert.Matches("^[0-9a-f]{64}$", h));
            Assert.DoesNotContain(await db.Users.Select(u => u.PasswordHash).ToListAsync(), h => h.Contains(Password));
        }

        var asViewer = Client(app, viewer);
        Assert.Equal(HttpStatusCode.OK, (await asViewer.GetAsync("/api/monitor/sessions")).StatusCode);
        using (var start = await asViewer.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 1000 }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, start.StatusCode);
            Assert.Contains("needs the operator role", (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
        // Replays: a viewer reads them; asking for one or cancelling one is an operator's.
        Assert.Equal(HttpStatusCode.OK, (await asViewer.GetAsync("/api/replays")).StatusCode);
        using (var replay = await asViewer.PostAsJsonAsync("/api/monitor/sessions/none/replay", new { targetConnectionId = "default" }))
            Assert.Equal(HttpStatusCode.Forbidden, replay.StatusCode);
        using (var cancel = await asViewer.PostAsync("/api/replays/none/cancel", null))
            Assert.Equal(HttpStatusCode.Forbidden, cancel.StatusCode);
        var asOperator = Client(app, op);
        using (var start = await asOperator.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 1000 }))
            Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        using (var replay = await asOperator.PostAsJsonAsync("/api/monitor/sessions/none/replay", new { targetConnectionId = "default" }))
            Assert.Equal(HttpStatusCode.NotFound, replay.StatusCode); // allowed: there is no such session
        using (var conn = await asOperator.PostAsJsonAsync("/api/connections", new { name = "by-operator", host = "127.0.0.1", port = 1 }))
            Assert.Equal(HttpStatusCode.Forbidden, conn.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asOperator.GetAsync("/api/auth/tokens")).StatusCode); // even the list is an admin's
        var asAdmin = Client(app, admin);
        using (var conn = await asAdmin.PostAsJsonAsync("/api/connections", new { name = $"by-admin-{Guid.NewGuid():N}"[..16], host = "127.0.0.1", port = 1 }))
            Assert.Equal(HttpStatusCode.Created, conn.StatusCode);
        var tokens = await asAdmin.GetFromJsonAsync<JsonElement[]>("/api/auth/tokens");
        Assert.Equal(3, tokens!.Length);
        Assert.All(tokens, t => Assert.False(t.TryGetProperty("token", out var v) && v.ValueKind == JsonValueKind.String));

        var viewerId = tokens.Single(t => t.GetProperty("role").GetString() == "viewer").GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await asAdmin.DeleteAsync($"/api/auth/tokens/{viewerId}")).StatusCode);
        using (var revoked = await asViewer.GetAsync("/api/monitor/sessions"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
            Assert.Contains("revoked", (await revoked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task A_stranger_is_sent_to_sign_in_and_a_form_sign_in_with_its_token_opens_the_ui_and_the_dashboard()
    {
        await using var app = NewApp();
        var browser = Client(app);
        using (var page = await browser.GetAsync("/monitor"))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.StartsWith("http://localhost/account/login", page.Headers.Location!.ToString());
        }
        using (var dashboard = await browser.GetAsync("/hangfire"))
            Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);

        var login = await browser.GetStringAsync("/account/login?returnUrl=%2Fhangfire");
        var token = System.Text.RegularExpressions.Regex.Match(login, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        // Without the anti-forgery token the post is refused.
        using (var forged = await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["userName"] = "admin", ["password"] = Password })))
            Assert.True(forged.StatusCode == HttpStatusCode.BadRequest, $"{forged.StatusCode} {forged.Headers.Location} {await forged.Content.ReadAsStringAsync()}");
        using (var bad = await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
               { ["userName"] = "admin", ["password"] = "nope", ["__RequestVerificationToken"] = token, ["returnUrl"] = "/hangfire" })))
            Assert.Contains("error=1", bad.Headers.Location!.ToString());
        using (var good = await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
               { ["userName"] = "admin", ["password"] = Password, ["__RequestVerificationToken"] = token, ["returnUrl"] = "//evil.example/x" })))
        {
            Assert.Equal(HttpStatusCode.Redirect, good.StatusCode);
            Assert.Equal("/monitor", good.Headers.Location!.ToString()); // never off-site
        }
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/monitor")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/hangfire")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/connections")).StatusCode); // the cookie works for the API too
    }

    [Fact]
    public async Task A_read_only_host_refuses_every_change_and_still_reads()
    {
        await using var app = NewApp(readOnly: true);
        var anonymous = Client(app);
        var admin = Client(app, await MakeTokenOnReadOnlyAsync(app));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/monitor/sessions")).StatusCode);
        using var start = await admin.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 1000 });
        Assert.Equal(HttpStatusCode.Forbidden, start.StatusCode);
        Assert.Contains("read-only", (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/monitor/sessions")).StatusCode);
    }

    /// <summary>A read-only host cannot make tokens over HTTP either: one made in-process, as an admin would have before.</summary>
    private static async Task<string> MakeTokenOnReadOnlyAsync(TestApp app) =>
        (await app.Services.GetRequiredService<BetterDb.Blazor.Security.AccountService>().CreateTokenAsync("ro", "admin", "test")).Token!;
}
