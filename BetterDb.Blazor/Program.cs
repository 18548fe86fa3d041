using BetterDb.Blazor;
using BetterDb.Blazor.Api;
using BetterDb.Blazor.Components;
using BetterDb.Core;
using BetterDb.Blazor.Security;

// `BetterDb.Blazor healthcheck [url]`: the container's HEALTHCHECK, without curl in the image.
if (args is ["healthcheck", ..]) return await HealthCheck.RunAsync(args.Length > 1 ? args[1] : null);

var builder = WebApplication.CreateBuilder(args);
builder.AddRepositoryDevelopmentSettings();

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddBetterDbCore(builder.Configuration, builder.Environment.ContentRootPath);
builder.Services.AddBetterDbWeb(builder.Configuration);

var app = builder.Build();
app.UseMiddleware<BetterDb.Blazor.Security.RequestGuard>();

if (!app.Environment.IsDevelopment())
    app.UseExceptionHandler("/Error", createScopeForErrors: true);
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets().AllowAnonymous();
app.MapBetterDbApi();
app.MapBetterDbJobs();
app.MapBetterDbAccount();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();
return 0;

/// <summary>Exposed for WebApplicationFactory in the test projects.</summary>
public partial class Program;
