using Microsoft.Extensions.Options;

namespace BetterDb.Core.Configuration;

/// <summary>The <c>BetterDb</c> configuration section (keys listed in API.md).</summary>
public sealed class BetterDbOptions
{
    public const string Section = "BetterDb";

    /// <summary>SQLite files and data-protection keys. Relative paths are under the content root.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary><c>redis://[user:password@]host:port[/db]</c> or <c>rediss://</c>; becomes connection <c>default</c>.</summary>
    public string? DefaultConnection { get; set; }

    public MonitorOptions Monitor { get; set; } = new();
}

public sealed class MonitorOptions
{
    public long DefaultByteCap { get; set; } = 52_428_800;
    public long DefaultLineCap { get; set; } = 5_000_000;
    public bool RedactValues { get; set; }
}

/// <summary>Rejects bad values at start, naming the configuration key.</summary>
public sealed class BetterDbOptionsValidator : IValidateOptions<BetterDbOptions>
{
    public ValidateOptionsResult Validate(string? name, BetterDbOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.DataDirectory))
            errors.Add("BetterDb:DataDirectory must not be empty.");
        if (o.Monitor.DefaultByteCap <= 0)
            errors.Add($"BetterDb:Monitor:DefaultByteCap must be a positive number of bytes (got {o.Monitor.DefaultByteCap}).");
        if (o.Monitor.DefaultLineCap <= 0)
            errors.Add($"BetterDb:Monitor:DefaultLineCap must be a positive number of lines (got {o.Monitor.DefaultLineCap}).");
        if (!string.IsNullOrWhiteSpace(o.DefaultConnection)
            && !Connections.RedisUrl.TryParse(o.DefaultConnection, out _, out var error))
            errors.Add($"BetterDb:DefaultConnection is not a valid redis:// or rediss:// URL: {error}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
