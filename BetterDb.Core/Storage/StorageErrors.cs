using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BetterDb.Core.Storage;

/// <summary>What a provider's exception means, so code outside Storage/ never names the provider.</summary>
public static class StorageErrors
{
    /// <summary>The write broke a unique index (SQLite: SQLITE_CONSTRAINT_UNIQUE or _PRIMARYKEY).</summary>
    public static bool IsUniqueViolation(DbUpdateException ex) =>
        ex.InnerException is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };
}
