namespace BetterDb.E2E.Infrastructure;

/// <summary>
/// A second app beside the fixture's, for configuration the shared one must not have (sign-in): its own data directory
/// and settings, the same redis, its own Kestrel port. Close its pages before disposing it.
/// </summary>
internal sealed class ExtraApp : IAsyncDisposable
{
    private readonly BetterDbAppFactory _factory;
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"betterdb-e2e-extra-{Guid.NewGuid():N}");

    public ExtraApp(AppFixture app, IReadOnlyDictionary<string, string> settings)
    {
        Directory.CreateDirectory(_dataDirectory);
        _factory = new BetterDbAppFactory(_dataDirectory, app.Redis.Url, app.AppLog, settings);
        Address = _factory.StartOnKestrel();
    }

    public Uri Address { get; }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
