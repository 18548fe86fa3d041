using System.Net.Sockets;
using BetterDb.Core.Connections;
using BetterDb.Core.History;
using BetterDb.Core.Storage;
using BetterDb.Testing;
using BetterDb.Tests.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace BetterDb.Tests.History;

[CollectionDefinition(Name)]
public sealed class HistoryCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "instance history (redis)";
}

/// <summary>One connection's collectors over a real SQLite file, polled when the test says (their cadences are an hour).</summary>
internal sealed class CollectorHarness : IAsyncDisposable
{
    private readonly SqliteTestDatabase _db = new();

    private CollectorHarness(ConnectionProfile profile, HistoryOptions options)
    {
        Store = new HistoryStore(_db);
        Reader = new HistoryReader(_db);
        Collector = new InstanceCollector(profile, options, Store, null, NullLogger.Instance);
    }

    public HistoryStore Store { get; }
    public HistoryReader Reader { get; }
    public InstanceCollector Collector { get; }
    public IDbContextFactory<BetterDbContext> Contexts => _db;

    public static HistoryOptions Manual(int maxEntries = 128) => new()
    {
        InfoIntervalMs = 3_600_000 / 60, InfoPersistIntervalMs = 60_000, SlowlogIntervalMs = 3_600_000, CommandlogIntervalMs = 3_600_000,
        ClientListIntervalMs = 3_600_000, AclLogIntervalMs = 3_600_000, MaxEntriesPerPoll = maxEntries, MaxBackoffMs = 4_000, CommandTimeoutMs = 2_000,
    };

    /// <summary>Starts the collectors and waits for their first round (every collector polls once at start).</summary>
    public static async Task<CollectorHarness> StartAsync(ConnectionProfile profile, HistoryOptions? options = null, bool waitForFirstRound = true)
    {
        var harness = new CollectorHarness(profile, options ?? Manual());
        await using (var db = await harness._db.MigratedAsync()) { }
        harness.Collector.Start();
        if (waitForFirstRound) Assert.True(await harness.Collector.PollNowAndWaitAsync(TimeSpan.FromSeconds(20)), "the collectors' first round");
        return harness;
    }

    public async Task PollAsync(params string[] collectors) =>
        Assert.True(await Collector.PollNowAndWaitAsync(TimeSpan.FromSeconds(20), collectors), $"a poll of {string.Join(", ", collectors)}");

    public static ConnectionProfile Profile(int port, string id = "c1", string? user = null, string? password = null) =>
        new() { Id = id, Name = id, Host = "127.0.0.1", Port = port, Username = user, Password = password };

    public async ValueTask DisposeAsync()
    {
        await Collector.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _db.Dispose();
    }
}

/// <summary>The collectors against a real redis-server: slowlog dedup and gaps, ACL LOG, CLIENT LIST, back-off.</summary>
[Collection(HistoryCollection.Name)]
public sealed class HistoryCollectorServerTests(RedisFixture fx) : IAsyncLifetime
{
    private readonly string _tag = "h" + Guid.NewGuid().ToString("N")[..8];
    private IDatabase Db => fx.Client.GetDatabase();

    public async Task InitializeAsync()
    {
        await fx.Server.CliAsync("CONFIG", "SET", "slowlog-log-slower-than", "0");
        await fx.Server.CliAsync("CONFIG", "SET", "slowlog-max-len", "1000");
        await fx.Server.CliAsync("SLOWLOG", "RESET");
        await fx.Server.CliAsync("ACL", "LOG", "RESET");
    }

    public async Task DisposeAsync()
    {
        await fx.Server.CliAsync("CONFIG", "SET", "slowlog-log-slower-than", "10000");
        await fx.Server.CliAsync("CONFIG", "SET", "slowlog-max-len", "128");
    }

