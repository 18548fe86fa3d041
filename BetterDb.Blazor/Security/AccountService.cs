using System.Security.Cryptography;
using System.Text;
using BetterDb.Core.Configuration;
using BetterDb.Core.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BetterDb.Blazor.Security;

/// <summary>A local account as lists show it (never its hash).</summary>
public sealed record Account(string Id, string UserName, string Role, DateTime CreatedAt, DateTime? LastSignInAt);

/// <summary>An API token as lists show it; <see cref="Token"/> is set only in the answer that made it.</summary>
public sealed record ApiToken(string Id, string Name, string Role, string Prefix, string? CreatedBy, DateTime CreatedAt, DateTime? LastUsedAt, string? Token = null);

/// <summary>
/// Local accounts (passwords hashed with ASP.NET Identity's hasher) and API tokens (random, shown once, stored as
/// SHA-256). <c>BetterDb:Auth:AdminPassword</c> makes (or updates) the account <c>admin</c> at start.
/// </summary>
public sealed class AccountService(IDbContextFactory<BetterDbContext> contexts, IOptionsMonitor<AuthOptions> options)
{
    public const string AdminUserName = "admin";
    public const int MinPasswordLength = 8;
    private const string TokenPrefix = "bdb_";
    private readonly PasswordHasher<UserEntity> _hasher = new();
    private volatile bool _anyUser;

    /// <summary>Whether any account exists (then sign-in is on).</summary>
    public bool AnyAccount => _anyUser;

    /// <summary>At start: the configured admin password becomes the <c>admin</c> account's; remembers whether accounts exist.</summary>
    public async Task InitializeAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (options.CurrentValue.AdminPassword is { Length: > 0 } password)
        {
            var admin = await db.Users.FirstOrDefaultAsync(u => u.UserName == AdminUserName, ct);
            if (admin is null)
            {
                admin = new UserEntity { Id = NewId(), UserName = AdminUserName, PasswordHash = "", Role = Roles.Admin, CreatedAt = DateTime.UtcNow };
                db.Users.Add(admin);
            }
            if (_hasher.VerifyHashedPassword(admin, admin.PasswordHash, password) == PasswordVerificationResult.Failed || admin.PasswordHash.Length == 0)
                admin.PasswordHash = _hasher.HashPassword(admin, password);
            admin.Role = Roles.Admin;
            await db.SaveChangesAsync(ct);
        }
        _anyUser = await db.Users.AnyAsync(ct);
    }

    /// <summary>The account for these credentials, or null (unknown user or wrong password: the same answer).</summary>
    public async Task<Account?> VerifyAsync(string? userName, string? password, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(userName) || string.IsNullOrEmpty(password)) return null;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.UserName == userName.Trim(), ct);
        if (user is null)
        {
            _hasher.HashPassword(new UserEntity { Id = "", UserName = "", PasswordHash = "", Role = "" }, password); // the same time either way
            return null;
        }
        var result = _hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed) return null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded) user.PasswordHash = _hasher.HashPassword(user, password);
        user.LastSignInAt = DateTime.UtcNow;
        await db.SaveChangesAsync(ct);
        return View(user);
    }

    /// <exception cref="InvalidInputException">a bad name, password or role</exception>
    /// <exception cref="ConflictException">the name is taken</exception>
    public async Task<Account> CreateAccountAsync(string? userName, string? password, string? role, CancellationToken ct = default)
    {
        var name = userName?.Trim() ?? "";
        if (name.Length is 0 or > 100 || name.Any(char.IsWhiteSpace))
            throw new InvalidInputException("userName", "The user name must be 1 to 100 characters, without spaces.");
        if (password is null || password.Length < MinPasswordLength)
            throw new InvalidInputException("password", $"The password must be at least {MinPasswordLength} characters.");
        if (role is null || !Roles.All.Contains(role))
            throw new InvalidInputException("role", $"The role must be one of {string.Join(", ", Roles.All)}.");
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.Users.AnyAsync(u => u.UserName == name, ct)) throw new ConflictException($"There is already an account '{name}'.");
        var user = new UserEntity { Id = NewId(), UserName = name, PasswordHash = "", Role = role, CreatedAt = DateTime.UtcNow };
        user.PasswordHash = _hasher.HashPassword(user, password);
        db.Users.Add(user);
        await db.SaveChangesAsync(ct);
        _anyUser = true;
        return View(user);
    }

    public async Task<IReadOnlyList<Account>> AccountsAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return (await db.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(ct)).Select(View).ToList();
    }

    /// <exception cref="ConflictException">the last admin</exception>
    public async Task<bool> DeleteAccountAsync(string id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null) return false;
        if (user.Role == Roles.Admin && await db.Users.CountAsync(u => u.Role == Roles.Admin, ct) == 1)
            throw new ConflictException("This is the last admin account; make another admin first.");
        db.Users.Remove(user);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <exception cref="InvalidInputException">a bad name or role</exception>
    public async Task<ApiToken> CreateTokenAsync(string? name, string? role, string? createdBy, CancellationToken ct = default)
    {
        var label = name?.Trim() ?? "";
        if (label.Length is 0 or > 100) throw new InvalidInputException("name", "The token's name must be 1 to 100 characters.");
        if (role is null || !Roles.All.Contains(role)) throw new InvalidInputException("role", $"The role must be one of {string.Join(", ", Roles.All)}.");
        var token = TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var row = new ApiTokenEntity
        {
            Id = NewId(), Name = label, Role = role, TokenHash = Hash(token), Prefix = token[..10], CreatedBy = createdBy, CreatedAt = DateTime.UtcNow,
        };
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ApiTokens.Add(row);
        await db.SaveChangesAsync(ct);
        return View(row) with { Token = token };
    }

    public async Task<IReadOnlyList<ApiToken>> TokensAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return (await db.ApiTokens.AsNoTracking().OrderByDescending(t => t.CreatedAt).ToListAsync(ct)).Select(View).ToList();
    }

    public async Task<bool> RevokeTokenAsync(string id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ApiTokens.Where(t => t.Id == id).ExecuteDeleteAsync(ct) == 1;
    }

    /// <summary>The token's name and role, or null for an unknown (or revoked) token.</summary>
    public async Task<ApiToken?> FindTokenAsync(string token, CancellationToken ct = default)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 200) return null;
        var hash = Hash(token);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.ApiTokens.FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (row is null) return null;
        if (row.LastUsedAt is null || DateTime.UtcNow - row.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            row.LastUsedAt = DateTime.UtcNow;
            await db.SaveChangesAsync(ct);
        }
        return View(row);
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string NewId() => Guid.CreateVersion7().ToString("N");

    private static Account View(UserEntity u) => new(u.Id, u.UserName, u.Role, u.CreatedAt, u.LastSignInAt);

    private static ApiToken View(ApiTokenEntity t) => new(t.Id, t.Name, t.Role, t.Prefix, t.CreatedBy, t.CreatedAt, t.LastUsedAt);
}
