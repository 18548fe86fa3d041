using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BetterDb.Blazor.Security;
using BetterDb.Testing;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BetterDb.Tests.Security;

/// <summary>
/// Issue 19 item 1, OpenID Connect, through the real pipeline against a real provider (<see cref="OidcProvider"/>, its
/// own Kestrel port): the authorization-code round trip with PKCE signs the provider's user into the app's cookie with
/// the role its groups map to; a user with no listed group gets the default role, or is refused when that is
/// <c>none</c>; a replayed callback is refused; OIDC alone turns sign-in on; a configuration that cannot work stops the app.
/// </summary>
public sealed class OidcSignInTests : IAsyncLifetime
{
    private OidcProvider _provider = null!;

    public async Task InitializeAsync() => _provider = await OidcProvider.StartAsync();

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    private TestApp NewApp(params (string Key, string Value)[] more)
    {
        var settings = _provider.AppSettings();
        settings["BetterDb:Auth:Oidc:Scopes"] = "groups";
        settings["BetterDb:Auth:Oidc:OperatorValues"] = "betterdb-ops, on-call";
        foreach (var (key, value) in more) settings[key] = value;
        return new TestApp(null, settings: settings.ToDictionary(kv => kv.Key, kv => (string?)kv.Value));
    }

    private static HttpClient Browser(TestApp app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>What a browser does after clicking "Sign in with ...": the app's challenge, the provider's redirect back, the callback.</summary>
    private async Task<(HttpResponseMessage Callback, Uri CallbackUrl)> SignInAsync(HttpClient browser, OidcUser user, string returnUrl = "/monitor")
    {
        _provider.User = user;
        var login = await browser.GetStringAsync("/account/login");
        var token = Regex.Match(login, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var challenge = await browser.PostAsync("/account/oidc",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["returnUrl"] = returnUrl }));
        Assert.True(challenge.StatusCode == HttpStatusCode.Redirect, $"{challenge.StatusCode} {await challenge.Content.ReadAsStringAsync()}");
        var authorize = challenge.Headers.Location!;
        Assert.StartsWith($"{_provider.Authority}/authorize?", authorize.ToString());

        using var idp = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var back = await idp.GetAsync(authorize);
        Assert.True(back.StatusCode == HttpStatusCode.Redirect, $"the provider refused: {string.Join("; ", _provider.Refusals)}");
        var callbackUrl = back.Headers.Location!;
        Assert.Equal("/signin-oidc", callbackUrl.AbsolutePath);
        return (await browser.GetAsync(callbackUrl.PathAndQuery), callbackUrl);
    }