    private async Task<List<CommandLogEntryEntity>> RowsAsync(CollectorHarness h)
    {
        await using var db = await h.Contexts.CreateDbContextAsync();
        return await db.CommandLogEntries.AsNoTracking().Where(e => e.Log == "slowlog").OrderBy(e => e.EntryId).ToListAsync();
    }

    [Fact]
    public async Task Seeded_slowlog_entries_are_stored_once_each_with_the_command_decoded()
    {
        await using var h = await CollectorHarness.StartAsync(CollectorHarness.Profile(fx.Server.Port));
        for (var i = 0; i < 5; i++) await Db.StringSetAsync($"{_tag}:{i}", $"value {i}\nline");
        await h.PollAsync(CollectorNames.Slowlog);
        await h.PollAsync(CollectorNames.Slowlog);
        await h.PollAsync(CollectorNames.Slowlog);

        var rows = await RowsAsync(h);
        Assert.Equal(rows.Count, rows.Select(r => (r.RunId, r.EntryId)).Distinct().Count());
        var mine = (await h.Reader.LogAsync("c1", ["slowlog"], null, null, 1000, 0)).Where(e => e.Args?.ElementAtOrDefault(1)?.StartsWith(_tag) == true).ToList();
        Assert.Equal(5, mine.Count);
        var first = mine.Single(e => e.Args![1] == $"{_tag}:0");
        Assert.Equal(("SET", 3), (first.Command, first.Arity));
        Assert.Equal($"SET {_tag}:0 \"value 0\\nline\"", first.Text);
        Assert.True(first.DurationUs >= 0);
        Assert.Empty(await h.Reader.GapsAsync("c1", ["slowlog"], 0, long.MaxValue));
        // The collectors' own commands are in the slowlog too (slower-than 0), named as the app's.
        Assert.Contains(await h.Reader.LogAsync("c1", ["slowlog"], null, null, 1000, 0), e => e.ClientName == "betterdb-history" && e.IsOwn);
    }

    [Fact]
    public async Task A_ring_that_overflows_between_polls_is_recorded_as_the_exact_number_of_entries_missed()
    {
        await using var h = await CollectorHarness.StartAsync(CollectorHarness.Profile(fx.Server.Port), CollectorHarness.Manual(maxEntries: 8));
        await fx.Server.CliAsync("CONFIG", "SET", "slowlog-max-len", "8");
        await h.PollAsync(CollectorNames.Slowlog);
        var before = (await RowsAsync(h)).Max(r => r.EntryId);
        for (var i = 0; i < 30; i++) await Db.StringSetAsync($"{_tag}:{i}", i);
        await h.PollAsync(CollectorNames.Slowlog);

        var rows = await RowsAsync(h);
        var gap = Assert.Single(await h.Reader.GapsAsync("c1", ["slowlog"], 0, long.MaxValue));
        Assert.Equal(before, gap.AfterId);
        var after = rows.Where(r => r.EntryId > before).Select(r => r.EntryId).ToList();
        // What the ring still held is stored; everything between is counted, nothing silently skipped.
        Assert.Equal(8, after.Count);
        Assert.Equal(after.Min(), gap.BeforeId);
        Assert.Equal(after.Min() - before - 1, gap.Missed);
        Assert.True(gap.Missed >= 22, $"missed {gap.Missed}");
        Assert.Equal(Enumerable.Range((int)after.Min(), 8).Select(i => (long)i), after);
        Assert.Contains($"{gap.Missed} entries missed", gap.Message);
        var listed = await h.Reader.LogAsync("c1", ["slowlog"], null, null, 1000, 0);
        Assert.Contains(listed, i => i.Kind == "gap" && i.Missed == gap.Missed);
    }

