using System.Diagnostics.CodeAnalysis;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace BetterDb.Core.Connections;

/// <summary>Which TLS setting of a connection a problem is about.</summary>
public enum TlsField { CaCertificate, ClientCertificate, ClientKey }

/// <summary>A TLS setting that does not hold what it should, with a message saying what to give instead.</summary>
public sealed record TlsFieldError(TlsField Field, string Message);

/// <summary>
/// The TLS side of a connection: which server certificates to trust (the system store, a private CA,
/// or any certificate when verification is off), which client certificate to present, and handshake
/// failures told in words that say what to change. SslStream's own texts do not ("rejected by the
/// provided RemoteCertificateValidationCallback"), and against a plain-text port it just waits.
/// One instance serves one handshake and owns the certificates it parsed.
/// </summary>
public sealed class TlsClientSettings : IDisposable
{
    /// <summary>The longest PEM text accepted for one setting: a certificate chain fits many times over.</summary>
    public const int MaxPemLength = 64 * 1024;

    private readonly ConnectionProfile _profile;
    private readonly X509Certificate2Collection _trustedCas = [];
    private readonly X509Certificate2Collection _clientChain = [];
    private X509Certificate2? _clientCertificate;
    private string? _rejection;

    private TlsClientSettings(ConnectionProfile profile)
    {
        _profile = profile;
        Options = new SslClientAuthenticationOptions
        {
            // An IP address works too: .NET then matches it against the certificate's IP entries and sends no SNI.
            TargetHost = profile.Host,
            RemoteCertificateValidationCallback = Validate,
        };
    }

    /// <summary>The options for <see cref="SslStream.AuthenticateAsClientAsync(SslClientAuthenticationOptions, CancellationToken)"/>.</summary>
    public SslClientAuthenticationOptions Options { get; }

    /// <summary>Why the server certificate was rejected, once the handshake has tried it.</summary>
    public string? Rejection => _rejection;

    public bool HasClientCertificate => _clientCertificate is not null;

    /// <summary>Builds the options from the profile's TLS settings.</summary>
    /// <exception cref="AuthenticationException">a setting does not parse (it was validated when saved, so rarely)</exception>
    public static TlsClientSettings For(ConnectionProfile profile)
    {
        var settings = new TlsClientSettings(profile);
        try
        {
            settings.Load();
            return settings;
        }
        catch
        {
            settings.Dispose();
            throw;
        }
    }

