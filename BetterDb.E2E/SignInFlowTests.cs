using System.Text.RegularExpressions;
using BetterDb.E2E.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>
/// Issue 19 in a real Chromium, against a second app with sign-in on (<c>BetterDb:Auth:AdminPassword</c>): a stranger
/// lands on the sign-in page, a wrong password says so, the admin signs in, adds a viewer on the Access page; the viewer
/// signs in and sees no Start, no Import and no Access page, and signs out.
/// </summary>
public sealed class SignInFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    private const string AdminPassword = "e2e-admin-password";

    [Fact]
    public async Task Sign_in_admin_adds_a_viewer_who_cannot_start_captures()
    {
        await using var second = new ExtraApp(App, new Dictionary<string, string> { ["BetterDb:Auth:AdminPassword"] = AdminPassword });
        var p = await OpenAsync("sign-in", second.Address);
        var page = p.Page;
        try
        {
            await page.GotoAsync("/monitor");
            await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
            await page.GetByTestId("login-user").FillAsync("admin");
            await page.GetByTestId("login-password").FillAsync("wrong password");
            await page.GetByTestId("login-submit").ClickAsync();
            await Expect(page.GetByTestId("login-error")).ToContainTextAsync("wrong");
            await ShotAsync(p, "01-wrong-password");
            await page.GetByTestId("login-user").FillAsync("admin");
            await page.GetByTestId("login-password").FillAsync(AdminPassword);
            await page.GetByTestId("login-submit").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/monitor"));
            await p.WaitInteractiveAsync();
            await Expect(page.GetByTestId("signed-in")).ToContainTextAsync("admin");
            await Expect(page.GetByTestId("start-session")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("no-sign-in")).ToHaveCountAsync(0);

            await p.GotoAsync("/access");
            await page.Locator("[data-testid=new-user] input, input[data-testid=new-user]").First.FillAsync("vera");
            await page.Locator("[data-testid=new-password] input, input[data-testid=new-password]").First.FillAsync("viewer-password");
            await page.GetByTestId("add-account").ClickAsync();
            await Expect(page.Locator("[data-testid=account-row][data-user=vera]")).ToContainTextAsync("viewer");
            await ShotAsync(p, "02-access");
            await page.GetByTestId("sign-out").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/account/login"));

            await page.GetByTestId("login-user").FillAsync("vera");
            await page.GetByTestId("login-password").FillAsync("viewer-password");
            await page.GetByTestId("login-submit").ClickAsync();
            await Expect(page.GetByTestId("signed-in")).ToHaveAttributeAsync("data-role", "viewer");
            await Expect(page.GetByTestId("monitor-tabs")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("start-session")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("import-open")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("nav-access")).ToHaveCountAsync(0);
            await ShotAsync(p, "03-viewer");
            await page.GotoAsync("/access");
            await Expect(page.GetByTestId("accounts-table")).ToHaveCountAsync(0);
            var hangfire = await page.GotoAsync("/hangfire");
            Assert.NotEqual(200, hangfire!.Status);
        }
        finally
        {
            await p.DisposeAsync(); // before its app stops
        }
    }
}
