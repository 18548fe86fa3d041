using System.Diagnostics;
using BetterDb.Core.Storage;
using BetterDb.Core.Storage.Postgres;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BetterDb.Testing;

/// <summary>
/// A real PostgreSQL (Debian's <c>postgresql</c> package) for the tests: a cluster made in a temp directory with
/// <c>initdb</c>, on a free loopback port, started once per test process (<see cref="Shared"/>) and stopped when the
/// process ends; under coreutils' <c>timeout</c> like <see cref="RedisServer"/>, so it goes away by itself even if
/// the test process dies first. As root, the server runs as the <c>postgres</c> user (it refuses to run as root).
/// Each test gets a database of its own (<see cref="CreateDatabase"/>), copied from one that is migrated once.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    /// <summary>Set to <c>postgres</c> to run the app's tests (every <c>TestApp</c>) on PostgreSQL instead of SQLite.</summary>
    public const string ProviderVariable = "BETTERDB_TEST_STORAGE";

    private const string Template = "betterdb_template";
    private static readonly Lazy<PostgresServer> Instance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly object CreateGate = new();
    private Process _process;
    private readonly string _directory;
    private bool _templateReady;

    private PostgresServer(string directory, int port)
    {
        _directory = directory;
        Port = port;
        _process = Launch();
    }

    public int Port { get; }

    /// <summary>Whether the tests were asked to run the app on PostgreSQL (<see cref="ProviderVariable"/>).</summary>
    public static bool Requested =>
        string.Equals(Environment.GetEnvironmentVariable(ProviderVariable), StorageOptions.Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>The server of this test process, started on first use.</summary>
    public static PostgresServer Shared => Instance.Value;

    /// <summary>A server of its own, for a test that stops it (dispose it at the end).</summary>
    public static PostgresServer StartPrivate() => Start();

    /// <summary>Where Debian puts the server's programs (the highest installed version), or null when it is not installed.</summary>
    public static string? BinDirectory =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "postgres"))).OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database,
            IncludeErrorDetail = true, ConnectionIdleLifetime = 15, Timeout = 30,
        }.ToString();

    /// <summary>
    /// A new database holding the app's migrated schema (copied from a template migrated once), named after
    /// <paramref name="key"/> when given so that the same key (a data directory an app restarts on) finds the same
    /// database again; returns its connection string.
    /// </summary>
    public string CreateDatabase(string? key = null)
    {
        var name = key is null ? "t_" + Guid.NewGuid().ToString("N")[..16] : "t_" + Hash(key);
        lock (CreateGate)
        {
            if (!_templateReady)
            {
                Execute($"DROP DATABASE IF EXISTS {Template}", $"CREATE DATABASE {Template}");
                var options = new DbContextOptionsBuilder<BetterDbContext>().UseNpgsql(ConnectionString(Template) + ";Pooling=false").Options;
                using (var db = new PostgresBetterDbContext(options)) db.Database.Migrate();
                _templateReady = true;
            }
            if (!Exists(name)) Execute($"CREATE DATABASE {name} TEMPLATE {Template}");
        }
        return ConnectionString(name);
    }

    /// <summary>Drops a database <see cref="CreateDatabase"/> made, closing what still uses it.</summary>
    public void DropDatabase(string connectionString)
    {
        NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        try { Execute($"DROP DATABASE IF EXISTS {name} WITH (FORCE)"); }
        catch (NpgsqlException) { /* the server is going away with the process anyway */ }
    }

    private bool Exists(string name)
    {
        using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        connection.Open();
        using var cmd = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = name } } };
        return cmd.ExecuteScalar() is not null;
    }

    private void Execute(params string[] statements)
    {
        using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        connection.Open();
        foreach (var sql in statements)
        {
            using var cmd = new NpgsqlCommand(sql, connection);
            cmd.ExecuteNonQuery();
        }
    }

    private static string Hash(string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..16];

    private static PostgresServer Start()
    {
        var bin = BinDirectory ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): apt-get install postgresql, or run ./scripts/test.sh, which does.");
        var asRoot = Environment.UserName == "root";
        var directory = Path.Combine(Path.GetTempPath(), "betterdb-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var data = Path.Combine(directory, "data");
        Directory.CreateDirectory(directory);
        if (asRoot) Run("chown", "postgres:postgres", directory);
        Run(AsServerUser(asRoot, Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"));

        var server = new PostgresServer(directory, RedisServer.FreePort());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        server.WaitUntilReady(TimeSpan.FromSeconds(60));
        return server;
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    private Process Launch()
    {
        // fsync off: a test database need not survive a power cut, and the run is faster for it. INT is a fast
        // shutdown (TERM would wait for every client to leave).
        var psi = new ProcessStartInfo("timeout") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--signal=INT", "--kill-after=10", "3600" }) psi.ArgumentList.Add(a);
        foreach (var a in AsServerUser(Environment.UserName == "root", Path.Combine(BinDirectory!, "postgres"), "-D", DataDirectory, "-p", Port.ToString(),
                     "-k", _directory, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off", "-c", "max_connections=400", "-c", "shared_buffers=128MB", "-c", "log_min_messages=fatal"))
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start postgres");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Stops the server (a fast shutdown: clients are cut off), as an operator restarting it would.</summary>
    public void Stop()
    {
        if (_process.HasExited) return;
        // timeout passes INT on to postgres.
        Run("kill", "-INT", _process.Id.ToString());
        if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
    }

    /// <summary>Starts the stopped server again on the same data and port.</summary>
    public void StartAgain()
    {
        if (!_process.HasExited) return;
        _process = Launch();
        WaitUntilReady(TimeSpan.FromSeconds(60));
    }

    private void WaitUntilReady(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"postgres exited with {_process.ExitCode} before it was ready");
            try
            {
                using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false;Timeout=2");
                connection.Open();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>The arguments that run <paramref name="program"/> as the server's user: setpriv execs it (no process in between).</summary>
    private static string[] AsServerUser(bool asRoot, string program, params string[] args) =>
        asRoot ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", program, .. args] : [program, .. args];

    private static void Run(params string[] command)
    {
        var psi = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} exited with {p.ExitCode}: {stderr.Result}");
    }

    public void Dispose()
    {
        try
        {
            Stop();
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception) { }
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// Which tests the run on PostgreSQL (<see cref="PostgresServer.ProviderVariable"/>) leaves out:
/// <see cref="SqliteOnly"/> ones test SQLite's files themselves (a deleted or full database file, the key ring's files),
/// <see cref="Postgres"/> ones run on PostgreSQL in every run already.
/// </summary>
public static class StorageTrait
{
    public const string Name = "Storage";
    public const string SqliteOnly = "sqlite-only";
    public const string Postgres = "postgres";
}
