using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BetterDb.E2E.Infrastructure;

/// <summary>
/// Keeps the app's warnings and errors so a failing browser test can print what the server
/// saw (a circuit exception, a failed query) next to the browser's view.
/// </summary>
public sealed class AppLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Entries logged since <paramref name="from"/> (a value of <see cref="Count"/>).</summary>
    public IReadOnlyList<string> Since(int from) => _entries.Skip(from).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string entry)
    {
        _entries.Enqueue(entry);
        Interlocked.Increment(ref _count);
    }

    private sealed class Logger(AppLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            log.Add($"[{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}] {formatter(state, exception)}"
                    + (exception is null ? "" : $"\n{exception}"));
        }
    }
}
