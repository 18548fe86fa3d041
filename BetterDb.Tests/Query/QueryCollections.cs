using BetterDb.Testing;

namespace BetterDb.Tests.Query;

/// <summary>A redis-server of its own for the matcher and key-spec tests (they flush and use db 3).</summary>
[CollectionDefinition(Name)]
public sealed class QueryRedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "query (redis)";
}

/// <summary>
/// A redis-server and the app for the import, export and analysis contract. Its captures are written in
/// small chunks (<see cref="QueryAppFixture"/>), so every test crosses many chunk boundaries.
/// </summary>
[CollectionDefinition(Name)]
public sealed class QueryAppCollection : ICollectionFixture<QueryAppFixture>
{
    public const string Name = "query (redis + app)";
}

public sealed class QueryAppFixture : RedisAppFixture
{
    public const int ChunkLines = 7;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        App.Sessions.WriterSettings = App.Sessions.WriterSettings with { ChunkMaxLines = ChunkLines };
    }
}
