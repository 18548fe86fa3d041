using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using BetterDb.Core.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Connections.KeyRing;

/// <summary>How the key ring is protected at rest; <see cref="Warning"/> is set when it is not (shown on the Connections page and logged at start).</summary>
public sealed record KeyRingStatus(string Protection, string Detail, string? Warning)
{
    public bool Encrypted => Warning is null;
}

/// <summary>
/// The Data Protection key ring (which decrypts the stored Redis passwords and client keys) in <c>&lt;data&gt;/keys</c>,
/// encrypted at rest with a certificate (<c>BetterDb:DataProtection:CertificatePath</c>) or a key-encryption key
/// (<c>BetterDb:DataProtection:KeyFile</c> or <c>:Key</c>, e.g. from the environment variable
/// <c>BetterDb__DataProtection__Key</c>), neither of which may live in the data directory. Without either, keys are
/// stored as before, and the app says so.
/// </summary>
public static class KeyRingProtection
{
    public const string Section = "BetterDb:DataProtection";

    public static KeyRingStatus AddBetterDbDataProtection(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        var keysDirectory = Path.Combine(dataDirectory, "keys");
        var builder = services.AddDataProtection().SetApplicationName("BetterDb");
        // Several app processes on one PostgreSQL must decrypt each other's secrets (and sign-in cookies): one key
        // ring, in the shared database. On SQLite (one machine) the ring stays in files beside the database.
        var shared = Storage.StorageOptions.IsPostgresProvider(configuration);
        if (shared)
            services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
                o.XmlRepository = new EntityFrameworkCoreXmlRepository<Storage.BetterDbContext>(sp, sp.GetRequiredService<ILoggerFactory>())));
        else
        {
            PrivateFiles.EnsureDirectory(keysDirectory);
            services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
                o.XmlRepository = new PrivateFileSystemXmlRepository(new DirectoryInfo(keysDirectory), sp.GetRequiredService<ILoggerFactory>())));
        }

        var (status, encryptor) = Choose(configuration,
            shared ? ("the database's data_protection_keys table", "the database") : (keysDirectory, "the data folder"), dataDirectory, builder, services);
        if (encryptor is not null && !shared) SealPlaintextKeys(keysDirectory, encryptor);
        services.AddSingleton(status);
        services.AddHostedService<KeyRingStatusLog>();
        return status;
    }

    private static (KeyRingStatus, IXmlEncryptor?) Choose(IConfiguration configuration, (string Where, string CopyOf) keys, string dataDirectory, IDataProtectionBuilder builder, IServiceCollection services)
    {
        var section = configuration.GetSection(Section);
        var certificatePath = section["CertificatePath"];
        var keyFile = section["KeyFile"];
        var keyText = section["Key"];
        var configured = new[] { certificatePath, keyFile, keyText }.Count(v => !string.IsNullOrWhiteSpace(v));
        if (configured > 1)
            throw new InvalidInputException($"{Section}:CertificatePath",
                $"Set only one of {Section}:CertificatePath, {Section}:KeyFile and {Section}:Key: the key ring is encrypted one way.");

        if (!string.IsNullOrWhiteSpace(certificatePath))
        {
            var certificate = LoadCertificate(Path.GetFullPath(certificatePath), section["CertificateKeyPath"], section["CertificatePassword"], dataDirectory);
            builder.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
            return (new KeyRingStatus("certificate", $"Encrypted with the certificate {certificate.Subject} ({certificate.Thumbprint}).", null),
                new CertificateXmlEncryptor(certificate, NullLoggerFactory.Instance));
        }

        KeyEncryptionKey? kek = null;
        string? source = null;
        if (!string.IsNullOrWhiteSpace(keyFile))
        {
            var path = Path.GetFullPath(keyFile);
            RefuseInside(path, dataDirectory, $"{Section}:KeyFile");
            if (!File.Exists(path)) throw new InvalidInputException($"{Section}:KeyFile", $"{Section}:KeyFile: no file '{path}'.");
            if (!KeyEncryptionKey.TryParse(File.ReadAllBytes(path), out kek))
                throw new InvalidInputException($"{Section}:KeyFile",
                    $"{Section}:KeyFile '{path}' must hold 32 random bytes, raw or as base64 (openssl rand -base64 32 > file).");
            source = $"the key file {path}";
        }
        else if (!string.IsNullOrWhiteSpace(keyText))
        {
            if (!KeyEncryptionKey.TryParse(System.Text.Encoding.ASCII.GetBytes(keyText), out kek))
                throw new InvalidInputException($"{Section}:Key", $"{Section}:Key must be 32 random bytes as base64 (openssl rand -base64 32).");
            source = $"the key from {Section}:Key";
        }
        if (kek is not null)
        {
            services.AddSingleton(kek);
            var encryptor = new AesGcmXmlEncryptor(kek);
            services.Configure<KeyManagementOptions>(o => o.XmlEncryptor = encryptor);
            return (new KeyRingStatus("key", $"Encrypted (AES-256-GCM) with {source} (key id {kek.Id}).", null), encryptor);
        }
        return (new KeyRingStatus("none", "Not encrypted.",
            $"The Data Protection keys in {keys.Where} are stored unencrypted: anyone with a copy of {keys.CopyOf} can decrypt the stored Redis passwords. " +
            $"Set {Section}:KeyFile (a file outside the data folder) or the environment variable BetterDb__DataProtection__Key, or {Section}:CertificatePath."), null);
    }

    private static X509Certificate2 LoadCertificate(string path, string? keyPath, string? password, string dataDirectory)
    {
        const string field = Section + ":CertificatePath";
        RefuseInside(path, dataDirectory, field);
        if (!File.Exists(path)) throw new InvalidInputException(field, $"{field}: no file '{path}'.");
        X509Certificate2 certificate;
        try
        {
            var ext = Path.GetExtension(path).ToLowerInvariant();
            if (ext is ".pfx" or ".p12")
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
            else
            {
                var key = string.IsNullOrWhiteSpace(keyPath) ? null : Path.GetFullPath(keyPath);
                if (key is not null) RefuseInside(key, dataDirectory, $"{Section}:CertificateKeyPath");
                certificate = string.IsNullOrEmpty(password)
                    ? X509Certificate2.CreateFromPemFile(path, key)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password, key);
            }
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
        {
            throw new InvalidInputException(field, $"{field}: the certificate '{path}' could not be loaded: {ex.Message}");
        }
        if (!certificate.HasPrivateKey || certificate.GetRSAPrivateKey() is null)
            throw new InvalidInputException(field, $"{field}: the certificate '{path}' needs its RSA private key (set {Section}:CertificateKeyPath for a separate PEM key).");
        return certificate;
    }

    /// <summary>A key stored beside the data it protects protects nothing.</summary>
    private static void RefuseInside(string path, string dataDirectory, string field)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory)) + Path.DirectorySeparatorChar;
        if (path.StartsWith(root, StringComparison.Ordinal))
            throw new InvalidInputException(field, $"{field} '{path}' is inside the data directory: a copy of that folder would carry the key with it. Keep it elsewhere.");
    }

    private static readonly XNamespace DataProtectionNs = "http://schemas.asp.net/2015/03/dataProtection";

    /// <summary>
    /// Keys written before encryption was configured hold their secret in clear: encrypt them in place (as Data Protection
    /// would have when writing them), so turning encryption on protects the passwords already stored too.
    /// </summary>
    internal static int SealPlaintextKeys(string keysDirectory, IXmlEncryptor encryptor)
    {
        var sealedCount = 0;
        foreach (var file in Directory.EnumerateFiles(keysDirectory, "*.xml"))
        {
            var doc = XDocument.Load(file);
            var plain = doc.Descendants().Where(e => (bool?)e.Attribute(DataProtectionNs + "requiresEncryption") == true).ToList();
            if (plain.Count == 0) continue;
            foreach (var element in plain)
            {
                var result = encryptor.Encrypt(new XElement(element));
                element.ReplaceWith(new XElement(DataProtectionNs + "encryptedSecret",
                    new XAttribute("decryptorType", result.DecryptorType.AssemblyQualifiedName!), result.EncryptedElement));
            }
            var temp = file + ".tmp";
            PrivateFiles.CreateFile(temp);
            using (var stream = new FileStream(temp, FileMode.Truncate, FileAccess.Write))
                doc.Save(stream);
            File.Move(temp, file, overwrite: true);
            sealedCount++;
        }
        return sealedCount;
    }
}

