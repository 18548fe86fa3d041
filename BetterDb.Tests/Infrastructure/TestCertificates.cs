using System.Diagnostics;

namespace BetterDb.Testing;

/// <summary>
/// A private PKI made with <c>openssl</c> in a directory: a CA, a server certificate it signed for
/// <c>localhost</c> and <c>127.0.0.1</c> (or <c>localhost</c> only; RSA), a client certificate it signed (EC, so both key types
/// are exercised), and an unrelated CA with its own self-signed client certificate, for the
/// "wrong CA" and "client certificate the server does not trust" cases. Valid for two days.
/// </summary>
public sealed class TestCertificates
{
    private static readonly Lazy<Task<TestCertificates>> SharedSet = new(CreateSharedAsync);

    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaPath => Path.Combine(Directory, "ca.pem");
    public string ServerCertificatePath => Path.Combine(Directory, "server.pem");
    public string ServerKeyPath => Path.Combine(Directory, "server.key");
    public string ClientCertificatePath => Path.Combine(Directory, "client.pem");
    public string ClientKeyPath => Path.Combine(Directory, "client.key");
    public string OtherCaPath => Path.Combine(Directory, "other-ca.pem");
    public string OtherClientCertificatePath => Path.Combine(Directory, "other-client.pem");
    public string OtherClientKeyPath => Path.Combine(Directory, "other-client.key");

    /// <summary>What a TLS cluster's nodes use (<see cref="RedisCluster.StartTlsAsync"/>): the server certificate, and the client one to dial each other.</summary>
    public ClusterTls ForCluster() => new(CaPath, ServerCertificatePath, ServerKeyPath, ClientCertificatePath, ClientKeyPath);

    public string Ca { get; private set; } = "";
    public string ClientCertificate { get; private set; } = "";
    public string ClientKey { get; private set; } = "";
    public string OtherCa { get; private set; } = "";
    public string OtherClientCertificate { get; private set; } = "";
    public string OtherClientKey { get; private set; } = "";

    /// <summary>One set for the whole test run (unit and component tests that only need PEM text), removed at exit.</summary>
    public static Task<TestCertificates> SharedAsync() => SharedSet.Value;

    private static async Task<TestCertificates> CreateSharedAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "betterdb-pki-" + Guid.NewGuid().ToString("N")[..12]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TestApp.TryDelete(dir);
        return await CreateAsync(dir);
    }

    /// <param name="serverIpAddress">false for a server certificate that names <c>localhost</c> only (no <c>127.0.0.1</c>):
    /// a client that connects by IP address finds the name does not match.</param>
    public static async Task<TestCertificates> CreateAsync(string directory, bool serverIpAddress = true)
    {
        System.IO.Directory.CreateDirectory(directory);
        var set = new TestCertificates(directory);
        const string days = "2";
        await OpenSslAsync(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", days,
            "-subj", "/CN=BetterDb Test CA");
        await File.WriteAllTextAsync(Path.Combine(directory, "server.ext"), $"subjectAltName=DNS:localhost{(serverIpAddress ? ",IP:127.0.0.1" : "")}\nextendedKeyUsage=serverAuth\n");
        await OpenSslAsync(directory, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
        await OpenSslAsync(directory, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", days, "-extfile", "server.ext");
        await File.WriteAllTextAsync(Path.Combine(directory, "client.ext"), "extendedKeyUsage=clientAuth\n");
        await OpenSslAsync(directory, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "client.key",
            "-out", "client.csr", "-subj", "/CN=betterdb-test-client");
        await OpenSslAsync(directory, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "client.pem", "-days", days, "-extfile", "client.ext");
        await OpenSslAsync(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", days,
            "-subj", "/CN=Some Other CA");
        await OpenSslAsync(directory, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "other-client.key", "-out", "other-client.pem", "-days", days, "-subj", "/CN=stranger", "-addext", "extendedKeyUsage=clientAuth");
        set.Ca = await File.ReadAllTextAsync(set.CaPath);
        set.ClientCertificate = await File.ReadAllTextAsync(set.ClientCertificatePath);
        set.ClientKey = await File.ReadAllTextAsync(set.ClientKeyPath);
        set.OtherCa = await File.ReadAllTextAsync(set.OtherCaPath);
        set.OtherClientCertificate = await File.ReadAllTextAsync(set.OtherClientCertificatePath);
        set.OtherClientKey = await File.ReadAllTextAsync(set.OtherClientKeyPath);
        return set;
    }

    private static async Task OpenSslAsync(string directory, params string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start openssl");
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed ({p.ExitCode}): {await error}{await output}");
    }
}
