using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace BetterDb.Core.Storage;

/// <summary>Storage refused a write (disk full, read-only, I/O error) or is gone: a 503 over HTTP, with what happened.</summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Whether the app's database can be trusted with writes. Once the database file is gone (deleted or replaced
/// while the app runs), nothing the app writes reaches it: writes are refused until the app is restarted.
/// </summary>
public sealed class StorageHealth
{
    private string? _failure;

    /// <summary>Why storage is unusable; null while it is fine.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>Raised once, when storage becomes unusable.</summary>
    public event Action<string>? Failed;

    public void ReportGone(string failure)
    {
        if (Interlocked.CompareExchange(ref _failure, failure, null) is null) Failed?.Invoke(failure);
    }

    /// <exception cref="StorageUnavailableException">storage is unusable</exception>
    public void ThrowIfUnusable()
    {
        if (Failure is { } failure) throw new StorageUnavailableException(failure);
    }

    /// <summary>
    /// <see cref="Describe"/>, and once storage is known to be gone, any SQLite error as that failure: a connection
    /// opened after the file was deleted finds a new, empty database there ("no such table"), which is the same fault.
    /// </summary>
    public string? Explain(Exception ex)
    {
        if (Describe(ex) is { } described) return described;
        if (Failure is not { } failure) return null;
        for (var e = ex; e is not null; e = e.InnerException)
            if (e is SqliteException or NpgsqlException) return failure;
        return null;
    }

    /// <summary>
    /// What a storage exception means for a person, or null when it is not a storage failure: SQLite's disk full,
    /// read-only, I/O and cannot-open errors, PostgreSQL's disk full, read-only and a server that is down or cannot be
    /// reached, and the operating system's disk full or read-only file system.
    /// </summary>
    public static string? Describe(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StorageUnavailableException:
                    return e.Message;
                case SqliteException { SqliteErrorCode: 13 }:
                    return $"the disk holding the database is full ({e.Message})";
                case SqliteException { SqliteErrorCode: 8 }:
                    return $"the database cannot be written: it is read-only ({e.Message})";
                case SqliteException { SqliteErrorCode: 10 or 14 or 11 or 26 }:
                    return $"the database could not be read or written ({e.Message})";
                case PostgresException { SqlState: PostgresErrorCodes.DiskFull }:
                    return $"the disk holding the database is full ({e.Message})";
                case PostgresException { SqlState: PostgresErrorCodes.ReadOnlySqlTransaction }:
                    return $"the database cannot be written: it is read-only ({e.Message})";
                case PostgresException { SqlState: var state } when state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("57P", StringComparison.Ordinal):
                    return $"the database server is not available ({e.Message})";
                case NpgsqlException { IsTransient: true } and not PostgresException:
                    return $"the database server could not be reached ({e.Message})";
                case IOException io when io.HResult is 28 or 30 || io.Message.Contains("No space left", StringComparison.Ordinal):
                    return $"the disk refused a write ({io.Message})";
            }
        }
        return null;
    }
}

/// <summary>
/// Notices the database file being deleted or replaced under the running app (its device and inode change,
/// or it vanishes): SQLite would go on writing to the deleted file and everything written afterwards would
/// be lost at the next start, with only the health check noticing.
/// </summary>
public sealed class DatabaseFileWatch(DataPaths paths, StorageHealth health, ILogger<DatabaseFileWatch> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var path = paths.Database;
        var identity = FileIdentity.Of(path);
        if (identity is null) return; // not created yet or not a platform that tells: nothing to compare with
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var now = FileIdentity.Of(path);
                if (now == identity) continue;
                var failure = now is null
                    ? $"database file is gone: {path} was deleted while the app ran; nothing can be stored until the file is restored and the app restarted (a restart without it starts a new, empty database)"
                    : $"database file is gone: {path} was replaced while the app ran; nothing can be stored until the app is restarted";
                log.LogCritical("Storage is gone: {Failure}", failure);
                health.ReportGone(failure);
                return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}

/// <summary>A file's device and inode (Linux), or null when it does not exist or the platform cannot tell.</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

    public static FileIdentity? Of(string path)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
            return File.Exists(path) ? new FileIdentity(0, 0) : null;
        // struct stat on Linux x86-64 and arm64 starts with st_dev and st_ino, 8 bytes each.
        var buffer = new byte[256];
        if (Stat(path, buffer) != 0) return null;
        return new FileIdentity(BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8));
    }
}

/// <summary>
/// Refuses every write to the database once <see cref="StorageHealth"/> says it is gone, in one place for all
/// writers (sessions, chunks, connections, analyses): a <see cref="StorageUnavailableException"/> the HTTP layer
/// answers with 503 and the UI shows, instead of writes that would silently vanish.
/// </summary>
public sealed class StorageGuard(StorageHealth health) : Microsoft.EntityFrameworkCore.Diagnostics.DbCommandInterceptor
{
    private void Check(System.Data.Common.DbCommand command)
    {
        if (health.Failure is not { } failure) return;
        var sql = command.CommandText.AsSpan().TrimStart();
        if (sql.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) || sql.StartsWith("PRAGMA", StringComparison.OrdinalIgnoreCase)) return;
        throw new StorageUnavailableException(failure);
    }

    public override Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<System.Data.Common.DbDataReader> ReaderExecuting(
        System.Data.Common.DbCommand command, Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData eventData,
        Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<System.Data.Common.DbDataReader> result)
    {
        Check(command);
        return result;
    }

    public override ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<System.Data.Common.DbDataReader>> ReaderExecutingAsync(
        System.Data.Common.DbCommand command, Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData eventData,
        Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<System.Data.Common.DbDataReader> result, CancellationToken ct = default)
    {
        Check(command);
        return ValueTask.FromResult(result);
    }

    public override Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int> NonQueryExecuting(
        System.Data.Common.DbCommand command, Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData eventData,
        Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int> result)
    {
        Check(command);
        return result;
    }

    public override ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int>> NonQueryExecutingAsync(
        System.Data.Common.DbCommand command, Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData eventData,
        Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int> result, CancellationToken ct = default)
    {
        Check(command);
        return ValueTask.FromResult(result);
    }
}
