using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;

namespace BetterDb.Blazor.Security;

public static class SecurityServiceCollectionExtensions
{
    /// <summary>The host names an anonymous app answers to when <c>AllowedHosts</c> is left at <c>*</c>: a DNS-rebinding page cannot reach it.</summary>
    public static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    public static IServiceCollection AddBetterDbSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section));
        services.AddSingleton<SignInState>();
        services.AddSingleton<IPostConfigureOptions<HostFilteringOptions>, LoopbackHostsWithoutSignIn>();
        return services;
    }

    private sealed class LoopbackHostsWithoutSignIn(SignInState signIn, IOptions<AuthOptions> auth) : IPostConfigureOptions<HostFilteringOptions>
    {
        public void PostConfigure(string? name, HostFilteringOptions options)
        {
            if (signIn.Configured || auth.Value.AllowAnonymous) return;
            if (options.AllowedHosts.Count == 0 || options.AllowedHosts.Contains("*")) options.AllowedHosts = [.. LoopbackHosts];
        }
    }
}
