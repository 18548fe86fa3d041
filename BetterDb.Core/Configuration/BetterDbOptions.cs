using BetterDb.Core.Connections;
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

    /// <summary>The profile with these settings applied; the PEM files must be readable (the validator checked).</summary>
    public ConnectionProfile ApplyTo(ConnectionProfile profile) => profile with
    {
        CaCertificate = ReadPem(CaCertificate, out _),
        ClientCertificate = ReadPem(ClientCertificate, out _),
        ClientKey = ReadPem(ClientKey, out _),
        TlsInsecure = Insecure,
    };

    /// <summary>The PEM text of a setting: the value itself, or the file it names. Null (with why) when unreadable.</summary>
    public static string? ReadPem(string? value, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (IsPemText(value)) return value.Trim();
        var path = value.Trim();
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            error = ex is FileNotFoundException or DirectoryNotFoundException
                ? $"the file '{path}' does not exist (give a path to a PEM file, or the PEM text)"
                : $"the file '{path}' cannot be read: {ex.Message}";
            return null;
        }
    }

    private static bool IsPemText(string value) => value.Contains("-----BEGIN ", StringComparison.Ordinal);

    /// <summary>What is wrong with these settings, each message naming its key.</summary>
    public IEnumerable<string> Errors(string? defaultConnection)
    {
        if (!IsSet) yield break;
        if (string.IsNullOrWhiteSpace(defaultConnection)
            || !(RedisUrl.TryParse(defaultConnection, out var profile, out _) && profile.Tls))
        {
            yield return $"{Section} is set but BetterDb:DefaultConnection is not a rediss:// URL: TLS settings need a TLS connection.";
            yield break;
        }
        var texts = new Dictionary<TlsField, string?>();
        var unreadable = false;
        foreach (var (field, key, value) in new[]
                 {
                     (TlsField.CaCertificate, "CaCertificate", CaCertificate),
                     (TlsField.ClientCertificate, "ClientCertificate", ClientCertificate),
                     (TlsField.ClientKey, "ClientKey", ClientKey),
                 })
        {
            texts[field] = ReadPem(value, out var error);
            if (error is null) continue;
            unreadable = true;
            yield return $"{Section}:{key}: {error}.";
        }
        if (unreadable) yield break;
        if (TlsClientSettings.Check(texts[TlsField.CaCertificate], texts[TlsField.ClientCertificate], texts[TlsField.ClientKey]) is { } invalid)
            yield return $"{Section}:{invalid.Field}: {invalid.Message}";
    }
}

public sealed class MonitorOptions
{
    public long DefaultByteCap { get; set; } = 52_428_800;
    public long DefaultLineCap { get; set; } = 5_000_000;
    public bool RedactValues { get; set; }
    public WatchdogOptions Watchdog { get; set; } = new();

    /// <summary>
    /// Bytes of each argument a reader shows (line objects of <c>/lines</c>, the JSON, NDJSON and CSV exports, the UI);
    /// a longer one is shown cut with its full length. The txt export always gives every byte.
    /// </summary>
    public int MaxArgumentBytesShown { get; set; } = Lines.MonitorLine.DefaultMaxArgumentBytesShown;

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
        if (o.Monitor.MaxArgumentBytesShown is < 256 or > 16 * 1024 * 1024)
            errors.Add($"BetterDb:Monitor:MaxArgumentBytesShown must be between 256 and 16777216 bytes (got {o.Monitor.MaxArgumentBytesShown}).");
        if (!string.IsNullOrWhiteSpace(o.DefaultConnection)
            && !RedisUrl.TryParse(o.DefaultConnection, out _, out var error))
            errors.Add($"BetterDb:DefaultConnection is not a valid redis:// or rediss:// URL: {error}");
        else
            errors.AddRange(o.DefaultConnectionTls.Errors(o.DefaultConnection));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
