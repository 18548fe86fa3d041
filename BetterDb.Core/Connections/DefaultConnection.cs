using BetterDb.Core.Configuration;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Connections;

/// <summary>Connection <c>default</c> from configuration: its URL and TLS settings, read and checked at start.</summary>
public static class DefaultConnection
{
    /// <summary>The profile with these settings applied; the PEM files must be readable (the validator checked).</summary>
    public static ConnectionProfile ApplyTo(this DefaultConnectionTlsOptions tls, ConnectionProfile profile) => profile with
    {
        CaCertificate = ReadPem(tls.CaCertificate, out _),
        ClientCertificate = ReadPem(tls.ClientCertificate, out _),
        ClientKey = ReadPem(tls.ClientKey, out _),
        TlsInsecure = tls.Insecure,
    };

    /// <summary>The PEM text of a setting: the value itself, or the file it names. Null (with why) when unreadable.</summary>
    public static string? ReadPem(string? value, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (DefaultConnectionTlsOptions.IsPemText(value)) return value.Trim();
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


    /// <summary>What is wrong with these settings, each message naming its key.</summary>
    public static IEnumerable<string> Errors(this DefaultConnectionTlsOptions tls, string? defaultConnection)
    {
        if (!tls.IsSet) yield break;
        if (string.IsNullOrWhiteSpace(defaultConnection)
            || !(RedisUrl.TryParse(defaultConnection, out var profile, out _) && profile.Tls))
        {
            yield return $"{DefaultConnectionTlsOptions.Section} is set but BetterDb:DefaultConnection is not a rediss:// URL: TLS settings need a TLS connection.";
            yield break;
        }
        var texts = new Dictionary<TlsField, string?>();
        var unreadable = false;
        foreach (var (field, key, value) in new[]
                 {
                     (TlsField.CaCertificate, "CaCertificate", tls.CaCertificate),
                     (TlsField.ClientCertificate, "ClientCertificate", tls.ClientCertificate),
                     (TlsField.ClientKey, "ClientKey", tls.ClientKey),
                 })
        {
            texts[field] = ReadPem(value, out var error);
            if (error is null) continue;
            unreadable = true;
            yield return $"{DefaultConnectionTlsOptions.Section}:{key}: {error}.";
        }
        if (unreadable) yield break;
        if (TlsClientSettings.Check(texts[TlsField.CaCertificate], texts[TlsField.ClientCertificate], texts[TlsField.ClientKey]) is { } invalid)
            yield return $"{DefaultConnectionTlsOptions.Section}:{invalid.Field}: {invalid.Message}";
    }
}

/// <summary>Rejects a <c>BetterDb:DefaultConnection</c> (and its TLS settings) that cannot be used, naming the key.</summary>
public sealed class DefaultConnectionValidator : IValidateOptions<BetterDbOptions>
{
    public ValidateOptionsResult Validate(string? name, BetterDbOptions o)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(o.DefaultConnection) && !RedisUrl.TryParse(o.DefaultConnection, out _, out var error))
            errors.Add($"BetterDb:DefaultConnection is not a valid redis:// or rediss:// URL: {error}");
        else
            errors.AddRange(o.DefaultConnectionTls.Errors(o.DefaultConnection));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
