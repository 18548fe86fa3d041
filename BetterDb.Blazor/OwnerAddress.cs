using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace BetterDb.Blazor;

/// <summary>
/// Tells <see cref="AppInstance"/> where this process serves its UI, so the sessions it runs carry a link other
/// processes (sharing the database) show for the live view: <c>BetterDb:PublicUrl</c>, else the first address Kestrel
/// listens on (a wildcard host becomes this machine's name).
/// </summary>
internal sealed class OwnerAddress(AppInstance instance, IServer server, IOptions<BetterDbOptions> options) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.PublicUrl)) instance.Url = options.Value.PublicUrl.TrimEnd('/');
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken ct)
    {
        if (instance.Url is null && server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } address
            && Uri.TryCreate(address.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var uri))
        {
            // Listening on every interface: this machine's name is the address others can use.
            var host = uri.Host is "0.0.0.0" or "[::]" ? Environment.MachineName : uri.Host;
            instance.Url = new UriBuilder(uri) { Host = host }.Uri.ToString().TrimEnd('/');
        }
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}
