using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;

namespace BetterDb.Blazor.Security;

public static class SecurityServiceCollectionExtensions
{
    /// <summary>The host names an anonymous app answers to when <c>AllowedHosts</c> is left at <c>*</c>: a DNS-rebinding page cannot reach it.</summary>
    public static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    public const string AdminPolicy = "admin";

    /// <summary>Sign-in (cookie for the UI, bearer tokens for the API, anonymous admin without sign-in), roles, host filtering.</summary>
    public static IServiceCollection AddBetterDbSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<SignInState>();
        services.AddSingleton<IPostConfigureOptions<HostFilteringOptions>, LoopbackHostsWithoutSignIn>();
        services.AddHostedService<AccountsAtStart>();

        var oidcEnabled = OidcSignIn.Configured(configuration);
        services.AddAuthentication(AuthSchemes.Select)
            .AddPolicyScheme(AuthSchemes.Select, "BetterDb", o => o.ForwardDefaultSelector = context =>
            {
                var header = context.Request.Headers.Authorization.ToString();
                if (header.Length > 0) return AuthSchemes.Token;
                return context.RequestServices.GetRequiredService<SignInState>().Configured ? AuthSchemes.Cookie : AuthSchemes.Anonymous;
            })
            .AddScheme<AuthenticationSchemeOptions, TokenHandler>(AuthSchemes.Token, null)
            .AddScheme<AuthenticationSchemeOptions, AnonymousHandler>(AuthSchemes.Anonymous, null)
            .AddCookie(AuthSchemes.Cookie, o =>
            {
                o.Cookie.Name = "betterdb.auth";
                o.Cookie.HttpOnly = true;
                // Lax with a provider: the first page after its callback is a redirect the provider's page started,
                // and a Strict cookie would not be sent with it (the user would land on the sign-in page, signed in).
                // State-changing posts from elsewhere are still refused (RequestGuard, anti-forgery tokens).
                o.Cookie.SameSite = oidcEnabled ? SameSiteMode.Lax : SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/account/login";
                o.AccessDeniedPath = "/account/denied";
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
            })
            .AddBetterDbOidc(oidcEnabled);
        services.AddAuthorization(o =>
        {
            // Pages, the Blazor hub and every endpoint without its own rule: signed in (the anonymous admin without sign-in).
            o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            o.AddPolicy(AdminPolicy, p => p.RequireRole(Roles.Admin));
        });
        services.AddCascadingAuthenticationState();
        services.AddScoped<UserAccess>();
        return services;
    }

    private sealed class LoopbackHostsWithoutSignIn(SignInState signIn, IOptions<AuthOptions> auth) : IPostConfigureOptions<HostFilteringOptions>
    {
        public void PostConfigure(string? name, HostFilteringOptions options)
        {
            if (signIn.ConfiguredAtStart || auth.Value.AllowAnonymous) return;
            if (options.AllowedHosts.Count == 0 || options.AllowedHosts.Contains("*")) options.AllowedHosts = [.. LoopbackHosts];
        }
    }

    private sealed class AccountsAtStart(AccountService accounts) : IHostedService
    {
        public Task StartAsync(CancellationToken ct) => accounts.InitializeAsync(ct);
        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}

/// <summary>The Hangfire dashboard: admins only (the anonymous admin without sign-in).</summary>
internal sealed class AdminDashboardFilter : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => Roles.IsAdmin(AuthSchemes.RoleOf(context.GetHttpContext().User));
}
