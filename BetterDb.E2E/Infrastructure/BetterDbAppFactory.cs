using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BetterDb.E2E.Infrastructure;

/// <summary>
/// The real app, in-process, on a real Kestrel port (the browser needs a socket; TestServer has none).
/// Production environment so the run looks like a deployment (no developer exception page, no
/// repository development settings); static web assets (MudBlazor's CSS/JS under <c>_content/</c>)
/// are only mapped automatically in Development, so they are switched on explicitly.
/// </summary>
internal sealed class BetterDbAppFactory(string dataDirectory, string redisUrl, AppLog log, IReadOnlyDictionary<string, string>? settings = null)
    : WebApplicationFactory<Program>
{
    /// <summary>Starts the app on a free Kestrel port; returns the address a browser can open (Kestrel may report a wildcard host).</summary>
    public Uri StartOnKestrel()
    {
        UseKestrel(0);
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("://[::]", "://127.0.0.1").Replace("://0.0.0.0", "://127.0.0.1").Replace("://+", "://127.0.0.1"));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseStaticWebAssets();
        // Host settings reach a minimal-hosting app as command-line arguments, so they win
        // over appsettings.json and are visible before builder.Build().
        builder.UseSetting("BetterDb:DataDirectory", dataDirectory);
        builder.UseSetting("BetterDb:DefaultConnection", redisUrl);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) builder.UseSetting(key, value);
        // Two apps in this process (the sign-in test starts its own): each keeps its own Hangfire state.
        builder.ConfigureTestServices(BetterDb.Testing.HangfireIsolation.Apply);
        builder.ConfigureLogging(logging =>
        {
            logging.ClearProviders();
            logging.SetMinimumLevel(LogLevel.Warning);
            logging.AddProvider(log);
        });
    }
}
