namespace BetterDb.Core.Storage;

/// <summary>A local account: its password as ASP.NET Identity's hasher stores it, and its role.</summary>
public sealed class UserEntity
{
    public required string Id { get; set; }
    public required string UserName { get; set; }
    public required string PasswordHash { get; set; }
    /// <summary><c>admin</c>, <c>operator</c> or <c>viewer</c>.</summary>
    public required string Role { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastSignInAt { get; set; }
}

/// <summary>A bearer token for the HTTP API: only its SHA-256 is kept (the token is shown once, when made).</summary>
public sealed class ApiTokenEntity
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required string Role { get; set; }
    public required string TokenHash { get; set; }
    /// <summary>The token's first characters, to tell tokens apart in a list.</summary>
    public required string Prefix { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}
