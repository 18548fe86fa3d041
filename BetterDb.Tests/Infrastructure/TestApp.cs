using BetterDb.Core.Capture;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

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
    private readonly Action<IServiceCollection>? _services;

    /// <param name="defaultConnection">becomes connection <c>default</c> (<c>redis://127.0.0.1:port</c>); null for none.</param>
    /// <param name="dataDirectory">reuse a data directory (an app restart); null for a fresh temp one.</param>
    /// <param name="flushInterval">writer flush interval for captures; null is 200 ms, so tests see stored lines soon.</param>
    /// <param name="settings">more configuration, e.g. <c>BetterDb:Monitor:DefaultLineCap</c>.</param>
    /// <param name="services">more services, e.g. a test's own outbox handler.</param>
    public TestApp(string? defaultConnection, string? dataDirectory = null, TimeSpan? flushInterval = null,
        IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        _defaultConnection = defaultConnection;
        _ownsDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? NewDataDirectory();
        FlushInterval = flushInterval ?? TimeSpan.FromMilliseconds(200);
        _settings = settings ?? new Dictionary<string, string?>();
    }

    public string DataDirectory { get; }
    public TimeSpan FlushInterval { get; }

    /// <summary>The app's PostgreSQL database when the tests run on PostgreSQL (<see cref="PostgresServer.Requested"/>); else null.</summary>
    public string? PostgresConnectionString => _postgres;

    private string? _postgres;
    public bool KeepDataDirectory { get; set; }

    public static string NewDataDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "betterdb-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public CaptureSessionService Sessions => Services.GetRequiredService<CaptureSessionService>();

    /// <summary>Every log message the app wrote (at the configured levels), with exception text, for assertions about what reaches logs.</summary>
    public IReadOnlyCollection<string> Logs => _logs.Messages;

    private readonly RecordingLoggerProvider _logs = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        // One UseSetting per key: the caller's settings replace these defaults.
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["BetterDb:DataDirectory"] = DataDirectory,
            ["BetterDb:DefaultConnection"] = _defaultConnection ?? "",
            // Configuration rules beat SetMinimumLevel, so quieten the app's own appsettings the same way.
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Hangfire"] = "Error",
        };
        foreach (var (key, value) in _settings) settings[key] = value;
        // The run on PostgreSQL: a database per data directory (a restart on the same directory finds its data again).
        if (PostgresServer.Requested && !settings.ContainsKey("BetterDb:Storage:Provider"))
        {
            _postgres = PostgresServer.Shared.CreateDatabase(key: DataDirectory);
            settings["BetterDb:Storage:Provider"] = "postgres";
            settings["BetterDb:Storage:ConnectionString"] = _postgres;
        }
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(l => l.AddProvider(_logs));
        builder.ConfigureTestServices(HangfireIsolation.Apply);
        if (_services is not null) builder.ConfigureServices(_services);
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        var sessions = host.Services.GetRequiredService<CaptureSessionService>();
        sessions.WriterSettings = sessions.WriterSettings with { FlushInterval = FlushInterval };
        return host;
    }

    // DisposeAsync ends here too, after stopping the host.
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsDirectory && !KeepDataDirectory)
        {
            TryDelete(DataDirectory);
            if (_postgres is not null) PostgresServer.Shared.DropDatabase(_postgres);
        }
    }

    internal static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Keeps log messages in memory.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

    public IReadOnlyCollection<string> Messages => _messages;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _messages);

    public void Dispose() { }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            messages.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
