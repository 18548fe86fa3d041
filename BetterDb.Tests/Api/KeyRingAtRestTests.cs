using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using BetterDb.Core;
using BetterDb.Core.Configuration;
using BetterDb.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Api;

/// <summary>
/// Issue 19 item 4, the way an attacker would try it: copy only the data folder somewhere else and use its key ring to
/// decrypt a stored Redis password. With a key-encryption key or a certificate configured that fails; the app itself
/// still reads the password across a restart (a real redis-server checks it).
/// </summary>
[Collection(ApiCollection.Name)]
// The key ring in the data folder's files (on PostgreSQL it lives in the database).
[Trait(StorageTrait.Name, StorageTrait.SqliteOnly)]
public sealed class KeyRingAtRestTests(RedisAppFixture fx) : IDisposable
{
    private readonly string _outside = Directory.CreateTempSubdirectory("betterdb-kek-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_outside, recursive: true); } catch (IOException) { }
    }

    private async Task<(string User, string Password)> RedisUserAsync()
    {
        var user = "kr" + Guid.NewGuid().ToString("N")[..8];
        var password = "pw-" + Guid.NewGuid().ToString("N");
        await fx.Client.GetDatabase().ExecuteAsync("ACL", "SETUSER", user, "on", ">" + password, "~*", "+@all");
        return (user, password);
    }

    /// <summary>Starts the app on <paramref name="dataDirectory"/>, keeps the folder, and stops it.</summary>
    private static async Task<T> WithAppAsync<T>(string dataDirectory, Dictionary<string, string?> settings, Func<TestApp, BetterDbApi, Task<T>> body)
    {
        await using var app = new TestApp(null, dataDirectory, settings: settings) { KeepDataDirectory = true };
        var api = new BetterDbApi(app.CreateClient());
        return await body(app, api);
    }

    private static async Task<bool> ConnectionTestOkAsync(BetterDbApi api, string id)
    {
        using var response = await api.Http.PostAsync($"/api/connections/{id}/test", null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("ok").GetBoolean();
    }

    /// <summary>The attacker: a copy of the data folder, its own key ring, the database's ciphertext; nothing else.</summary>
    private string? StealPassword(string dataDirectory, string connectionId)
    {
        var copy = Path.Combine(_outside, "stolen-" + Guid.NewGuid().ToString("N")[..6]);
        CopyDirectory(dataDirectory, copy);
        string ciphertext;
        using (var db = new SqliteConnection($"Data Source={Path.Combine(copy, "betterdb.db")};Pooling=false"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT ProtectedPassword FROM connections WHERE Id = $id";
            cmd.Parameters.AddWithValue("$id", connectionId);
            ciphertext = (string)cmd.ExecuteScalar()!;
        }
        var provider = DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(copy, "keys")), b => b.SetApplicationName("BetterDb"));
        try
        {
            return provider.CreateProtector("BetterDb.Connections.Password").Unprotect(ciphertext);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // SQLite deletes -shm and -wal when its last connection closes: a copy made a moment later has none either.
            try { File.Copy(file, target); }
            catch (FileNotFoundException) when (file.EndsWith("-shm", StringComparison.Ordinal) || file.EndsWith("-wal", StringComparison.Ordinal)) { }
        }
    }

    private string WriteKeyFile()
    {
        var path = Path.Combine(_outside, "betterdb.kek");
        File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        return path;
    }

    [Fact]
    public async Task Without_encryption_a_copy_of_the_data_folder_gives_the_password_away_and_the_app_says_so()
    {
        // The control: proves the attack below is a real one.
        var (user, password) = await RedisUserAsync();
        var dataDirectory = Path.Combine(_outside, "data");
        var id = await WithAppAsync(dataDirectory, [], async (app, api) =>
        {
            Assert.Contains(app.Logs, m => m.Contains("stored unencrypted") && m.Contains("BetterDb__DataProtection__Key"));
            Assert.Equal("none", app.Services.GetRequiredService<BetterDb.Core.Connections.KeyRing.KeyRingStatus>().Protection);
            return (await api.CreateConnectionAsync("plain", fx.Server.Port, user, password)).Id;
        });
        Assert.Equal(password, StealPassword(dataDirectory, id));
    }

