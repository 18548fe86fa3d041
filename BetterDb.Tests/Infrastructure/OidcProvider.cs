using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BetterDb.Testing;

/// <summary>Who the provider signs in next: the subject, the user name and the values of the <c>groups</c> claim.</summary>
public sealed record OidcUser(string Subject, string UserName, params string[] Groups);

/// <summary>
/// A minimal OpenID Connect provider on a real Kestrel loopback port, for sign-in tests: discovery, a JWKS with one RSA
/// key, an <c>/authorize</c> that signs <see cref="User"/> in at once (no page) and redirects back with a code, and a
/// <c>/token</c> that redeems the code only with the right client secret, redirect URI and PKCE verifier, answering
/// with an RS256 ID token that carries the request's nonce and the user's groups. What it refused is in <see cref="Refusals"/>.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "betterdb-test";
    public const string ClientSecret = "test-client-secret";

    private readonly WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RsaSecurityKey _key;
    private readonly ConcurrentDictionary<string, Grant> _codes = new();

    private sealed record Grant(OidcUser User, string? Nonce, string Challenge, string RedirectUri);

    public string Authority { get; private set; } = "";

    /// <summary>The user the next <c>/authorize</c> signs in.</summary>
    public OidcUser User { get; set; } = new("user-1", "alice", "staff");

    /// <summary>Every <c>/authorize</c> query seen, for assertions about what the app asked for.</summary>
    public ConcurrentQueue<IQueryCollection> AuthorizeRequests { get; } = new();

    /// <summary>Why a request was refused (a test that expects a sign-in to work can print these).</summary>
    public ConcurrentQueue<string> Refusals { get; } = new();

    /// <summary>How many codes were redeemed for an ID token.</summary>
    public int TokensIssued => _tokensIssued;

    private int _tokensIssued;

    private OidcProvider()
    {
        _key = new RsaSecurityKey(_rsa) { KeyId = "test-key-1" };
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Authority,
            ["authorization_endpoint"] = $"{Authority}/authorize",
            ["token_endpoint"] = $"{Authority}/token",
            ["jwks_uri"] = $"{Authority}/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["response_modes_supported"] = new[] { "query" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
            ["scopes_supported"] = new[] { "openid", "profile", "groups" },
        }));
        _app.MapGet("/jwks", () =>
        {
            var p = _rsa.ExportParameters(false);
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = _key.KeyId, n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) } } });
        });
        _app.MapGet("/authorize", Authorize);
        _app.MapPost("/token", TokenAsync);
    }

    public static async Task<OidcProvider> StartAsync()
    {
        var provider = new OidcProvider();
        await provider._app.StartAsync();
        provider.Authority = provider._app.Urls.First().TrimEnd('/');
        return provider;
    }

    /// <summary>The configuration of an app that signs in with this provider (its button says "Sign in with Test IdP"; the group <c>betterdb-admins</c> is admin).</summary>
    public Dictionary<string, string> AppSettings() => new()
    {
        ["BetterDb:Auth:Oidc:Authority"] = Authority,
        ["BetterDb:Auth:Oidc:ClientId"] = ClientId,
        ["BetterDb:Auth:Oidc:ClientSecret"] = ClientSecret,
        ["BetterDb:Auth:Oidc:RequireHttpsMetadata"] = "false",
        ["BetterDb:Auth:Oidc:DisplayName"] = "Test IdP",
        ["BetterDb:Auth:Oidc:AdminValues"] = "betterdb-admins",
    };

    private IResult Authorize(HttpRequest request)
    {
        var q = request.Query;
        AuthorizeRequests.Enqueue(q);
        string? problem =
            q["client_id"] != ClientId ? $"unknown client_id '{q["client_id"]}'"
            : q["response_type"] != "code" ? $"response_type '{q["response_type"]}' (only code)"
            : q["response_mode"].Count > 0 && q["response_mode"] != "query" ? $"response_mode '{q["response_mode"]}' (only query)"
            : !q["scope"].ToString().Split(' ').Contains("openid") ? "no openid scope"
            : q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]) ? "no S256 PKCE challenge"
            : !Uri.TryCreate(q["redirect_uri"], UriKind.Absolute, out _) ? "no absolute redirect_uri"
            : null;
        if (problem is not null) return Refuse("authorize", problem);
        var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _codes[code] = new Grant(User, q["nonce"], q["code_challenge"]!, q["redirect_uri"]!);
        var back = $"{q["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(q["state"].ToString())}";
        return Results.Redirect(back);
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var (clientId, secret) = (form["client_id"].ToString(), form["client_secret"].ToString());
        if (request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..])).Split(':', 2);
            (clientId, secret) = (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
        }
        if (clientId != ClientId || secret != ClientSecret) return Refuse("token", "wrong client credentials", "invalid_client", 401);
        if (form["grant_type"] != "authorization_code") return Refuse("token", $"grant_type '{form["grant_type"]}'", "unsupported_grant_type");
        if (!_codes.TryRemove(form["code"].ToString(), out var grant)) return Refuse("token", "unknown or used code", "invalid_grant");
        if (form["redirect_uri"] != grant.RedirectUri) return Refuse("token", "redirect_uri differs from the authorize request's", "invalid_grant");
        var verifier = form["code_verifier"].ToString();
        if (verifier.Length < 43 || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != grant.Challenge)
            return Refuse("token", "the PKCE verifier does not match the challenge", "invalid_grant");

        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = grant.User.Subject,
            ["preferred_username"] = grant.User.UserName,
            ["groups"] = grant.User.Groups,
        };
        if (grant.Nonce is not null) claims["nonce"] = grant.Nonce;
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Audience = ClientId,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
        Interlocked.Increment(ref _tokensIssued);
        return Results.Json(new { access_token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), token_type = "Bearer", expires_in = 300, id_token = idToken });
    }

    private IResult Refuse(string endpoint, string why, string error = "invalid_request", int status = 400)
    {
        Refusals.Enqueue($"{endpoint}: {why}");
        return Results.Json(new { error, error_description = why }, statusCode: status);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        _rsa.Dispose();
    }
}
