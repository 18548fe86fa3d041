using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace BetterDb.Blazor.Security;

/// <summary>The app's authentication schemes and how a request picks one.</summary>
public static class AuthSchemes
{
    /// <summary>The default: forwards to <see cref="Token"/> for an <c>Authorization</c> header, else to <see cref="Anonymous"/> without sign-in, else to the cookie.</summary>
    public const string Select = "BetterDb";
    public const string Token = "Token";
    public const string Anonymous = "Anonymous";
    public const string Cookie = CookieAuthenticationDefaults.AuthenticationScheme;
    /// <summary>OpenID Connect (when configured): only its challenge and callback; the user it signs in lives in <see cref="Cookie"/>.</summary>
    public const string Oidc = "oidc";

    public static ClaimsPrincipal Principal(string name, string role, string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], scheme, ClaimTypes.Name, ClaimTypes.Role));

    public static string? RoleOf(ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true ? user.FindFirstValue(ClaimTypes.Role) : null;
}

/// <summary>Without sign-in configured, every request is the anonymous admin (the app then answers loopback only, see <see cref="RequestGuard"/>).</summary>
internal sealed class AnonymousHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(AuthSchemes.Principal("anonymous", Roles.Admin, Scheme.Name), Scheme.Name)));
}

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c> with an API token; and, only for <c>POST /api/auth/tokens</c> with
/// <c>BetterDb:Auth:AdminPassword</c> set, <c>Basic admin:&lt;password&gt;</c>, so automation can make its first token.
/// </summary>
internal sealed class TokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    AccountService accounts, IOptionsMonitor<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = await accounts.FindTokenAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
            return token is null
                ? AuthenticateResult.Fail("The API token is unknown or was revoked.")
                : AuthenticateResult.Success(new AuthenticationTicket(AuthSchemes.Principal($"token:{token.Name}", token.Role, Scheme.Name), Scheme.Name));
        }
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            if (!(HttpMethods.IsPost(Request.Method) && Request.Path.Equals("/api/auth/tokens", StringComparison.OrdinalIgnoreCase)))
                return AuthenticateResult.Fail("Basic credentials are accepted only by POST /api/auth/tokens; use a bearer token.");
            string decoded;
            try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim())); }
            catch (FormatException) { return AuthenticateResult.Fail("The Basic credentials are not base64."); }
            var colon = decoded.IndexOf(':');
            var password = auth.CurrentValue.AdminPassword;
            if (colon < 0 || string.IsNullOrEmpty(password) || decoded[..colon] != AccountService.AdminUserName
                || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(decoded[(colon + 1)..]), Encoding.UTF8.GetBytes(password)))
                return AuthenticateResult.Fail("The admin credentials are wrong.");
            return AuthenticateResult.Success(new AuthenticationTicket(AuthSchemes.Principal(AccountService.AdminUserName, Roles.Admin, Scheme.Name), Scheme.Name));
        }
        return AuthenticateResult.NoResult();
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties) =>
        await ApiAccess.ProblemAsync(Context, StatusCodes.Status401Unauthorized, "Sign in, or send Authorization: Bearer <token>.");
}

/// <summary>
/// The roles of the HTTP API, in one place: reading needs any signed-in user (viewer), changing captures, triggers,
/// schedules and imports an operator, connections, webhooks and tokens an admin; a read-only host refuses every change.
/// 401 and 403 are problem details.
/// </summary>
internal sealed class ApiAccess(RequestDelegate next, IOptionsMonitor<AuthOptions> options)
{
    private static readonly string[] AdminAreas = ["/api/connections", "/api/webhooks", "/api/auth"];

    public async Task InvokeAsync(HttpContext context)
    {
        var role = AuthSchemes.RoleOf(context.User);
        if (role is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            var failure = (await context.AuthenticateAsync()).Failure?.Message;
            await ProblemAsync(context, StatusCodes.Status401Unauthorized, failure ?? "Sign in, or send Authorization: Bearer <token>.");
            return;
        }
        var method = context.Request.Method;
        var reading = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
        if (!reading && options.CurrentValue.ReadOnly)
        {
            await ProblemAsync(context, StatusCodes.Status403Forbidden, "This BetterDb is read-only (BetterDb:Auth:ReadOnly): nothing can be changed here.");
            return;
        }
        var needed = context.Request.Path.StartsWithSegments("/api/auth", StringComparison.OrdinalIgnoreCase) ? Roles.Admin // even listing tokens
            : reading ? Roles.Viewer
            : AdminAreas.Any(a => context.Request.Path.StartsWithSegments(a, StringComparison.OrdinalIgnoreCase)) ? Roles.Admin
            : Roles.Operator;
        var allowed = needed switch { Roles.Admin => Roles.IsAdmin(role), Roles.Operator => Roles.CanOperate(role), _ => true };
        if (!allowed)
        {
            await ProblemAsync(context, StatusCodes.Status403Forbidden, $"A {role} may not {method} {context.Request.Path}: it needs the {needed} role.");
            return;
        }
        await next(context);
    }

    internal static async Task ProblemAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        await Results.Problem(detail: detail, statusCode: status, title: status == 401 ? "Unauthorized" : "Forbidden").ExecuteAsync(context);
    }
}
