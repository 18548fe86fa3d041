using System.Security.Claims;
using BetterDb.Blazor.Api;
using BetterDb.Core.Configuration;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;

namespace BetterDb.Blazor.Security;

/// <summary>
/// The sign-in form's posts (cookie sessions for the UI; the forms carry the anti-forgery token, which these endpoints
/// check), the first run's admin account, and <c>/api/auth/tokens</c> (admins; with <c>BetterDb:Auth:AdminPassword</c>
/// also HTTP Basic <c>admin:&lt;password&gt;</c>, so automation can make its first token).
/// </summary>
public static class AccountEndpoints
{
    public static void MapBetterDbAccount(this WebApplication app)
    {
        // Every form post here must carry the form's anti-forgery token (checked before anything else is read).
        var account = app.MapGroup("/account").AllowAnonymous();

        account.MapPost("/signin", async (HttpContext http, AccountService accounts) =>
        {
            if (await ValidFormAsync(http) is not { } form) return BadForm();
            var (userName, password, returnUrl) = (form["userName"].ToString(), form["password"].ToString(), form["returnUrl"].ToString());
            var user = await accounts.VerifyAsync(userName, password, http.RequestAborted);
            if (user is null)
                return Results.LocalRedirect($"/account/login?error=1&returnUrl={Uri.EscapeDataString(LocalOrHome(returnUrl))}");
            await SignInAsync(http, user.UserName, user.Role);
            return Results.LocalRedirect(LocalOrHome(returnUrl));
        });

        // "Sign in with <provider>": a form post too (with its token), so another page cannot start a provider round trip.
        account.MapPost("/oidc", async (HttpContext http, SignInState signIn) =>
        {
            if (await ValidFormAsync(http) is not { } form) return BadForm();
            if (!signIn.Oidc) return Results.LocalRedirect("/account/login");
            return Results.Challenge(new AuthenticationProperties { RedirectUri = LocalOrHome(form["returnUrl"].ToString()) }, [AuthSchemes.Oidc]);
        });

        account.MapPost("/signout", async (HttpContext http) =>
        {
            if (await ValidFormAsync(http) is null) return BadForm();
            await http.SignOutAsync(AuthSchemes.Cookie);
            return Results.LocalRedirect("/account/login");
        });

        // The first run: while no account exists and no admin password is configured, whoever is at the machine (the
        // app answers loopback only then) makes the admin account; from then on everyone signs in.
        account.MapPost("/create-admin", async (HttpContext http, AccountService accounts, SignInState signIn) =>
        {
            if (await ValidFormAsync(http) is not { } form) return BadForm();
            var (userName, password, confirm) = (form["userName"].ToString(), form["password"].ToString(), form["confirm"].ToString());
            if (signIn.Configured) return Results.LocalRedirect("/account/login");
            if (password != confirm) return Results.LocalRedirect("/account/setup?error=" + Uri.EscapeDataString("The two passwords differ."));
            try
            {
                var admin = await accounts.CreateAccountAsync(userName, password, Roles.Admin, http.RequestAborted);
                await SignInAsync(http, admin.UserName, admin.Role);
                return Results.LocalRedirect("/monitor");
            }
            catch (Exception ex) when (ex is InvalidInputException or ConflictException)
            {
                return Results.LocalRedirect("/account/setup?error=" + Uri.EscapeDataString(ex.Message));
            }
        });

        var tokens = app.MapGroup("/api/auth/tokens").DisableAntiforgery().AllowAnonymous();
        tokens.MapPost("/", async (HttpRequest request, AccountService accounts, CancellationToken ct) =>
        {
            var (body, error) = await ApiResults.ReadBody<TokenBody>(request);
            if (error is not null) return error;
            var token = await accounts.CreateTokenAsync(body!.Name, body.Role, request.HttpContext.User.Identity?.Name, ct);
            return Results.Created($"/api/auth/tokens/{token.Id}", new { id = token.Id, name = token.Name, role = token.Role, token = token.Token, prefix = token.Prefix, createdAt = token.CreatedAt });
        });
        tokens.MapGet("/", async (AccountService accounts, CancellationToken ct) => Results.Ok(await accounts.TokensAsync(ct)));
        tokens.MapDelete("/{id}", async (string id, AccountService accounts, CancellationToken ct) =>
            await accounts.RevokeTokenAsync(id, ct) ? Results.NoContent() : ApiResults.NotFound($"No token '{id}'."));
    }

    /// <summary>The posted form, once its anti-forgery token checked out; null when it did not (or it is not a form).</summary>
    private static async Task<IFormCollection?> ValidFormAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType) return null;
        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return null;
        }
        return await http.Request.ReadFormAsync(http.RequestAborted);
    }

    private static IResult BadForm() => Results.Problem(detail: "The form's anti-forgery token is missing or wrong: reload the page and try again.",
        statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    private static Task SignInAsync(HttpContext http, string name, string role) =>
        http.SignInAsync(AuthSchemes.Cookie, AuthSchemes.Principal(name, role, AuthSchemes.Cookie),
            new AuthenticationProperties { IsPersistent = false });

    /// <summary>Only a path of this app: a sign-in link cannot send the user elsewhere.</summary>
    private static string LocalOrHome(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//") && !url.StartsWith("/\\") ? url : "/monitor";

    private sealed record TokenBody(string? Name, string? Role);
}
