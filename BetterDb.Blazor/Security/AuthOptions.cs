namespace BetterDb.Blazor.Security;

/// <summary><c>BetterDb:Auth</c>: who may use the app, and from where.</summary>
public sealed class AuthOptions
{
    public const string Section = "BetterDb:Auth";

    /// <summary>The password of the local account <c>admin</c> (created or updated at start). Setting it turns sign-in on.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>
    /// Without sign-in the app answers only requests from loopback; true lets anyone who can reach it in (and capture).
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>A demo or audit host: every change is refused (403), reading stays.</summary>
    public bool ReadOnly { get; set; }

    /// <summary><c>BetterDb:Auth:Oidc</c>: sign-in through the team's OpenID Connect provider, beside local accounts.</summary>
    public OidcOptions Oidc { get; set; } = new();
}
