using BetterDb.Blazor.Security;
using BetterDb.Blazor.Ui;
using BetterDb.Core;
using BetterDb.Core.Storage;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace BetterDb.Tests.Components;

/// <summary>
/// A bunit context with MudBlazor and the real core services over a temporary SQLite
/// data directory (schema from the migrations). Derive, optionally set
/// <see cref="DefaultConnection"/> before <see cref="InitializeAsync"/> runs, and use <see cref="Ctx"/>.
/// </summary>
public abstract class ComponentTestContext : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "betterdb-ui-" + Guid.NewGuid().ToString("N"));

    protected ComponentTestContext()
    {
        Ctx = new BunitContext();
        Ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        Ctx.Services.AddMudServices();
    }

    protected BunitContext Ctx { get; }

    /// <summary>Waits are generous: the suite runs in parallel on two cores next to real servers.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>The configured <c>default</c> connection; a closed loopback port unless a test needs a real server.</summary>
    protected virtual string? DefaultConnection => "redis://127.0.0.1:1";

    public virtual async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?> { ["BetterDb:DataDirectory"] = _dataDirectory };
        if (DefaultConnection is not null) settings["BetterDb:DefaultConnection"] = DefaultConnection;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        Ctx.Services.AddLogging();
        Ctx.Services.AddBetterDbCore(configuration, _dataDirectory);
        Ctx.Services.AddScoped<ConnectionScope>();
        Ctx.Services.AddBetterDbSecurity(configuration);
        // The circuit's user: the admin (as the anonymous user is without sign-in); role tests set their own.
        var auth = Ctx.AddAuthorization();
        auth.SetAuthorized("admin");
        auth.SetRoles("admin");

        await using var db = await Ctx.Services.GetRequiredService<IDbContextFactory<BetterDbContext>>().CreateDbContextAsync();
        await db.Database.MigrateAsync();
        // As on the interactive circuit: the pre-flight panel (in the start dialog) waits for it before checking a server.
        // Set last: it builds the renderer, after which no service can be added.
        Ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected T Service<T>() where T : notnull => Ctx.Services.GetRequiredService<T>();

    public virtual async Task DisposeAsync()
    {
        await Ctx.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