/// <summary>Data Protection's own file repository, with every key file made readable by the app's user only.</summary>
internal sealed class PrivateFileSystemXmlRepository(DirectoryInfo directory, ILoggerFactory loggers) : IXmlRepository
{
    private readonly FileSystemXmlRepository _inner = new(directory, loggers);

    public IReadOnlyCollection<XElement> GetAllElements() => _inner.GetAllElements();

    public void StoreElement(XElement element, string friendlyName)
    {
        _inner.StoreElement(element, friendlyName);
        foreach (var file in directory.EnumerateFiles("*.xml")) PrivateFiles.Restrict(file.FullName);
    }
}

internal sealed class KeyRingStatusLog(KeyRingStatus status, ILogger<KeyRingStatus> log) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        if (status.Warning is { } warning) log.LogWarning("{Warning}", warning);
        else log.LogInformation("Data Protection key ring: {Detail}", status.Detail);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Files and folders only the app's user may read (mode 600 and 700 on Linux; nothing to do on Windows, where ACLs are inherited).</summary>
public static class PrivateFiles
{
    private const UnixFileMode Directory700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void EnsureDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, Directory700);
        try
        {
            if ((File.GetUnixFileMode(path) & ~Directory700) != 0) File.SetUnixFileMode(path, Directory700);
        }
        catch (UnauthorizedAccessException)
        {
            // A folder another user owns (e.g. a mounted volume): its owner decides who may read it.
        }
    }

    /// <summary>Creates an empty file with mode 600 when it does not exist (SQLite gives its -wal and -shm files the database file's mode), or restricts an existing one.</summary>
    public static void CreateFile(string path)
    {
        if (!File.Exists(path))
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = File600;
            try
            {
                using var _ = new FileStream(path, options);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process made it first.
            }
        }
        Restrict(path);
    }

    /// <summary>Mode 600 for <paramref name="path"/> if it exists. SQLite deletes a -shm or -wal file when its last connection closes, so a file may go at any moment: gone is fine.</summary>
    public static void Restrict(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            if ((File.GetUnixFileMode(path) & ~File600) != 0) File.SetUnixFileMode(path, File600);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { }
    }
}