    [Fact]
    public async Task A_user_failing_auth_is_one_acl_log_entry_whose_count_follows_the_server()
    {
        await fx.Server.CliAsync("ACL", "SETUSER", $"{_tag}-user", "on", ">right", "+get", "~*");
        await using var h = await CollectorHarness.StartAsync(CollectorHarness.Profile(fx.Server.Port));
        for (var i = 0; i < 3; i++) await FailAuthAsync($"{_tag}-user");
        await h.PollAsync(CollectorNames.AclLog);
        await h.PollAsync(CollectorNames.AclLog);
        var entry = Assert.Single(await h.Reader.AclLogAsync("c1", null, null, 100, 0), a => a.Username == $"{_tag}-user");
        Assert.Equal(("auth", "AUTH", 3L), (entry.Reason, entry.Object, entry.Count));
        Assert.NotNull(entry.ClientAddr);

        for (var i = 0; i < 2; i++) await FailAuthAsync($"{_tag}-user");
        await h.PollAsync(CollectorNames.AclLog);
        entry = Assert.Single(await h.Reader.AclLogAsync("c1", null, null, 100, 0), a => a.Username == $"{_tag}-user");
        Assert.Equal(5L, entry.Count);
        await fx.Server.CliAsync("ACL", "DELUSER", $"{_tag}-user");
    }

    internal static async Task FailAuthAsync(string user, int port = 0, RedisFixture? fixture = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        var command = $"*3\r\n$4\r\nAUTH\r\n${user.Length}\r\n{user}\r\n$5\r\nwrong\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(command));
        var buffer = new byte[256];
        var n = await stream.ReadAsync(buffer);
        Assert.StartsWith("-WRONGPASS", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
    }

    private Task FailAuthAsync(string user) => FailAuthAsync(user, fx.Server.Port);

    [Fact]
    public async Task Client_list_snapshots_show_named_clients_and_what_they_ran_last()
    {
        await using var orders = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{fx.Server.Port},name={_tag}-orders");
        await using var billing = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{fx.Server.Port},name={_tag}-billing");
        await orders.GetDatabase().StringGetAsync($"{_tag}:k");
        await billing.GetDatabase().HashSetAsync($"{_tag}:h", "f", "v");
        await using var h = await CollectorHarness.StartAsync(CollectorHarness.Profile(fx.Server.Port));
        await h.PollAsync(CollectorNames.Clients);

        var snapshot = (await h.Reader.ClientSnapshotsAsync("c1", null, null, 1, 0)).Single();
        Assert.Equal(snapshot.ClientCount, snapshot.Clients.Count);
        Assert.Contains(snapshot.Clients, c => c.Name == $"{_tag}-orders");
        Assert.Contains(snapshot.Clients, c => c.Name == $"{_tag}-billing" && c.Cmd is not null);
        Assert.Contains(snapshot.Clients, c => c.Name == "betterdb-history" && c.IsOwn && c.Cmd == "client|list");
        var (commands, snapshots) = await h.Reader.ClientCommandsAsync("c1", 0, long.MaxValue);
        Assert.Equal(1, snapshots);
        Assert.DoesNotContain("client|list", commands); // the app's own client is left out
    }

    [Fact]
    public async Task An_unreachable_server_is_retried_with_growing_pauses_and_its_error_is_shown()
    {
        var closed = RedisServer.FreePort();
        await using var h = await CollectorHarness.StartAsync(CollectorHarness.Profile(closed), waitForFirstRound: false);
        var status = await Poll.UntilAsync(() => Task.FromResult(h.Collector.Status()), s => s.ConsecutiveFailures >= 2, "two failed attempts",
            TimeSpan.FromSeconds(15));
        Assert.False(status.Connected);
        Assert.Contains($"127.0.0.1:{closed}", status.Error);
        Assert.NotNull(status.ErrorSince);
        Assert.True(status.NextAttemptAt > DateTime.UtcNow.AddMilliseconds(500), $"next attempt at {status.NextAttemptAt:O}");
        // Asking for a poll now does not hang on the dead server.
        Assert.False(await h.Collector.PollNowAndWaitAsync(TimeSpan.FromMilliseconds(300), CollectorNames.Info));
    }
}
