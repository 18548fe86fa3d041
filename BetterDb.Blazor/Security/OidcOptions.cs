using Microsoft.Extensions.Options;

namespace BetterDb.Blazor.Security;

/// <summary>
/// <c>BetterDb:Auth:Oidc</c>: sign-in through a team's OpenID Connect provider (Keycloak, Entra ID, Okta, Authentik...).
/// Setting <see cref="Authority"/> or <see cref="ClientId"/> turns it on (and then both must be right). The provider's
/// users get a BetterDb role from the values of one claim (their groups, say), see <see cref="RoleFor"/>.
/// </summary>
public sealed class OidcOptions
{
    public const string Section = AuthOptions.Section + ":Oidc";
    public const string CallbackPath = "/signin-oidc";
    public const string NoRole = "none";

    /// <summary>The provider's issuer URL; its <c>/.well-known/openid-configuration</c> is read from there.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>The client's secret at the provider; leave it out for a public client (PKCE alone).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Scopes asked for besides <c>openid profile</c>, separated by spaces or commas (e.g. <c>groups</c>).</summary>
    public string? Scopes { get; set; }

    /// <summary>The ID token's claim whose values decide the role (a string or an array of strings).</summary>
    public string RoleClaim { get; set; } = "groups";

    /// <summary>Values of <see cref="RoleClaim"/> that make an admin, comma-separated, compared ignoring case.</summary>
    public string? AdminValues { get; set; }

    /// <summary>Values that make an operator.</summary>
    public string? OperatorValues { get; set; }

    /// <summary>Values that make a viewer (needed only when <see cref="DefaultRole"/> is <c>none</c>).</summary>
    public string? ViewerValues { get; set; }

    /// <summary>The role of a provider user whose claim matches none of the lists: a role, or <c>none</c> to refuse them.</summary>
    public string DefaultRole { get; set; } = Roles.Viewer;

    /// <summary>The sign-in button says "Sign in with &lt;DisplayName&gt;".</summary>
    public string DisplayName { get; set; } = "OpenID Connect";

    /// <summary>Only an https Authority (and metadata); tests against a local provider turn it off.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(ClientId);

    /// <summary>Scopes the sign-in asks for: <c>openid profile</c> and the configured extras.</summary>
    public IEnumerable<string> AllScopes => new[] { "openid", "profile" }.Concat(Split(Scopes, ' ', ',')).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// The role for a provider user with these claim values: the highest role any value is listed for (admin, then
    /// operator, then viewer), else <see cref="DefaultRole"/>; null when that is <c>none</c> (the sign-in is refused).
    /// </summary>
    public string? RoleFor(IEnumerable<string> claimValues)
    {
        var values = claimValues.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (Split(AdminValues, ',').Any(values.Contains)) return Roles.Admin;
        if (Split(OperatorValues, ',').Any(values.Contains)) return Roles.Operator;
        if (Split(ViewerValues, ',').Any(values.Contains)) return Roles.Viewer;
        return string.Equals(DefaultRole, NoRole, StringComparison.OrdinalIgnoreCase) ? null : DefaultRole.ToLowerInvariant();
    }

    private static IEnumerable<string> Split(string? list, params char[] separators) =>
        (list ?? "").Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Stops the app at start on a sign-in configuration that cannot work, naming the key.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var o = options.Oidc;
        if (!o.Enabled) return ValidateOptionsResult.Success;
        var errors = new List<string>();
        const string key = OidcOptions.Section;
        if (!Uri.TryCreate(o.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
            errors.Add($"{key}:Authority must be the provider's absolute https URL (its issuer), got '{o.Authority}'.");
        else if (authority.Scheme == "http" && o.RequireHttpsMetadata)
            errors.Add($"{key}:Authority is http ('{o.Authority}'): use https, or set {key}:RequireHttpsMetadata=false for a provider on a trusted network.");
        if (string.IsNullOrWhiteSpace(o.ClientId))
            errors.Add($"{key}:ClientId is missing: the client id registered at the provider (with {key}:Authority).");
        if (string.IsNullOrWhiteSpace(o.RoleClaim))
            errors.Add($"{key}:RoleClaim is empty: name the ID token claim that carries groups or roles (default 'groups').");
        if (!Roles.All.Contains(o.DefaultRole, StringComparer.OrdinalIgnoreCase) && !string.Equals(o.DefaultRole, OidcOptions.NoRole, StringComparison.OrdinalIgnoreCase))
            errors.Add($"{key}:DefaultRole must be one of {string.Join(", ", Roles.All)} or {OidcOptions.NoRole} (refuse), got '{o.DefaultRole}'.");
        if (string.IsNullOrWhiteSpace(o.DisplayName))
            errors.Add($"{key}:DisplayName is empty: it names the provider on the sign-in button.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
