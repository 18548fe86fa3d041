using System.Diagnostics;
using BetterDb.Core.Configuration;
using BetterDb.Core.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BetterDb.Core.Connections;

/// <summary>
/// What a user may set on a connection. A null password or client key on update keeps the stored one; "" clears it.
/// The TLS fields are PEM text: <paramref name="CaCertificate"/> to trust instead of the system store,
/// <paramref name="ClientCertificate"/> with <paramref name="ClientKey"/> for servers that require client certificates.
/// <paramref name="RedactValues"/> left out (null) keeps what is stored (off for a new connection): a client that does not
/// know the field cannot switch redaction off by accident.
/// </summary>
public sealed record ConnectionInput(string? Name, string? Host, int? Port, string? Username, string? Password, bool? Tls, int? Db,
    string? CaCertificate = null, bool? TlsInsecure = null, string? ClientCertificate = null, string? ClientKey = null, bool? RedactValues = null)
{
    public override string ToString() => $"ConnectionInput {{ Name = {Name}, Host = {Host}, Port = {Port} }}"; // never the secrets
}

/// <summary>
/// A connection test. <see cref="Ok"/> means connected and answering; whether the user may also run MONITOR is
/// <see cref="MonitorAllowed"/> (null when it could not be verified), with the one command that grants it.
/// </summary>
public sealed record ConnectionTestResult(bool Ok, double? LatencyMs, string? ServerVersion, string? ServerName, string? Mode, string? Error)
{
    /// <summary>Whether this user may run MONITOR (from ACL GETUSER; true on a server without ACL); null when it could not be read.</summary>
    public bool? MonitorAllowed { get; init; }
    /// <summary>The user the connection is authenticated as (ACL WHOAMI); null on a server without ACL.</summary>
    public string? User { get; init; }
    /// <summary>Why MONITOR is denied or could not be verified, in a sentence.</summary>
    public string? MonitorDetail { get; init; }
    /// <summary>The command that grants MONITOR, whenever it is not known to be allowed.</summary>
    public string? SetUserSnippet { get; init; }
    /// <summary>A cluster's primaries, replicas and nodes not <c>online</c> (see <see cref="ClusterTopology"/>); null for a
    /// standalone server or when its nodes could not be read.</summary>
    public int? Primaries { get; init; }
    public int? Replicas { get; init; }
    public int? UnhealthyNodes { get; init; }
}

/// <summary>One bad value of a connection form, naming its field as the JSON body spells it.</summary>
public sealed record ConnectionFieldError(string Field, string Message);