    private void Load()
    {
        if (Check(_profile.CaCertificate, _profile.ClientCertificate, _profile.ClientKey) is { } error)
            throw new AuthenticationException($"TLS: {error.Message}");
        if (!_profile.TlsInsecure && HasText(_profile.CaCertificate))
        {
            _trustedCas.ImportFromPem(_profile.CaCertificate);
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                // Like SslStream's default: a private CA seldom publishes a reachable CRL, and an online
                // check from an internal network would only add a wait before failing.
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(_trustedCas);
            Options.CertificateChainPolicy = policy;
        }
        if (HasText(_profile.ClientCertificate))
        {
            _clientCertificate = X509Certificate2.CreateFromPem(_profile.ClientCertificate, _profile.ClientKey);
            // Intermediates after the leaf go along, so the server can build the chain to its CA.
            _clientChain.ImportFromPem(_profile.ClientCertificate);
            _clientChain[0].Dispose();
            _clientChain.RemoveAt(0);
            // OpenSSL (Linux) takes the ephemeral key CreateFromPem makes; no PKCS#12 round trip is needed.
            Options.ClientCertificateContext = SslStreamCertificateContext.Create(_clientCertificate, _clientChain, offline: true);
        }
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_profile.TlsInsecure || errors == SslPolicyErrors.None) return true;
        // A cluster node, trusted but reached at an address its certificate does not name: the certificate of the
        // cluster's nodes may name the host the connection names instead (StackExchange.Redis checks every node against
        // the configured host name alone). Only the name is forgiven here; the chain must still lead to a trusted CA.
        if (errors == SslPolicyErrors.RemoteCertificateNameMismatch && NamesSeedHost(certificate)) return true;
        _rejection = DescribeRejection(certificate, chain, errors);
        return false;
    }

    private bool NamesSeedHost(X509Certificate? certificate)
    {
        if (!HasText(_profile.SeedHost) || string.Equals(_profile.SeedHost, _profile.Host, StringComparison.OrdinalIgnoreCase)) return false;
        try
        {
            return certificate is X509Certificate2 c && c.MatchesHostname(_profile.SeedHost.Trim('[', ']'));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return false; // a seed host that is not a DNS name or an IP address, or a certificate whose names do not decode
        }
    }

    private string DescribeRejection(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return "TLS: the server sent no certificate.";
        var about = certificate is null ? "" : $" (subject '{certificate.Subject}', issuer '{certificate.Issuer}')";
        const string unsafeWay = "or skip certificate verification (unsafe)";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var statuses = chain?.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToList() ?? [];
            var codes = statuses.Count == 0 ? "chain errors" : string.Join(", ", statuses);
            if (statuses.Contains(X509ChainStatusFlags.NotTimeValid) && certificate is X509Certificate2 c2)
                return $"TLS: the server certificate has expired or is not yet valid ({codes}): it is valid from {c2.NotBefore.ToUniversalTime():u} to {c2.NotAfter.ToUniversalTime():u}{about}.";
            return _trustedCas.Count > 0
                ? $"TLS: the server certificate is not trusted ({codes}): it is not signed by the configured CA certificate ({string.Join("; ", _trustedCas.Select(ca => ca.Subject))}){about}. Set the CA certificate that signed it, {unsafeWay}."
                : $"TLS: the server certificate is not trusted ({codes}){about}. Set the CA certificate that signed it, {unsafeWay}.";
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            var names = certificate is X509Certificate2 c ? string.Join(", ", CertificateNames(c)) : "";
            var named = names.Length == 0 ? "no host" : names;
            // A cluster node's address comes from the cluster, not from the operator: say what can change instead.
            return HasText(_profile.SeedHost) && !string.Equals(_profile.SeedHost, _profile.Host, StringComparison.OrdinalIgnoreCase)
                ? $"TLS: the certificate of cluster node {_profile.Endpoint} is valid neither for '{_profile.Host}', the address the cluster announces, nor for '{_profile.SeedHost}', the connection's host (RemoteCertificateNameMismatch; it names {named}). Have the cluster announce names its certificates carry (cluster-announce-hostname), give the nodes certificates that name their addresses, {unsafeWay}."
                : $"TLS: the server certificate is not valid for '{_profile.Host}' (RemoteCertificateNameMismatch; it names {named}). Connect with a host name the certificate names, {unsafeWay}.";
        }
        return $"TLS: the server certificate was rejected ({errors}){about}.";
    }

    private static IEnumerable<string> CertificateNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is null) return [certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)];
        return san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString()));
    }

    /// <summary>
    /// Runs the TLS handshake over <paramref name="transport"/>. <paramref name="deadline"/> is the open timeout
    /// (<paramref name="timeout"/> long) linked with <paramref name="cancel"/>, the caller's own cancellation.
    /// </summary>
    /// <exception cref="AuthenticationException">the server certificate was rejected or the handshake failed, with what to change</exception>
    /// <exception cref="TimeoutException">no TLS answer within the timeout (a plain-text port waits for more input)</exception>
    public static async Task<Stream> AuthenticateAsync(Stream transport, ConnectionProfile profile, TimeSpan timeout,
        CancellationToken deadline, CancellationToken cancel)
    {
        var settings = For(profile);
        var ssl = new TlsStream(transport, settings);
        try
        {
            await ssl.AuthenticateAsClientAsync(settings.Options, deadline);
            return ssl;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            await ssl.DisposeAsync();
            throw HandshakeTimedOut(timeout);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            var failure = settings.HandshakeFailed(ex);
            await ssl.DisposeAsync();
            throw failure;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <summary>The handshake got no TLS answer in time: a plain-text port reads the ClientHello as an unfinished command and waits.</summary>
    public static TimeoutException HandshakeTimedOut(TimeSpan timeout) =>
        new($"TLS handshake did not complete within {timeout.TotalSeconds:0.#} s: is this a TLS port?");

    /// <summary>What a failed handshake means: the rejected server certificate, or the server's reason with what to check.</summary>
    public AuthenticationException HandshakeFailed(Exception ex)
    {
        if (_rejection is not null) return new AuthenticationException(_rejection, ex);
        // The innermost text is OpenSSL's reason (e.g. "tlsv1 alert handshake failure"); the outer ones say "see inner exception".
        var cause = ex.GetBaseException().Message.TrimEnd('.');
        var hint = HasClientCertificate
            ? "Is this a TLS port, and does the server accept this client certificate?"
            : "Is this a TLS port? If the server requires client certificates (tls-auth-clients yes), set the client certificate and key.";
        return new AuthenticationException($"TLS handshake failed ({cause}). {hint}", ex);
    }

    /// <summary>
    /// What a connection the server drops before its first reply usually means. With TLS 1.3 the server checks
    /// the client certificate only after the client considers the handshake done, so a missing or unaccepted
    /// client certificate surfaces as a reset on the first write or read, not in the handshake.
    /// </summary>
    public IOException ClosedAfterHandshake(IOException? cause)
    {
        // SslStream's own text is "The decryption operation failed, see inner exception."; the inner one is OpenSSL's reason.
        var detail = cause is null ? "" : $" ({cause.GetBaseException().Message})";
        var hint = HasClientCertificate
            ? "it probably does not accept the client certificate (is it signed by a CA the server trusts?)."
            : "it probably requires a client certificate (tls-auth-clients yes): set the client certificate and key.";
        return new IOException($"TLS: the server closed the connection right after the handshake{detail}: {hint}", cause);
    }

    /// <summary>
    /// Checks the PEM settings as they would be used: each parses, a client certificate comes with its key,
    /// and nothing that is shown back (the certificates) carries a private key. Null when all is well.
    /// </summary>
    public static TlsFieldError? Check(string? caCertificate, string? clientCertificate, string? clientKey)
    {
        if (HasText(caCertificate) && CheckCertificates(TlsField.CaCertificate, "CA certificate", caCertificate) is { } caError)
            return caError;
        if (!HasText(clientCertificate))
            return HasText(clientKey)
                ? new(TlsField.ClientCertificate, "A client key was given without its client certificate: give both, or neither.")
                : null;
        if (CheckCertificates(TlsField.ClientCertificate, "client certificate", clientCertificate) is { } certError) return certError;
        if (!HasText(clientKey))
            return new(TlsField.ClientKey, "The client certificate needs its private key (PEM): give both, or neither.");
        if (clientKey.Length > MaxPemLength)
            return new(TlsField.ClientKey, $"The client key is longer than {MaxPemLength} characters.");
        if (clientKey.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal) || clientKey.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
            return new(TlsField.ClientKey, "The client key is encrypted with a passphrase: give it unencrypted (openssl pkey -in key.pem -out key-plain.pem).");
        if (!clientKey.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            return new(TlsField.ClientKey, "The client key is not a PEM private key: expected text starting with -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY).");
        try
        {
            using var pair = X509Certificate2.CreateFromPem(clientCertificate, clientKey);
            return null;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return new(TlsField.ClientKey, $"The client key could not be used with the client certificate (is it the key of that certificate?): {ex.Message}");
        }
    }

    private static TlsFieldError? CheckCertificates(TlsField field, string what, string pem)
    {
        var capitalized = char.ToUpperInvariant(what[0]) + what[1..];
        if (pem.Length > MaxPemLength)
            return new(field, $"The {what} is longer than {MaxPemLength} characters.");
        // Certificates are stored in clear and shown back; a key pasted along with one must not be.
        if (pem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            return new(field, field == TlsField.CaCertificate
                ? "The CA certificate contains a private key: give only the certificate (-----BEGIN CERTIFICATE-----)."
                : "The client certificate contains a private key: put the key in the client key setting, and only the certificate here.");
        if (!pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            return new(field, $"The {what} is not PEM text: expected -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----.");
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPem(pem);
            var count = certificates.Count;
            foreach (var c in certificates) c.Dispose();
            return count == 0 ? new(field, $"{capitalized} holds no certificate.") : null;
        }
        catch (CryptographicException ex)
        {
            return new(field, $"The {what} is not a valid PEM certificate: {ex.Message}");
        }
    }

    /// <summary>
    /// A short hash of what decides whom the connection trusts and who it is, so caches keyed by target
    /// tell a changed TLS setting apart. The key is left out: it changes only with its certificate.
    /// </summary>
    public static string Fingerprint(ConnectionProfile p)
    {
        if (!p.Tls) return "";
        var text = $"{p.TlsInsecure}\n{p.CaCertificate}\n{p.ClientCertificate}" + (p.SeedHost is null ? "" : $"\n{p.SeedHost}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 6));
    }

    private static bool HasText([NotNullWhen(true)] string? value) => !string.IsNullOrWhiteSpace(value);

    public void Dispose()
    {
        foreach (var c in _trustedCas) c.Dispose();
        foreach (var c in _clientChain) c.Dispose();
        _clientCertificate?.Dispose();
    }

    /// <summary>
    /// The SslStream of one connection: owns its <see cref="TlsClientSettings"/>, and until the server has
    /// answered once, turns a dropped connection into <see cref="ClosedAfterHandshake"/>'s explanation.
    /// After that it costs one flag test per read or write.
    /// </summary>
    private sealed class TlsStream(Stream transport, TlsClientSettings settings) : SslStream(transport, leaveInnerStreamOpen: false)
    {
        private bool _answered;
        private bool _disposed;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            _answered ? base.ReadAsync(buffer, ct) : FirstReadAsync(buffer, ct);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) =>
            _answered ? base.WriteAsync(buffer, ct) : FirstWriteAsync(buffer, ct);

        private async ValueTask<int> FirstReadAsync(Memory<byte> buffer, CancellationToken ct)
        {
            int n;
            try
            {
                n = await base.ReadAsync(buffer, ct);
            }
            catch (IOException ex)
            {
                throw settings.ClosedAfterHandshake(ex);
            }
            if (n == 0 && buffer.Length > 0) throw settings.ClosedAfterHandshake(null);
            _answered = true;
            return n;
        }

        private async ValueTask FirstWriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct)
        {
            try
            {
                await base.WriteAsync(buffer, ct);
            }
            catch (IOException ex)
            {
                throw settings.ClosedAfterHandshake(ex);
            }
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing) DisposeSettings();
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            DisposeSettings();
        }

        private void DisposeSettings()
        {
            if (_disposed) return;
            _disposed = true;
            settings.Dispose();
        }
    }
}
