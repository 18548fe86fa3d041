using System.Text.Json;
using System.Text.Json.Serialization;
using BetterDb.Blazor.Api;
using BetterDb.Blazor.Security;
using BetterDb.Core;
using BetterDb.Core.Storage;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Configuration.Json;
using MudBlazor.Services;

namespace BetterDb.Blazor;

internal static class WebSetup
{
    /// <summary>
    /// The repository keeps appsettings.Development.json at its top level; in Development
    /// it is read right after the project's own JSON files, so environment variables and
    /// the command line still win.
    /// </summary>
    public static void AddRepositoryDevelopmentSettings(this WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment()) return;
        var path = Path.GetFullPath(Path.Combine(builder.Environment.ContentRootPath, "..", "appsettings.Development.json"));
        if (!File.Exists(path)) return;
        var sources = builder.Configuration.Sources;
        var lastJson = sources.Select((s, i) => (s, i)).LastOrDefault(x => x.s is JsonConfigurationSource).i;
        var source = new JsonConfigurationSource { Path = path, Optional = true, ReloadOnChange = false };
        source.ResolveFileProvider();
        sources.Insert(lastJson + 1, source);
    }

    public static IServiceCollection AddBetterDbWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMudServices();
        services.AddScoped<BetterDb.Blazor.Ui.ConnectionScope>(); // per circuit: the connection the Monitor pages show
        services.AddSingleton<BetterDb.Blazor.Ui.ApiOperations>(); // the /api-docs page, from the OpenAPI generator
        services.AddProblemDetails();
        // The HTTP API described from its own endpoints, so the document cannot drift from them.
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "BetterDb HTTP API";
            doc.Info.Description = "Capture sessions of Redis/Valkey MONITOR streams, their lines, exports and analysis (see API.md).";
            return Task.CompletedTask;
        }));
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            // A number is a JSON number: the web defaults also read "6471" as one, which API.md does not allow.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });

        // Jobs beside the app's data: the SQLite file in the data directory, or the same PostgreSQL database (schema
        // "hangfire"), where several app processes share one queue and Hangfire runs each job and recurring tick once.
        var postgres = StorageOptions.IsPostgresProvider(configuration);
        services.AddHangfire((sp, c) =>
        {
            c.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            if (postgres)
                c.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(sp.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString),
                    new PostgreSqlStorageOptions { SchemaName = "hangfire", QueuePollInterval = TimeSpan.FromSeconds(1) });
            else
                c.UseSQLiteStorage(sp.GetRequiredService<DataPaths>().HangfireDatabase,
                    new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromSeconds(2) });
        });
        services.AddHangfireServer(o =>
        {
            o.SchedulePollingInterval = TimeSpan.FromSeconds(2);
            o.WorkerCount = Math.Max(2, Environment.ProcessorCount);
        });
        // Webhook attempts on their own queue and workers: a receiver that hangs holds these, never the
        // workers that run analysis and schedule ticks.
        services.AddHangfireServer((sp, o) =>
        {
            o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:webhooks";
            o.Queues = [BetterDb.Core.Webhooks.WebhookDeliveryJob.Queue];
            o.WorkerCount = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<BetterDb.Core.Webhooks.WebhookOptions>>().Value.Workers;
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        // Replays on their own queue too: one can take hours (at the capture's own pace), and must not hold the default workers.
        services.AddHangfireServer(o =>
        {
            o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:replays";
            o.Queues = [BetterDb.Core.Replay.ReplayJob.Queue];
            o.WorkerCount = 2;
            o.SchedulePollingInterval = TimeSpan.FromSeconds(2);
        });
        services.AddHostedService<OwnerAddress>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        services.AddBetterDbSecurity(configuration);
        return services;
    }

    public static void MapBetterDbApi(this WebApplication app)
    {
        // Who may do what under /api is decided in one place (ApiAccess), as problem details; the endpoints themselves are
        // open to the authorization middleware so it never answers an API client with a redirect to the sign-in page.
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), b =>
        {
            b.UseMiddleware<ApiAccess>();
            b.UseMiddleware<ApiErrorMiddleware>();
        });
        var api = app.MapGroup("/api").DisableAntiforgery().AllowAnonymous();
        api.MapConnectionEndpoints();
        api.MapHistoryEndpoints();
        // One group for every session route: capturing, import, pre-flight, reading, analysis.
        var sessions = api.MapGroup("/monitor/sessions");
        sessions.MapSessionEndpoints();
        sessions.MapImportEndpoint();
        sessions.MapPreflightEndpoints();
        sessions.MapSessionAnalysisEndpoints();
        api.MapScheduleEndpoints();
        api.MapTriggerEndpoints();
        api.MapAnomalyEndpoints();
        api.MapWebhookEndpoints();
        api.MapReplayEndpoints();
        app.MapHealthChecks("/healthz").AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.json");
    }

    public static void MapBetterDbJobs(this WebApplication app)
    {
        // Behind the same sign-in, for admins (without sign-in: the anonymous admin, on loopback only).
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new AdminDashboardFilter()],
            DashboardTitle = "BetterDb jobs",
            AppPath = "/",
        }).RequireAuthorization(SecurityServiceCollectionExtensions.AdminPolicy);
    }
}

internal sealed class DatabaseHealthCheck(IDbContextFactory<BetterDbContext> contexts, StorageHealth storage) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public async Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken ct = default)
    {
        if (storage.Failure is { } failure) return Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy(failure);
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Database.CanConnectAsync(ct)
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy()
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("The database does not answer.");
    }
}