    private static async Task<string> DetailAsync(HttpResponseMessage r) =>
        (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;

    [Fact]
    public async Task An_admin_group_signs_in_with_code_and_PKCE_into_the_same_cookie_and_opens_the_dashboard()
    {
        await using var app = NewApp(("BetterDb:Auth:AdminPassword", "local-admin-pw"));
        var browser = Browser(app);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/auth/tokens")).StatusCode);

        var (callback, callbackUrl) = await SignInAsync(browser, new OidcUser("u-ada", "ada", "staff", "betterdb-admins"), "/hangfire");
        using (callback)
        {
            Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
            Assert.Equal("/hangfire", callback.Headers.Location!.ToString());
            var cookie = callback.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("betterdb.auth="));
            Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        }
        var asked = Assert.Single(_provider.AuthorizeRequests);
        Assert.Equal("code", asked["response_type"]);
        Assert.Contains(asked["response_mode"].ToString(), new[] { "", "query" }); // the code's default mode: in the query, not a cross-site post
        Assert.Equal("S256", asked["code_challenge_method"]);
        Assert.False(string.IsNullOrEmpty(asked["nonce"]));
        Assert.Equal(["openid", "profile", "groups"], asked["scope"].ToString().Split(' '));
        Assert.Equal(1, _provider.TokensIssued);

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/hangfire")).StatusCode); // the admin gate, as for a local admin
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/auth/tokens")).StatusCode);
        var monitor = await browser.GetStringAsync("/monitor");
        Assert.Contains("data-role=\"admin\"", monitor);
        Assert.Contains("ada", monitor);

        // The same callback again (its code used, its correlation cookie gone): refused, back to the sign-in page.
        using var replay = await Browser(app).GetAsync(callbackUrl.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, replay.StatusCode);
        Assert.Equal("/account/login?error=oidc", replay.Headers.Location!.ToString());

        // Sign-out is the local accounts' one: the cookie is gone.
        var form = await browser.GetStringAsync("/monitor");
        var token = Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using (var signOut = await browser.PostAsync("/account/signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token })))
            Assert.Equal("/account/login", signOut.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/auth/tokens")).StatusCode);
    }

    [Fact]
    public async Task Groups_map_to_operator_and_a_user_with_no_listed_group_is_a_viewer()
    {
        await using var app = NewApp();
        var op = Browser(app);
        (await SignInAsync(op, new OidcUser("u-otto", "otto", "On-Call"))).Callback.Dispose(); // matched ignoring case
        using (var r = await op.PostAsJsonAsync("/api/connections", new { name = "x", host = "127.0.0.1", port = 1 }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.StartsWith("A operator may not", await DetailAsync(r));
        }

        var viewer = Browser(app);
        (await SignInAsync(viewer, new OidcUser("u-vic", "vic", "staff"))).Callback.Dispose();
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/monitor/sessions")).StatusCode);
        using (var r = await viewer.PostAsJsonAsync("/api/monitor/sessions", new { connectionId = "default", durationMs = 1000 }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.StartsWith("A viewer may not", await DetailAsync(r));
        }
        Assert.NotEqual(HttpStatusCode.OK, (await viewer.GetAsync("/hangfire")).StatusCode);
    }

    [Fact]
    public async Task With_default_role_none_a_user_without_a_listed_group_is_refused()
    {
        await using var app = NewApp(("BetterDb:Auth:Oidc:DefaultRole", "none"), ("BetterDb:Auth:Oidc:ViewerValues", "readers"));
        var stranger = Browser(app);
        var (callback, _) = await SignInAsync(stranger, new OidcUser("u-eve", "eve", "staff"));
        using (callback)
        {
            Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
            Assert.Equal("/account/login?error=no-role", callback.Headers.Location!.ToString());
            Assert.DoesNotContain(callback.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("betterdb.auth="));
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("/api/monitor/sessions")).StatusCode);
        Assert.Contains("none of your groups may use this BetterDb", await stranger.GetStringAsync("/account/login?error=no-role"));
        Assert.Contains(app.Logs, l => l.Contains("Sign-in of eve with Test IdP refused"));

        var reader = Browser(app);
        (await SignInAsync(reader, new OidcUser("u-rita", "rita", "readers"))).Callback.Dispose();
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/monitor/sessions")).StatusCode);
    }

    [Fact]
    public async Task A_provider_alone_turns_sign_in_on_and_the_page_offers_only_it()
    {
        await using var app = NewApp();
        var browser = Browser(app);
        using (var page = await browser.GetAsync("/monitor"))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode); // not the anonymous admin
            Assert.StartsWith("http://localhost/account/login", page.Headers.Location!.ToString());
        }
        var login = await browser.GetStringAsync("/account/login");
        Assert.Contains("Sign in with Test IdP", login);
        Assert.DoesNotContain("data-testid=\"login-form\"", login); // no local account exists
        using var foreignHost = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        foreignHost.Headers.Host = "betterdb.internal.example"; // sign-in is on: not only the loopback names
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(foreignHost)).StatusCode);
    }

    [Theory]
    [InlineData("Authority", "not a url", "BetterDb:Auth:Oidc:Authority must be the provider's absolute https URL")]
    [InlineData("Authority", "http://idp.example/realms/x", "BetterDb:Auth:Oidc:RequireHttpsMetadata=false")]
    [InlineData("ClientId", "", "BetterDb:Auth:Oidc:ClientId is missing")]
    [InlineData("DefaultRole", "root", "BetterDb:Auth:Oidc:DefaultRole must be one of admin, operator, viewer or none")]
    [InlineData("RoleClaim", " ", "BetterDb:Auth:Oidc:RoleClaim is empty")]
    public void A_configuration_that_cannot_work_stops_the_app_naming_the_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["BetterDb:Auth:Oidc:Authority"] = "https://idp.example/realms/x",
            ["BetterDb:Auth:Oidc:ClientId"] = "betterdb",
            [$"BetterDb:Auth:Oidc:{key}"] = value,
        };
        using var app = new TestApp(null, settings: settings);
        var ex = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains(message, ex.ToString());
    }

    [Fact]
    public void The_highest_listed_role_wins_and_the_default_covers_the_rest()
    {
        var o = new OidcOptions { AdminValues = "admins", OperatorValues = "ops,sre", ViewerValues = "readers" };
        Assert.Equal(Roles.Admin, o.RoleFor(["readers", "SRE", "admins"]));
        Assert.Equal(Roles.Operator, o.RoleFor(["readers", "sre"]));
        Assert.Equal(Roles.Viewer, o.RoleFor(["readers"]));
        Assert.Equal(Roles.Viewer, o.RoleFor([]));
        Assert.Equal(Roles.Operator, new OidcOptions { DefaultRole = "Operator" }.RoleFor(["x"]));
        Assert.Null(new OidcOptions { DefaultRole = "none", ViewerValues = "readers" }.RoleFor(["staff"]));
        Assert.Equal(["openid", "profile", "groups", "email"], new OidcOptions { Scopes = "groups, email openid" }.AllScopes);
    }
}
