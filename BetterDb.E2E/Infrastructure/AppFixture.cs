using System.Net.Http.Json;
using System.Text.Json;
using BetterDb.Testing;
using Microsoft.Playwright;

namespace BetterDb.E2E.Infrastructure;

/// <summary>
/// Started once per collection: a real redis-server, the real app on a real Kestrel port
/// (against a fresh data directory, with that redis as connection <c>default</c>), and one
/// headless Chromium. Each test opens its own browser context (<see cref="NewPageAsync"/>).
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    public static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private BetterDbAppFactory? _factory;
    private IPlaywright? _playwright;

    public RedisServer Redis { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), $"betterdb-e2e-{Guid.NewGuid():N}");
    public AppLog AppLog { get; } = new();
    public IServiceProvider Services => _factory!.Services;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        Redis = await RedisServer.StartAsync(TimeSpan.FromMinutes(30));

        _factory = new BetterDbAppFactory(DataDirectory, Redis.Url, AppLog);
        BaseAddress = _factory.StartOnKestrel();
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumArgs,
        });
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    /// <summary>A fresh browser context (own cookies, own Blazor circuit) at 1280x900, on this app or another one (<paramref name="baseAddress"/>).</summary>
    public async Task<BrowserPage> NewPageAsync(string name, Uri? baseAddress = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = (baseAddress ?? BaseAddress).ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        return new BrowserPage(name, context, page);
    }

    /// <summary>Stops every running capture through the HTTP API, so one test's capture never blocks the next test's start.</summary>
    public async Task StopRunningCapturesAsync()
    {
        var sessions = await Http.GetFromJsonAsync<JsonElement>("/api/monitor/sessions?status=running&limit=1000");
        foreach (var s in sessions.EnumerateArray())
            await Http.PostAsync($"/api/monitor/sessions/{s.GetProperty("id").GetString()}/stop", null);
    }

    /// <summary>Starts a capture through the HTTP API (for tests whose subject is not the start dialog).</summary>
    /// <summary>
    /// Starts a capture over the API and returns once its MONITOR is on (the server shows every command to it from then on)
    /// or the session is no longer running: the API answers 201 before MONITOR is attached, and a busy machine can take a
    /// while to attach it, so commands a test sends at once might come before the capture could see them.
    /// </summary>
    public async Task<JsonElement> StartCaptureAsync(object body)
    {
        var response = await Http.PostAsJsonAsync("/api/monitor/sessions", body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /api/monitor/sessions answered {(int)response.StatusCode}: {text}");
        var session = JsonDocument.Parse(text).RootElement.Clone();
        var id = session.GetProperty("id").GetString()!;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            var clients = await Redis.CliAsync("CLIENT", "LIST");
            if (clients.Split('\n').Any(c => c.Contains($"name={BetterDb.Core.Monitoring.MonitorConnection.ClientName} ") && c.Contains(" cmd=monitor")))
                return session;
            if ((await GetSessionAsync(id)).GetProperty("status").GetString() != "running") return session;
        }
        throw new TimeoutException($"session {id} is running but its MONITOR client did not attach within 20 s");
    }

    public async Task<JsonElement> GetSessionAsync(string id) =>
        await Http.GetFromJsonAsync<JsonElement>($"/api/monitor/sessions/{id}");

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        Http?.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "app";
}
