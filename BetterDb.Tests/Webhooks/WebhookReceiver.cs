using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BetterDb.Tests.Webhooks;

/// <summary>One request the receiver got: its path, webhook headers and exact body.</summary>
public sealed record ReceivedHook(string Path, string? Event, string? Delivery, string? Signature, string Body, DateTime At);

/// <summary>
/// A real HTTP receiver (Kestrel on a free loopback port) for webhook tests. Each path answers as its
/// <see cref="Answer"/> says (by the number of requests that path has had, from 1); by default 200.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<int, HttpContext, Task<int>>> _answers = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();

    public ConcurrentQueue<ReceivedHook> Received { get; } = new();
    public string BaseUrl { get; private set; } = "";

    private WebhookReceiver()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Path.Value ?? "/";
            var n = _counts.AddOrUpdate(path, 1, (_, c) => c + 1);
            Received.Enqueue(new ReceivedHook(path, context.Request.Headers["X-BetterDb-Event"], context.Request.Headers["X-BetterDb-Delivery"],
                context.Request.Headers["X-BetterDb-Signature"], body, DateTime.UtcNow));
            var status = _answers.TryGetValue(path, out var answer) ? await answer(n, context) : 200;
            context.Response.StatusCode = status;
            await context.Response.WriteAsync(status is >= 200 and < 300 ? "ok" : $"receiver says {status}");
        });
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        await receiver._app.StartAsync();
        receiver.BaseUrl = receiver._app.Urls.First().TrimEnd('/');
        return receiver;
    }

    /// <summary>How <paramref name="path"/> answers its n-th request (from 1): a status code, after whatever the function awaits.</summary>
    public void Answer(string path, Func<int, HttpContext, Task<int>> answer) => _answers[path] = answer;

    public void Answer(string path, Func<int, int> status) => _answers[path] = (n, _) => Task.FromResult(status(n));

    public string Url(string path) => BaseUrl + path;

    public IReadOnlyList<ReceivedHook> At(string path) => Received.Where(r => r.Path == path).ToList();

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
