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

    /// <summary>TLS settings of connection <c>default</c> when it is a <c>rediss://</c> URL.</summary>
    public DefaultConnectionTlsOptions DefaultConnectionTls { get; set; } = new();

    public MonitorOptions Monitor { get; set; } = new();

    /// <summary>
    /// Where users reach this app process (<c>https://betterdb-2.internal</c>): other processes sharing the database link
    /// to it for the live view of the captures it runs. Unset, the address it listens on is used.
    /// </summary>
    public string? PublicUrl { get; set; }
}

/// <summary>
/// <c>BetterDb:DefaultConnectionTls</c>: each PEM setting is a path to a PEM file (relative to the content
/// root) or the PEM text itself. The files are read once, at start.
/// </summary>
public sealed class DefaultConnectionTlsOptions
{
    public const string Section = BetterDbOptions.Section + ":DefaultConnectionTls";

    public string? CaCertificate { get; set; }
    public string? ClientCertificate { get; set; }
    public string? ClientKey { get; set; }
    public bool Insecure { get; set; }

    public bool IsSet => Insecure || !string.IsNullOrWhiteSpace(CaCertificate) || !string.IsNullOrWhiteSpace(ClientCertificate)
        || !string.IsNullOrWhiteSpace(ClientKey);

    /// <summary>Anchors relative file paths at <paramref name="contentRoot"/>, as <c>DataDirectory</c> is.</summary>
    public void ResolvePaths(string contentRoot)
    {
        CaCertificate = Resolve(CaCertificate);
        ClientCertificate = Resolve(ClientCertificate);
        ClientKey = Resolve(ClientKey);

        string? Resolve(string? value) =>
            string.IsNullOrWhiteSpace(value) || IsPemText(value) || Path.IsPathRooted(value.Trim())
                ? value
                : Path.GetFullPath(Path.Combine(contentRoot, value.Trim()));
    }

    internal static bool IsPemText(string value) => value.Contains("-----BEGIN ", StringComparison.Ordinal);
}

public sealed class MonitorOptions
{
    public long DefaultByteCap { get; set; } = 52_428_800;
    public long DefaultLineCap { get; set; } = 5_000_000;
    public bool RedactValues { get; set; }
    /// <summary>Leave the app's own connections' commands (collectors, pre-flight, the watchdog) out of captures.</summary>
    public bool ExcludeOwnTraffic { get; set; } = true;
    public WatchdogOptions Watchdog { get; set; } = new();

    /// <summary>
    /// Bytes of each argument a reader shows (line objects of <c>/lines</c>, the JSON, NDJSON and CSV exports, the UI);
    /// a longer one is shown cut with its full length. The txt export always gives every byte.
    /// </summary>
    public int MaxArgumentBytesShown { get; set; } = 64 * 1024; // MonitorLine.DefaultMaxArgumentBytesShown

    /// <summary>The longest line kept whole; a longer one is kept cut to this many bytes, with its length recorded.</summary>
    public int MaxLineBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>A captured line is stored at most this long after it arrived: what a crash of the app can lose.</summary>
    public int FlushIntervalMs { get; set; } = 1000;
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
        if (!string.IsNullOrWhiteSpace(o.PublicUrl)
            && !(Uri.TryCreate(o.PublicUrl, UriKind.Absolute, out var publicUrl) && publicUrl.Scheme is "http" or "https"))
            errors.Add($"BetterDb:PublicUrl must be an absolute http or https URL (got '{o.PublicUrl}').");
        if (o.Monitor.MaxArgumentBytesShown is < 256 or > 16 * 1024 * 1024)
            errors.Add($"BetterDb:Monitor:MaxArgumentBytesShown must be between 256 and 16777216 bytes (got {o.Monitor.MaxArgumentBytesShown}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
