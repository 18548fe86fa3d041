using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace BetterDb.Blazor.Security;

/// <summary>
/// OpenID Connect sign-in (ASP.NET's handler): the authorization-code flow with PKCE, answered at
/// <see cref="OidcOptions.CallbackPath"/>. The provider's user is signed into the same cookie as a local account, with a
/// name and one BetterDb role, so roles, the UI, the dashboard's gate and sign-out need nothing of their own.
/// </summary>
internal static class OidcSignIn
{
    /// <summary>Whether <c>BetterDb:Auth:Oidc</c> is configured, read before the options exist (the schemes are set up once).</summary>
    public static bool Configured(IConfiguration configuration) => configuration.GetSection(OidcOptions.Section).Get<OidcOptions>()?.Enabled == true;

    /// <summary>Registers the handler only when <paramref name="enabled"/> (an unconfigured one fails every request).</summary>
    public static AuthenticationBuilder AddBetterDbOidc(this AuthenticationBuilder builder, bool enabled)
    {
        if (!enabled) return builder;
        builder.AddOpenIdConnect(AuthSchemes.Oidc, "OpenID Connect", _ => { });
        builder.Services.AddOptions<OpenIdConnectOptions>(AuthSchemes.Oidc).Configure<IOptions<AuthOptions>>((o, auth) => Configure(o, auth.Value.Oidc));
        return builder;
    }

    private static void Configure(OpenIdConnectOptions o, OidcOptions oidc)
    {
        o.SignInScheme = AuthSchemes.Cookie;
        o.Authority = oidc.Authority;
        o.ClientId = oidc.ClientId;
        o.ClientSecret = string.IsNullOrEmpty(oidc.ClientSecret) ? null : oidc.ClientSecret;
        o.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
        o.CallbackPath = OidcOptions.CallbackPath;
        o.ResponseType = OpenIdConnectResponseType.Code;
        o.UsePkce = true;
        // The code comes back in the query of a top-level GET: the handler's Lax correlation and nonce cookies travel
        // with it on plain http too (form_post would need SameSite=None, which browsers accept only on https), and the
        // request guard's cross-origin rule for posts needs no exception.
        o.ResponseMode = OpenIdConnectResponseMode.Query;
        o.CorrelationCookie.SameSite = SameSiteMode.Lax;
        o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.NonceCookie.SameSite = SameSiteMode.Lax;
        o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.Scope.Clear();
        foreach (var scope in oidc.AllScopes) o.Scope.Add(scope);
        o.MapInboundClaims = false; // the claims as the provider names them ("groups", "preferred_username")
        o.SaveTokens = false;       // the cookie carries the name and the role, never the provider's tokens
        o.Events.OnTokenValidated = TokenValidatedAsync;
        o.Events.OnRemoteFailure = RemoteFailureAsync;
    }

    private static Task TokenValidatedAsync(TokenValidatedContext context)
    {
        var oidc = context.HttpContext.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Oidc;
        var user = context.Principal!;
        var name = new[] { "preferred_username", "email", "name", "sub" }.Select(user.FindFirst).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c?.Value))?.Value
            ?? "unknown";
        var role = oidc.RoleFor(user.FindAll(oidc.RoleClaim).Select(c => c.Value));
        var log = Logger(context.HttpContext);
        if (role is null)
        {
            log.LogWarning("Sign-in of {User} with {Provider} refused: no value of its '{Claim}' claim is listed for a role, and {Key}:DefaultRole is none.",
                name, oidc.DisplayName, oidc.RoleClaim, OidcOptions.Section);
            context.Response.Redirect("/account/login?error=no-role");
            context.HandleResponse();
            return Task.CompletedTask;
        }
        log.LogInformation("{User} signed in with {Provider} as {Role}.", name, oidc.DisplayName, role);
        context.Principal = AuthSchemes.Principal(name, role, AuthSchemes.Oidc);
        context.Properties!.IsPersistent = false;
        return Task.CompletedTask;
    }

    /// <summary>The provider said no, or the round trip broke (a stale or replayed callback): back to the sign-in page, saying so.</summary>
    private static Task RemoteFailureAsync(RemoteFailureContext context)
    {
        Logger(context.HttpContext).LogWarning("Sign-in with OpenID Connect failed: {Reason}", context.Failure?.Message);
        context.Response.Redirect("/account/login?error=oidc");
        context.HandleResponse();
        return Task.CompletedTask;
    }

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcSignIn));
}
