using BetterDb.Core.Capture;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BetterDb.Testing;

/// <summary>
/// The web app in-process (<see cref="WebApplicationFactory{TEntryPoint}"/> over the real
/// <c>Program</c>): Production environment, its own temp data directory (SQLite, Hangfire,
/// keys) unless one is given, and connection <c>default</c> pointing at a test redis.
/// Disposing it stops the host the way a shutdown does (captures end <c>app_shutdown</c>);
/// the data directory is removed only if this instance created it and <see cref="KeepDataDirectory"/> is false.
/// </summary>
public sealed class TestApp : WebApplicationFactory<Program>
{
    private readonly string? _defaultConnection;
    private readonly bool _ownsDirectory;
    private readonly IReadOnlyDictionary<string, string?> _settings;

    /// <param name="defaultConnection">becomes connection <c>default</c> (<c>redis://127.0.0.1:port</c>); null for none.</param>
    /// <param name="dataDirectory">reuse a data directory (an app restart); null for a fresh temp one.</param>
    /// <param name="flushInterval">writer flush interval for captures (short so tests see lines soon); null keeps the app's.</param>
    /// <param name="settings">more configuration, e.g. <c>BetterDb:Monitor:DefaultLineCap</c>.</param>
    public TestApp(string? defaultConnection, string? dataDirectory = null, TimeSpan? flushInterval = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        _defaultConnection = defaultConnection;
        _ownsDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? NewDataDirectory();
        FlushInterval = flushInterval ?? TimeSpan.FromMilliseconds(200);
        _settings = settings ?? new Dictionary<string, string?>();
    }

    public string DataDirectory { get; }
    public TimeSpan FlushInterval { get; }
    public bool KeepDataDirectory { get; set; }

    public static string NewDataDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "betterdb-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public CaptureSessionService Sessions => Services.GetRequiredService<CaptureSessionService>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("BetterDb:DataDirectory", DataDirectory);
        builder.UseSetting("BetterDb:DefaultConnection", _defaultConnection ?? "");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        // Configuration rules beat SetMinimumLevel, so quieten the app's own appsettings the same way.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
        builder.UseSetting("Logging:LogLevel:Hangfire", "Error");
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        host.Services.GetRequiredService<CaptureSessionService>().WriterSettings = new CaptureWriterSettings { FlushInterval = FlushInterval };
        return host;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsDirectory && !KeepDataDirectory) TryDelete(DataDirectory);
    }

    internal static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
