namespace BetterDb.Core.Connections;

/// <summary>
/// A Redis/Valkey endpoint as the app uses it. <see cref="Password"/> and <see cref="ClientKey"/> are
/// clear text in memory only.
/// </summary>
public sealed record ConnectionProfile
{
    public const string DefaultId = "default";

    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Host { get; init; }
    public int Port { get; init; } = 6379;
    public string? Username { get; init; }
    public string? Password { get; init; }
    public bool Tls { get; init; }
    /// <summary>PEM of the CA (or CAs) to trust instead of the system store; null for the system store.</summary>
    public string? CaCertificate { get; init; }
    /// <summary>Accept any server certificate: the traffic is encrypted but anyone on the path can read and change it.</summary>
    public bool TlsInsecure { get; init; }
    /// <summary>PEM of the certificate (and its intermediates) to present, for servers with <c>tls-auth-clients yes</c>.</summary>
    public string? ClientCertificate { get; init; }
    /// <summary>PEM of <see cref="ClientCertificate"/>'s private key.</summary>
    public string? ClientKey { get; init; }
    public int Db { get; init; }
    /// <summary>
    /// On the profile of one node of a cluster (<see cref="ClusterNodeTarget.ForNode"/>): the host the connection itself
    /// names. A node is reached at the address its cluster announces, often an IP address, while the nodes of a cluster
    /// commonly share one certificate for the name operators connect to; so a node's certificate may name this host
    /// instead of <see cref="Host"/>. Null for a connection itself. Never stored.
    /// </summary>
    public string? SeedHost { get; init; }
    /// <summary>Captures of this connection replace the values of write commands by <c>(redacted)</c> before anything is stored.</summary>
    public bool RedactValues { get; init; }
    public bool IsDefault => Id == DefaultId;
    public DateTime CreatedAt { get; init; }

    public string Endpoint => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public override string ToString() => $"{Name} ({Endpoint})"; // never the password or the client key
}

/// <summary>The shape a connection has over HTTP and in the UI: no password and no client key, not even their length.</summary>
public sealed record ConnectionView(string Id, string Name, string Host, int Port, string? Username, bool Tls, int Db, bool IsDefault, bool HasPassword,
    string? CaCertificate = null, bool TlsInsecure = false, string? ClientCertificate = null, bool HasClientKey = false, bool RedactValues = false)
{
    public static ConnectionView From(ConnectionProfile p) =>
        new(p.Id, p.Name, p.Host, p.Port, p.Username, p.Tls, p.Db, p.IsDefault, !string.IsNullOrEmpty(p.Password),
            p.CaCertificate, p.TlsInsecure, p.ClientCertificate, !string.IsNullOrEmpty(p.ClientKey), p.RedactValues);
}