/// <summary>
/// The connection registry: <c>default</c> from configuration plus the ones users add
/// (stored with the password and the TLS client key encrypted by ASP.NET Data Protection).
/// </summary>
public sealed class ConnectionService
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The longest username accepted (it is stored, shown and sent with every AUTH).</summary>
    public const int MaxUsernameLength = 256;

    private readonly IDbContextFactory<BetterDbContext> _contexts;
    private readonly IDataProtector _protector;
    private readonly IDataProtector _clientKeyProtector;
    private readonly ConnectionProfile? _default;

    public ConnectionService(IDbContextFactory<BetterDbContext> contexts, IDataProtectionProvider protection, IOptions<BetterDbOptions> options)
    {
        _contexts = contexts;
        _protector = protection.CreateProtector("BetterDb.Connections.Password");
        _clientKeyProtector = protection.CreateProtector("BetterDb.Connections.ClientKey");
        var url = options.Value.DefaultConnection;
        if (!string.IsNullOrWhiteSpace(url) && RedisUrl.TryParse(url, out var profile, out _))
            _default = options.Value.DefaultConnectionTls.ApplyTo(profile);
    }

    /// <summary>Raised after a connection is added, changed or removed.</summary>
    public event Action? Changed;

    public async Task<IReadOnlyList<ConnectionProfile>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var rows = await db.Connections.AsNoTracking().ToListAsync(ct);
        var list = rows.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).Select(ToProfile).ToList();
        if (_default is not null) list.Insert(0, _default);
        return list;
    }

    public async Task<ConnectionProfile?> GetAsync(string id, CancellationToken ct = default)
    {
        if (id == ConnectionProfile.DefaultId) return _default;
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var row = await db.Connections.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        return row is null ? null : ToProfile(row);
    }

    public async Task<ConnectionProfile> CreateAsync(ConnectionInput input, CancellationToken ct = default)
    {
        await ValidateAsync(input, null, ct);
        var now = DateTime.UtcNow;
        var row = new ConnectionEntity
        {
            Id = Guid.CreateVersion7().ToString("N")[..16],
            Name = input.Name!.Trim(),
            Host = input.Host!.Trim(),
            CreatedAt = now,
        };
        var tls = ResolveTls(input, storedKey: null);
        Apply(row, input, tls, now);
        await using var db = await _contexts.CreateDbContextAsync(ct);
        db.Connections.Add(row);
        await db.SaveChangesAsync(ct);
        Changed?.Invoke();
        return ToProfile(row);
    }

    /// <returns>null when no such connection.</returns>
    public async Task<ConnectionProfile?> UpdateAsync(string id, ConnectionInput input, CancellationToken ct = default)
    {
        if (id == ConnectionProfile.DefaultId)
            throw new ConflictException("The default connection comes from configuration (BetterDb:DefaultConnection); change it there.");
        await ValidateAsync(input, id, ct);
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var row = await db.Connections.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (row is null) return null;
        var tls = ResolveTls(input, Unprotect(_clientKeyProtector, row.ProtectedClientKey));
        Apply(row, input, tls, DateTime.UtcNow);
        await db.SaveChangesAsync(ct);
        Changed?.Invoke();
        return ToProfile(row);
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        if (id == ConnectionProfile.DefaultId)
            throw new ConflictException("The default connection comes from configuration (BetterDb:DefaultConnection); remove it there.");
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var deleted = await db.Connections.Where(c => c.Id == id).ExecuteDeleteAsync(ct) > 0;
        if (deleted) Changed?.Invoke();
        return deleted;
    }

    /// <summary>
    /// Every bad value of <paramref name="input"/> at once (a form shows them all), including a name another connection
    /// already has (case-insensitive; not checked with <paramref name="nameMustBeFree"/> false, e.g. for a test that saves nothing).
    /// <paramref name="existingId"/> is the connection being edited, null for a new one.
    /// </summary>
    public async Task<IReadOnlyList<ConnectionFieldError>> CheckAsync(ConnectionInput input, string? existingId = null, CancellationToken ct = default,
        bool nameMustBeFree = true)
    {
        var errors = Problems(input).ToList();
        if (nameMustBeFree && !string.IsNullOrWhiteSpace(input.Name) && errors.All(e => e.Field != "name")
            && await NameTakenAsync(input.Name.Trim(), existingId, ct) is { } taken)
            errors.Insert(0, new ConnectionFieldError("name", $"A connection named '{taken}' already exists; names must differ (ignoring case)."));
        // The TLS fields are checked once the rest is right: their check reads the stored key of an existing connection.
        if (errors.Count == 0)
        {
            try
            {
                string? storedKey = null;
                if (existingId is not null && existingId != ConnectionProfile.DefaultId && input.ClientKey is null)
                    storedKey = (await GetAsync(existingId, ct))?.ClientKey;
                ResolveTls(input, storedKey);
            }
            catch (InvalidInputException ex)
            {
                errors.Add(new ConnectionFieldError(ex.Field, ex.Message));
            }
        }
        return errors;
    }

    /// <summary>
    /// Tests a connection before it is saved (the values of a form): the same checks as a save first (a bad value throws
    /// <see cref="InvalidInputException"/>), then <see cref="TestAsync(ConnectionProfile, CancellationToken)"/>.
    /// Editing (<paramref name="existingId"/>), an empty password or client key means the stored one, as a save does.
    /// </summary>
    public async Task<ConnectionTestResult> TestAsync(ConnectionInput input, string? existingId = null, CancellationToken ct = default)
    {
        Validate(input);
        var stored = existingId is null ? null : await GetAsync(existingId, ct) ?? throw new KeyNotFoundException($"No connection '{existingId}'.");
        var tls = ResolveTls(input, stored?.ClientKey);
        var profile = new ConnectionProfile
        {
            Id = existingId ?? "test",
            Name = input.Name!.Trim(),
            Host = input.Host!.Trim(),
            Port = input.Port!.Value,
            Username = string.IsNullOrWhiteSpace(input.Username) ? null : input.Username.Trim(),
            Password = input.Password is null ? stored?.Password : input.Password.Length == 0 ? null : input.Password,
            Tls = input.Tls ?? false,
            CaCertificate = tls.CaCertificate,
            TlsInsecure = input.TlsInsecure ?? false,
            ClientCertificate = tls.ClientCertificate,
            ClientKey = tls.ClientKey,
            Db = input.Db ?? 0,
            RedactValues = input.RedactValues ?? stored?.RedactValues ?? false,
        };
        return await TestAsync(profile, ct);
    }

    /// <summary>
    /// Connects as the app would and reports the server, or the server's own error text; and whether this user may run
    /// MONITOR (a user that may connect but not MONITOR is connected, and told so with the command that grants it);
    /// on a cluster, how many primaries and replicas it has and how many nodes are not online.
    /// </summary>
    public static async Task<ConnectionTestResult> TestAsync(ConnectionProfile profile, CancellationToken ct = default)
    {
        try
        {
            await using var client = await RedisCommandClient.OpenAsync(profile, "test", ConnectTimeout, ct);
            var started = Stopwatch.GetTimestamp();
            RespConnection.ThrowIfError(await client.SendAsync(ct, "PING"));
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var (fields, error) = await client.InfoAsync(ct, "server");
            if (fields is null) throw new RedisServerException(error!);
            var isValkey = fields.TryGetValue("server_name", out var serverName) && serverName.Equals("valkey", StringComparison.OrdinalIgnoreCase);
            var version = isValkey && fields.TryGetValue("valkey_version", out var vv) ? vv : fields.GetValueOrDefault("redis_version");
            var mode = fields.GetValueOrDefault("redis_mode") == "cluster" ? "cluster" : "standalone";
            var acl = await ReadMonitorPermissionAsync(client, profile, ct);
            var topology = mode == "cluster" ? await ClusterTopology.ReadAsync(client, profile, ct) : null;
            var counted = topology is { IsCluster: true };
            return new ConnectionTestResult(true, Math.Round(latency, 3), version, isValkey ? "valkey" : "redis", mode, null)
            {
                Primaries = counted ? topology!.Primaries : null,
                Replicas = counted ? topology!.Replicas : null,
                UnhealthyNodes = counted ? topology!.Unhealthy : null,
                MonitorAllowed = acl.HasMonitor,
                User = acl.User,
                MonitorDetail = acl.HasMonitor == true ? null : acl.Note,
                SetUserSnippet = acl.HasMonitor == true ? null : acl.SetUserSnippet,
            };
        }
        catch (TargetUnreachableException ex)
        {
            return new ConnectionTestResult(false, null, null, null, null, (ex.InnerException ?? ex).Message);
        }
        catch (RedisServerException ex)
        {
            return new ConnectionTestResult(false, null, null, null, null, ex.Message);
        }
    }

    /// <summary>A cluster's nodes as the connection's seed sees them; a standalone server (or a failed discovery) has none.</summary>
    public static Task<NodesResult> NodesAsync(ConnectionProfile profile, CancellationToken ct = default) => ClusterTopology.DiscoverAsync(profile, ct);

    /// <summary>
    /// What ACL says about MONITOR for the connected user. Reading it needs <c>ACL GETUSER</c>, which a restricted user
    /// may not run: then it is unknown (null), never a guess. The rules are evaluated by the pre-flight's
    /// <see cref="BetterDb.Core.Preflight.AclCheck"/>, so the test and the pre-flight always agree.
    /// </summary>
    private static async Task<BetterDb.Core.Preflight.AclReport> ReadMonitorPermissionAsync(RedisCommandClient client, ConnectionProfile profile, CancellationToken ct)
    {
        var whoami = await client.SendAsync(ct, "ACL", "WHOAMI");
        if (BetterDb.Core.Preflight.AclCheck.IsUnknownCommand(whoami)) return BetterDb.Core.Preflight.AclCheck.NoAcl(whoami.Text!);
        var user = whoami.IsError || string.IsNullOrEmpty(whoami.Text) ? profile.Username ?? "default" : whoami.Text;
        var report = BetterDb.Core.Preflight.AclCheck.FromGetUser(user, await client.SendAsync(ct, "ACL", "GETUSER", user));
        return report.HasMonitor == false
            ? report with { Note = $"Connected, but user '{user}' cannot run MONITOR: {report.Note} A capture on this connection would fail with NOPERM." }
            : report;
    }

    private static void Validate(ConnectionInput input)
    {
        if (Problems(input).FirstOrDefault() is { } first) throw new InvalidInputException(first.Field, first.Message);
    }

    /// <summary>Every bad value of the form's own fields (not the TLS certificates, nor a duplicate name), in the form's order.</summary>
    private static IEnumerable<ConnectionFieldError> Problems(ConnectionInput input)
    {
        if (string.IsNullOrWhiteSpace(input.Name)) yield return new("name", "A name is required.");
        else if (input.Name.Trim().Length > 200) yield return new("name", "The name is longer than 200 characters.");
        if (string.IsNullOrWhiteSpace(input.Host)) yield return new("host", "A host is required.");
        else if (HostName.Check(input.Host.Trim()) is { } hostError)
            yield return new("host", $"The host must be a host name or an IP address: {hostError}.");
        if (input.Port is null) yield return new("port", "A port is required.");
        else if (input.Port is < 1 or > 65535) yield return new("port", "The port must be between 1 and 65535.");
        if (input.Username is { } user && !string.IsNullOrWhiteSpace(user))
        {
            // Redis ACL user names have no spaces or control characters, and none is this long.
            if (user.Trim().Length > MaxUsernameLength)
                yield return new("username", $"The username is {user.Trim().Length} characters long; at most {MaxUsernameLength}.");
            else if (user.Trim().Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                yield return new("username", "The username must not contain spaces or control characters.");
        }
        if (input.Db is < 0) yield return new("db", $"The database number cannot be negative ({input.Db}); databases count from 0.");
        else if (input.Db is > 100_000) yield return new("db", "The database number is at most 100000.");
    }

    private async Task ValidateAsync(ConnectionInput input, string? existingId, CancellationToken ct)
    {
        Validate(input);
        if (await NameTakenAsync(input.Name!.Trim(), existingId, ct) is { } taken)
            throw new InvalidInputException("name", $"A connection named '{taken}' already exists; names must differ (ignoring case).");
    }

    /// <summary>The name of another connection that <paramref name="name"/> equals, ignoring case; null when it is free.</summary>
    private async Task<string?> NameTakenAsync(string name, string? exceptId, CancellationToken ct)
    {
        if (_default is not null && exceptId != _default.Id && string.Equals(_default.Name, name, StringComparison.OrdinalIgnoreCase))
            return _default.Name;
        await using var db = await _contexts.CreateDbContextAsync(ct);
        // Few connections: compared here, so the rule is the same whatever the database's collation.
        var names = await db.Connections.AsNoTracking().Where(c => c.Id != exceptId).Select(c => c.Name).ToListAsync(ct);
        return names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The TLS settings a save ends with, checked as a handshake would use them.</summary>
    private sealed record TlsInput(string? CaCertificate, string? ClientCertificate, string? ClientKey, bool ClientKeyChanged);

    /// <param name="storedKey">the connection's client key now (clear), kept when the input's is null.</param>
    private static TlsInput ResolveTls(ConnectionInput input, string? storedKey)
    {
        var ca = NullIfBlank(input.CaCertificate);
        var certificate = NullIfBlank(input.ClientCertificate);
        // A key without its certificate is of no use: removing the certificate removes the stored key too.
        var key = input.ClientKey is null ? (certificate is null ? null : storedKey) : NullIfBlank(input.ClientKey);
        if (TlsClientSettings.Check(ca, certificate, key) is { } error)
            throw new InvalidInputException(FieldName(error.Field), error.Message);
        return new TlsInput(ca, certificate, key, key != storedKey);
    }

    /// <summary>The JSON name of a TLS field, as a 400 names it.</summary>
    private static string FieldName(TlsField field) => field switch
    {
        TlsField.CaCertificate => "caCertificate",
        TlsField.ClientCertificate => "clientCertificate",
        _ => "clientKey",
    };

    private static string? NullIfBlank(string? pem) => string.IsNullOrWhiteSpace(pem) ? null : pem.Trim();

    private void Apply(ConnectionEntity row, ConnectionInput input, TlsInput tls, DateTime now)
    {
        row.Name = input.Name!.Trim();
        row.Host = input.Host!.Trim();
        row.Port = input.Port!.Value;
        row.Username = string.IsNullOrWhiteSpace(input.Username) ? null : input.Username.Trim();
        if (input.Password is not null)
            row.ProtectedPassword = input.Password.Length == 0 ? null : _protector.Protect(input.Password);
        row.Tls = input.Tls ?? false;
        row.CaCertificate = tls.CaCertificate;
        row.TlsInsecure = input.TlsInsecure ?? false;
        row.ClientCertificate = tls.ClientCertificate;
        if (tls.ClientKeyChanged)
            row.ProtectedClientKey = tls.ClientKey is null ? null : _clientKeyProtector.Protect(tls.ClientKey);
        row.Db = input.Db ?? 0;
        if (input.RedactValues is { } redact) row.RedactValues = redact;
        row.UpdatedAt = now;
    }

    /// <summary>
    /// The clear secret; null when the key ring cannot decrypt it (the data folder was copied without its key-encryption
    /// key, or the key was lost): the connection then fails to authenticate, visibly, and the list still loads; saving a
    /// new password repairs it.
    /// </summary>
    private static string? Unprotect(IDataProtector protector, string? ciphertext)
    {
        if (ciphertext is null) return null;
        try
        {
            return protector.Unprotect(ciphertext);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private ConnectionProfile ToProfile(ConnectionEntity row) => new()
    {
        Id = row.Id,
        Name = row.Name,
        Host = row.Host,
        Port = row.Port,
        Username = row.Username,
        Password = Unprotect(_protector, row.ProtectedPassword),
        Tls = row.Tls,
        CaCertificate = row.CaCertificate,
        TlsInsecure = row.TlsInsecure,
        ClientCertificate = row.ClientCertificate,
        ClientKey = Unprotect(_clientKeyProtector, row.ProtectedClientKey),
        Db = row.Db,
        RedactValues = row.RedactValues,
        CreatedAt = row.CreatedAt,
    };
}
