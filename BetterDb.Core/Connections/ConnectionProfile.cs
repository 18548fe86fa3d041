namespace BetterDb.Core.Connections;

/// <summary>A Redis/Valkey endpoint as the app uses it. <see cref="Password"/> is clear text in memory only.</summary>
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
    public int Db { get; init; }
    public bool IsDefault => Id == DefaultId;
    public DateTime CreatedAt { get; init; }

    public string Endpoint => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public override string ToString() => $"{Name} ({Endpoint})"; // never the password
}

/// <summary>The shape a connection has over HTTP and in the UI: no password, not even its length.</summary>
public sealed record ConnectionView(string Id, string Name, string Host, int Port, string? Username, bool Tls, int Db, bool IsDefault, bool HasPassword)
{
    public static ConnectionView From(ConnectionProfile p) =>
        new(p.Id, p.Name, p.Host, p.Port, p.Username, p.Tls, p.Db, p.IsDefault, !string.IsNullOrEmpty(p.Password));
}
