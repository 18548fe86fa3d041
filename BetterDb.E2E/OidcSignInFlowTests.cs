using System.Text.RegularExpressions;
using BetterDb.E2E.Infrastructure;
using BetterDb.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>
/// Issue 19's OpenID Connect sign-in in a real Chromium, against a second app configured for a real provider
/// (<see cref="OidcProvider"/> on its own port): the sign-in page offers "Sign in with Test IdP" above the local
/// accounts' form; a provider user in no
/// listed group comes back signed in as a viewer and sees no Start; after signing out, a user in the admin group comes
/// back as an admin with Start and the Hangfire dashboard.
/// </summary>
public sealed class OidcSignInFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    [Fact]
    public async Task Sign_in_with_the_provider_gives_the_role_its_groups_map_to()
    {
        await using var provider = await OidcProvider.StartAsync();
        var settings = provider.AppSettings();
        settings["BetterDb:Auth:AdminPassword"] = "e2e-local-admin"; // local accounts still work beside the provider
        await using var second = new ExtraApp(App, settings);
        var p = await OpenAsync("oidc", second.Address);
        var page = p.Page;
        try
        {
            await page.GotoAsync("/monitor");
            await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
            await Expect(page.GetByTestId("oidc-submit")).ToHaveTextAsync("Sign in with Test IdP");
            await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
            await ShotAsync(p, "01-sign-in-page");

            provider.User = new OidcUser("u-vic", "vic", "staff");
            await page.GetByTestId("oidc-submit").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/monitor$"));
            await p.WaitInteractiveAsync();
            await Expect(page.GetByTestId("signed-in")).ToHaveAttributeAsync("data-role", "viewer");
            await Expect(page.GetByTestId("signed-in")).ToContainTextAsync("vic");
            await Expect(page.GetByTestId("monitor-tabs")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("start-session")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("no-sign-in")).ToHaveCountAsync(0);
            await ShotAsync(p, "02-viewer");

            await page.GetByTestId("sign-out").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
            provider.User = new OidcUser("u-ada", "ada", "staff", "betterdb-admins");
            await page.GetByTestId("oidc-submit").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/monitor$"));
            await p.WaitInteractiveAsync();
            await Expect(page.GetByTestId("signed-in")).ToHaveAttributeAsync("data-role", "admin");
            await Expect(page.GetByTestId("start-session")).ToBeEnabledAsync();
            await ShotAsync(p, "03-admin");
            var hangfire = await page.GotoAsync("/hangfire");
            Assert.Equal(200, hangfire!.Status);
            Assert.Equal(2, provider.TokensIssued);
            Assert.Empty(provider.Refusals);
        }
        finally
        {
            await p.DisposeAsync(); // before its app stops
        }
    }
}
