using System.Net;
using Microsoft.Extensions.Options;

namespace BetterDb.Blazor.Security;

/// <summary>
/// The first middleware: what is refused before anything else runs.
/// <list type="bullet">
/// <item>Without sign-in (and without <c>BetterDb:Auth:AllowAnonymous</c>), a request from anywhere but loopback: whoever
/// reaches the app could capture production traffic.</item>
/// <item>A state-changing request sent by a browser page of another origin (its <c>Origin</c> is not this app, or
/// <c>Sec-Fetch-Site</c> says cross-site): the CSRF of a plain HTML form post. Clients that are not browsers send no
/// <c>Origin</c> and are judged by their credentials.</item>
/// </list>
/// It also sets the headers every response carries (<c>nosniff</c>, no framing, no referrer to other origins).
/// </summary>
internal sealed class RequestGuard(RequestDelegate next, IOptionsMonitor<AuthOptions> options, SignInState signIn)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";

        if (!signIn.Configured && !options.CurrentValue.AllowAnonymous && !IsLoopback(context.Connection.RemoteIpAddress))
        {
            await RefuseAsync(context, "Sign-in is not configured, so this app answers only on loopback (anyone who could reach it could capture "
                + "your servers' traffic). Set BetterDb:Auth:AdminPassword to turn sign-in on, or BetterDb:Auth:AllowAnonymous=true to accept the risk.");
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && CrossOrigin(context.Request) is { } from)
        {
            await RefuseAsync(context, $"A {context.Request.Method} from another origin ({from}) is refused: cross-site requests cannot change anything here.");
            return;
        }
        await next(context);
    }

    /// <summary>Where a cross-origin browser request came from; null for a same-origin one or a client that is not a browser.</summary>
    internal static string? CrossOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site is "cross-site" or "same-site") return request.Headers.Origin.ToString() is { Length: > 0 } o ? o : site;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return null;
        if (origin == "null") return "an opaque origin";
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)) return origin;
        var own = $"{request.Scheme}://{request.Host.Value}";
        return string.Equals(uri.GetLeftPart(UriPartial.Authority), own, StringComparison.OrdinalIgnoreCase) ? null : origin;
    }

    /// <summary>In-process test hosts have no remote address: they are this machine.</summary>
    private static bool IsLoopback(IPAddress? address) => address is null || IPAddress.IsLoopback(address)
        || (address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(address.MapToIPv4()));

    private static async Task RefuseAsync(HttpContext context, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(detail: detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden").ExecuteAsync(context);
    }
}

/// <summary>
/// Whether sign-in is on: an admin password configured, an OpenID Connect provider configured, or local accounts made
/// (the first run's admin, say). Without
/// it the app is the anonymous admin's, and therefore answers on loopback only (unless <see cref="AuthOptions.AllowAnonymous"/>).
/// </summary>
public sealed class SignInState(IOptionsMonitor<AuthOptions> options, AccountService accounts)
{
    public bool Configured => ConfiguredAtStart || accounts.AnyAccount;

    /// <summary>What start-up knew (host filtering is set once): the configuration only; accounts are read later.</summary>
    public bool ConfiguredAtStart => LocalPassword || Oidc;

    /// <summary>The sign-in form for local accounts is worth showing: an admin password configured, or accounts made.</summary>
    public bool LocalAccounts => LocalPassword || accounts.AnyAccount;

    /// <summary>Sign-in with an OpenID Connect provider (<c>BetterDb:Auth:Oidc</c>).</summary>
    public bool Oidc => options.CurrentValue.Oidc.Enabled;

    private bool LocalPassword => !string.IsNullOrEmpty(options.CurrentValue.AdminPassword);
}
