namespace BetterDb.Blazor;

/// <summary>
/// <c>dotnet BetterDb.Blazor.dll healthcheck [url]</c>: asks a running app's <c>/healthz</c> and exits 0 when it
/// answers 200, 1 otherwise, so a container image needs no curl for its HEALTHCHECK. The default URL is this
/// host's first <c>ASPNETCORE_URLS</c> entry (a wildcard host asked as localhost).
/// </summary>
internal static class HealthCheck
{
    public static async Task<int> RunAsync(string? url)
    {
        url ??= DefaultUrl();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var response = await http.GetAsync(new Uri(new Uri(url), "/healthz"));
            Console.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            Console.Error.WriteLine($"unhealthy: {ex.Message}");
            return 1;
        }
    }

    private static string DefaultUrl()
    {
        var first = (Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? "http://localhost:8080").Split(';')[0];
        return first.Replace("://+", "://localhost").Replace("://*", "://localhost").Replace("://0.0.0.0", "://localhost");
    }
}