    [Fact]
    public async Task With_a_key_file_the_copied_folder_yields_nothing_and_the_app_still_works_after_a_restart()
    {
        var (user, password) = await RedisUserAsync();
        var dataDirectory = Path.Combine(_outside, "data");
        var settings = new Dictionary<string, string?> { ["BetterDb:DataProtection:KeyFile"] = WriteKeyFile() };
        var id = await WithAppAsync(dataDirectory, settings, async (app, api) =>
        {
            Assert.DoesNotContain(app.Logs, m => m.Contains("stored unencrypted"));
            var created = await api.CreateConnectionAsync("sealed", fx.Server.Port, user, password);
            Assert.True(await ConnectionTestOkAsync(api, created.Id));
            return created.Id;
        });

        var keyFiles = Directory.GetFiles(Path.Combine(dataDirectory, "keys"), "*.xml");
        Assert.NotEmpty(keyFiles);
        foreach (var file in keyFiles)
        {
            var xml = File.ReadAllText(file);
            Assert.Contains("betterDbEncryptedKey", xml);
            Assert.DoesNotContain("unencrypted form", xml);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dataDirectory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDirectory, "betterdb.db")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDirectory, "hangfire.db")));

        Assert.Null(StealPassword(dataDirectory, id));

        // A fresh app started on a copy of the folder, without the key: the connection is listed, its password is gone.
        var copy = Path.Combine(_outside, "copy");
        CopyDirectory(dataDirectory, copy);
        var (listed, recovered) = await WithAppAsync(copy, [], async (app, api) =>
            (await api.Http.GetStringAsync("/api/connections"),
             (await app.Services.GetRequiredService<BetterDb.Core.Connections.ConnectionService>().GetAsync(id))!.Password));
        Assert.Contains(id, listed);
        Assert.Null(recovered);

        // The owner, with the key, restarts and the stored password still authenticates.
        Assert.True(await WithAppAsync(dataDirectory, settings, (_, api) => ConnectionTestOkAsync(api, id)));
    }

    [Fact]
    public async Task Turning_on_the_key_file_later_encrypts_the_keys_already_written()
    {
        var (user, password) = await RedisUserAsync();
        var dataDirectory = Path.Combine(_outside, "data");
        var id = await WithAppAsync(dataDirectory, [], async (_, api) => (await api.CreateConnectionAsync("older", fx.Server.Port, user, password)).Id);
        Assert.Contains(Directory.GetFiles(Path.Combine(dataDirectory, "keys"), "*.xml"), f => File.ReadAllText(f).Contains("unencrypted form"));

        var settings = new Dictionary<string, string?> { ["BetterDb:DataProtection:KeyFile"] = WriteKeyFile() };
        Assert.True(await WithAppAsync(dataDirectory, settings, (_, api) => ConnectionTestOkAsync(api, id)));
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(dataDirectory, "keys"), "*.xml"), f => File.ReadAllText(f).Contains("unencrypted form"));
        Assert.Null(StealPassword(dataDirectory, id));
    }

    [Fact]
    public async Task With_a_certificate_the_copied_folder_yields_nothing_and_the_app_still_works_after_a_restart()
    {
        var (user, password) = await RedisUserAsync();
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=betterdb-keyring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var certPath = Path.Combine(_outside, "keyring.crt");
        var keyPath = Path.Combine(_outside, "keyring.key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        var settings = new Dictionary<string, string?>
        {
            ["BetterDb:DataProtection:CertificatePath"] = certPath,
            ["BetterDb:DataProtection:CertificateKeyPath"] = keyPath,
        };
        var dataDirectory = Path.Combine(_outside, "data");
        var id = await WithAppAsync(dataDirectory, settings, async (app, api) =>
        {
            Assert.Equal("certificate", app.Services.GetRequiredService<BetterDb.Core.Connections.KeyRing.KeyRingStatus>().Protection);
            return (await api.CreateConnectionAsync("cert", fx.Server.Port, user, password)).Id;
        });
        Assert.All(Directory.GetFiles(Path.Combine(dataDirectory, "keys"), "*.xml"), f => Assert.Contains("EncryptedData", File.ReadAllText(f)));
        Assert.Null(StealPassword(dataDirectory, id));
        Assert.True(await WithAppAsync(dataDirectory, settings, (_, api) => ConnectionTestOkAsync(api, id)));
    }

    [Fact]
    public void A_key_file_inside_the_data_folder_or_a_bad_key_stops_the_app_naming_the_key()
    {
        var dataDirectory = Path.Combine(_outside, "data");
        Directory.CreateDirectory(dataDirectory);
        var inside = Path.Combine(dataDirectory, "kek");
        File.WriteAllText(inside, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        InvalidInputException Start(Dictionary<string, string?> settings)
        {
            settings["BetterDb:DataDirectory"] = dataDirectory;
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            return Assert.Throws<InvalidInputException>(() => new ServiceCollection().AddLogging().AddBetterDbCore(configuration, _outside));
        }
        Assert.Contains("inside the data directory", Start(new() { ["BetterDb:DataProtection:KeyFile"] = inside }).Message);
        Assert.Equal("BetterDb:DataProtection:Key", Start(new() { ["BetterDb:DataProtection:Key"] = "c2hvcnQ=" }).Field);
    }
}
