using Hangfire;
using Hangfire.AspNetCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BetterDb.Testing;

/// <summary>
/// Keeps several apps in one test process (parallel collections, an app restarted in a test) from sharing Hangfire's
/// process-wide state. Hangfire.AspNetCore points its static log provider at the last app's LoggerFactory (once that app
/// is disposed, every Hangfire call in the other apps throws ObjectDisposedException) and hands each app the storage
/// and job activator that are static at the moment it resolves them (a race between apps starting together). Here
/// each app resolves its configuration under one lock and keeps its own storage and activator; the log provider is
/// one that lives as long as the process.
/// </summary>
internal static class HangfireIsolation
{
    private static readonly object Gate = new();

    // Errors only, to the console: what Hangfire itself reports is rarely the point of a test, but should not vanish.
    private static readonly ILoggerFactory ProcessLogging = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Error));

    public static void Apply(IServiceCollection services)
    {
        var configuration = services.LastOrDefault(d => d.ServiceType == typeof(IGlobalConfiguration));
        if (configuration?.ImplementationFactory is not { } make) return;
        services.Remove(configuration);
        services.AddSingleton<IsolatedHangfire>(sp =>
        {
            lock (Gate)
            {
                var global = (IGlobalConfiguration)make(sp);
                global.UseLogProvider(new AspNetCoreLogProvider(ProcessLogging));
                return new IsolatedHangfire(global, JobStorage.Current, new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
            }
        });
        services.AddSingleton(sp => sp.GetRequiredService<IsolatedHangfire>().Configuration);
        services.AddSingleton(sp => sp.GetRequiredService<IsolatedHangfire>().Storage);
        services.AddSingleton<JobActivator>(sp => sp.GetRequiredService<IsolatedHangfire>().Activator);
    }

    private sealed record IsolatedHangfire(IGlobalConfiguration Configuration, JobStorage Storage, JobActivator Activator);
}
