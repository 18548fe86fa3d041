using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Webhooks;

/// <summary>What one attempt gave: the status code (null when none came back), how long it took, and the error or the answer's start.</summary>
public sealed record WebhookAttempt(int? StatusCode, long LatencyMs, string? Error, string? ResponseExcerpt)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Posts one signed body. Redirects are not followed (a 3xx is a failure the log shows), every attempt has the
/// configured timeout, and the answer is read only up to 1 KB.
/// </summary>
public sealed class WebhookSender(IOptions<WebhookOptions> options) : IDisposable
{
    public const string SignatureHeader = "X-BetterDb-Signature";
    public const string EventHeader = "X-BetterDb-Event";
    public const string DeliveryHeader = "X-BetterDb-Delivery";
    public const int ExcerptBytes = 1024;

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = options.Value.Timeout,
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of the exact body bytes with the secret.</summary>
    public static string Sign(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    public async Task<WebhookAttempt> SendAsync(string url, string? secret, string eventType, string deliveryId, string body, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("BetterDb-Webhooks", "1"));
        request.Headers.Add(EventHeader, eventType);
        request.Headers.Add(DeliveryHeader, deliveryId);
        if (!string.IsNullOrEmpty(secret)) request.Headers.Add(SignatureHeader, Sign(secret, body));
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var excerpt = await ReadExcerptAsync(response, timeout.Token);
            var code = (int)response.StatusCode;
            var error = response.IsSuccessStatusCode ? null : $"HTTP {code} {response.ReasonPhrase}".TrimEnd();
            return new WebhookAttempt(code, clock.ElapsedMilliseconds, error, excerpt);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new WebhookAttempt(null, clock.ElapsedMilliseconds, $"timed out after {options.Value.TimeoutMs} ms", null);
        }
        catch (HttpRequestException ex)
        {
            return new WebhookAttempt(null, clock.ElapsedMilliseconds, ex.GetBaseException().Message, null);
        }
    }

    private static async Task<string?> ReadExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[ExcerptBytes];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0) break;
            read += n;
        }
        return read == 0 ? null : Encoding.UTF8.GetString(buffer, 0, read);
    }

    public void Dispose() => _http.Dispose();
}
