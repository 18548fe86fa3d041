using System.Security.Cryptography.X509Certificates;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Testing;
using BetterDb.Tests.Integration;
using BetterDb.Tests.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BetterDb.Tests.Connections;

/// <summary>The TLS settings of a connection: validation, storage (the client key protected), update rules, cache keys, configuration.</summary>
public sealed class ConnectionTlsSettingsTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _database = new();
    private TestCertificates _certs = null!;
    private ConnectionService _connections = null!;

    public async Task InitializeAsync()
    {
        _certs = await TestCertificates.SharedAsync();
        await (await _database.MigratedAsync()).DisposeAsync();
        _connections = NewService(new BetterDbOptions());
    }

    public Task DisposeAsync()
    {
        _database.Dispose();
        return Task.CompletedTask;
    }

    private ConnectionService NewService(BetterDbOptions options) =>
        new(_database, new EphemeralDataProtectionProvider(), Options.Create(options));

    private ConnectionInput Mtls(string? ca = null, string? certificate = null, string? key = null, bool insecure = false) =>
        new("mtls", "cache.internal", 6380, null, null, true, 0, ca ?? _certs.Ca, insecure, certificate ?? _certs.ClientCertificate, key ?? _certs.ClientKey);

    [Fact]
    public async Task The_stored_row_holds_the_certificates_but_no_clear_client_key()
    {
        var created = await _connections.CreateAsync(Mtls());

        await using var db = _database.CreateDbContext();
        var row = await db.Connections.AsNoTracking().SingleAsync(c => c.Id == created.Id);
        Assert.Equal(_certs.Ca.Trim(), row.CaCertificate);
        Assert.Equal(_certs.ClientCertificate.Trim(), row.ClientCertificate);
        Assert.NotNull(row.ProtectedClientKey);
        var keyBody = TlsConnectionTests.KeyBody(_certs.ClientKey);
        foreach (var column in new[] { row.ProtectedClientKey, row.CaCertificate, row.ClientCertificate, row.ProtectedPassword, row.Name, row.Host })
            Assert.DoesNotContain(keyBody, column ?? "");
        Assert.DoesNotContain("PRIVATE KEY", row.ProtectedClientKey);

        // ... and it comes back as the key, for the handshake only.
        var profile = await _connections.GetAsync(created.Id);
        Assert.Equal(_certs.ClientKey.Trim(), profile!.ClientKey);
        Assert.DoesNotContain(keyBody, profile.ToString());
        Assert.True(ConnectionView.From(profile).HasClientKey);
    }

    [Fact]
    public async Task On_update_a_null_key_keeps_the_stored_one_and_removing_the_certificate_removes_the_key()
    {
        var created = await _connections.CreateAsync(Mtls());

        var kept = await _connections.UpdateAsync(created.Id, Mtls() with { ClientKey = null, Port = 6390 });
        Assert.Equal(6390, kept!.Port);
        Assert.Equal(_certs.ClientKey.Trim(), kept.ClientKey);

        var cleared = await _connections.UpdateAsync(created.Id, Mtls() with { ClientCertificate = null, ClientKey = null });
        Assert.Null(cleared!.ClientCertificate);
        Assert.Null(cleared.ClientKey);
        await using var db = _database.CreateDbContext();
        Assert.Null((await db.Connections.AsNoTracking().SingleAsync(c => c.Id == created.Id)).ProtectedClientKey);
    }

    [Fact]
    public async Task Clearing_the_key_but_keeping_the_certificate_is_refused()
    {
        var created = await _connections.CreateAsync(Mtls());

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => _connections.UpdateAsync(created.Id, Mtls() with { ClientKey = "" }));
        Assert.Equal("clientKey", error.Field);
        Assert.Equal(_certs.ClientKey.Trim(), (await _connections.GetAsync(created.Id))!.ClientKey); // nothing changed
    }

    public static TheoryData<string, string, string> Refused => new()
    {
        { "ca-with-key", "caCertificate", "contains a private key" },
        { "ca-not-pem", "caCertificate", "is not PEM text" },
        { "cert-with-key", "clientCertificate", "contains a private key" },
        { "key-of-another-certificate", "clientKey", "is it the key of that certificate?" },
        { "encrypted-key", "clientKey", "encrypted with a passphrase" },
        { "key-not-pem", "clientKey", "is not a PEM private key" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Unusable_TLS_settings_are_refused_naming_the_field(string @case, string field, string message)
    {
        var input = @case switch
        {
            "ca-with-key" => Mtls(ca: _certs.Ca + _certs.OtherClientKey),
            "ca-not-pem" => Mtls(ca: "/etc/ssl/ca.pem"),
            "cert-with-key" => Mtls(certificate: _certs.ClientCertificate + _certs.ClientKey),
            "key-of-another-certificate" => Mtls(key: _certs.OtherClientKey),
            "encrypted-key" => Mtls(key: "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"),
            "key-not-pem" => Mtls(key: "hunter2"),
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => _connections.CreateAsync(input));

        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
        Assert.Empty(await _connections.ListAsync());
    }

    [Fact]
    public void The_cache_key_changes_with_every_TLS_setting()
    {
        var p = new ConnectionProfile { Id = "c", Name = "c", Host = "h", Port = 6380, Tls = true, CaCertificate = _certs.Ca };
        var keys = new[]
        {
            p,
            p with { CaCertificate = _certs.OtherCa },
            p with { TlsInsecure = true },
            p with { ClientCertificate = _certs.ClientCertificate, ClientKey = _certs.ClientKey },
            p with { Tls = false },
            p with { SeedHost = "seed.internal" }, // a cluster node's certificate may name the seed instead
        }.Select(ConnectionKey.For).ToList();

        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(ConnectionKey.For(p), ConnectionKey.For(p with { Name = "renamed" }));
        Assert.All(keys, k => Assert.DoesNotContain("BEGIN", k));
    }

    [Fact]
    public void The_handshake_options_trust_only_the_given_CA_and_present_the_client_certificate()
    {
        var profile = new ConnectionProfile
        {
            Id = "c", Name = "c", Host = "cache.internal", Port = 6380, Tls = true,
            CaCertificate = _certs.Ca, ClientCertificate = _certs.ClientCertificate, ClientKey = _certs.ClientKey,
        };

        using var settings = TlsClientSettings.For(profile);

        Assert.Equal("cache.internal", settings.Options.TargetHost);
        var policy = settings.Options.CertificateChainPolicy!;
        Assert.Equal(X509ChainTrustMode.CustomRootTrust, policy.TrustMode);
        Assert.Equal("CN=BetterDb Test CA", Assert.Single(policy.CustomTrustStore).Subject);
        Assert.Equal("CN=betterdb-test-client", settings.Options.ClientCertificateContext!.TargetCertificate.Subject);
        Assert.True(settings.Options.ClientCertificateContext.TargetCertificate.HasPrivateKey);

        using var insecure = TlsClientSettings.For(profile with { TlsInsecure = true });
        Assert.Null(insecure.Options.CertificateChainPolicy);
        Assert.True(insecure.Options.RemoteCertificateValidationCallback!(this, null, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
    }

    private static string[] Validate(BetterDbOptions options)
    {
        var result = new DefaultConnectionValidator().Validate(null, options);
        return result.Succeeded ? [] : result.Failures?.ToArray() ?? [result.FailureMessage];
    }

    [Fact]
    public void Default_connection_TLS_settings_are_validated_at_start_naming_the_key()
    {
        var missing = Path.Combine(_database.Directory, "nowhere", "ca.pem");
        var errors = Validate(new BetterDbOptions
        {
            DefaultConnection = "rediss://cache.internal:6380",
            DefaultConnectionTls = { CaCertificate = missing },
        });
        var error = Assert.Single(errors);
        Assert.StartsWith("BetterDb:DefaultConnectionTls:CaCertificate: the file ", error);
        Assert.Contains(missing, error);

        error = Assert.Single(Validate(new BetterDbOptions
        {
            DefaultConnection = "rediss://cache.internal:6380",
            DefaultConnectionTls = { ClientCertificate = _certs.ClientCertificatePath },
        }));
        Assert.StartsWith("BetterDb:DefaultConnectionTls:ClientKey: ", error);

        error = Assert.Single(Validate(new BetterDbOptions
        {
            DefaultConnection = "rediss://cache.internal:6380",
            DefaultConnectionTls = { CaCertificate = "-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----" },
        }));
        Assert.StartsWith("BetterDb:DefaultConnectionTls:CaCertificate: The CA certificate is not a valid PEM certificate", error);

        error = Assert.Single(Validate(new BetterDbOptions
        {
            DefaultConnection = "redis://cache.internal:6379",
            DefaultConnectionTls = { Insecure = true },
        }));
        Assert.Contains("BetterDb:DefaultConnectionTls is set but BetterDb:DefaultConnection is not a rediss:// URL", error);
    }

    [Fact]
    public async Task The_default_connection_takes_its_TLS_settings_from_files_or_PEM_text()
    {
        var options = new BetterDbOptions
        {
            DefaultConnection = "rediss://cache.internal:6380",
            DefaultConnectionTls =
            {
                CaCertificate = Path.GetRelativePath(_certs.Directory, _certs.CaPath), // relative: anchored at the content root
                ClientCertificate = _certs.ClientCertificatePath,
                ClientKey = _certs.ClientKey, // the PEM text itself
            },
        };
        options.DefaultConnectionTls.ResolvePaths(_certs.Directory);
        Assert.Empty(Validate(options));

        var profile = await NewService(options).GetAsync(ConnectionProfile.DefaultId);

        Assert.True(profile!.Tls);
        Assert.Equal(_certs.Ca, profile.CaCertificate);
        Assert.Equal(_certs.ClientCertificate, profile.ClientCertificate);
        Assert.Equal(_certs.ClientKey.Trim(), profile.ClientKey);
        Assert.False(profile.TlsInsecure);
    }
}
