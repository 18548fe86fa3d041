using BetterDb.Core.Capture;
using System.Net;
using System.Text;
using BetterDb.Core.Connections;
using BetterDb.Core.Lines;
using BetterDb.Testing;
using StackExchange.Redis;

namespace BetterDb.Tests.Query;

/// <summary>
/// Keys from the server's own key specifications (<c>COMMAND INFO</c>) against a real redis-server 7, the built-in
/// table, and the server's <c>COMMAND GETKEYS</c>: all three must name the same keys.
/// </summary>
[Collection(QueryRedisCollection.Name)]
public sealed class KeySpecsTests(RedisFixture redis)
{
    // command line (arguments split on spaces, <empty> is ""), expected keys
    public static TheoryData<string, string> Lines => new()
    {
        { "MSET a 1 b 2 c 3", "a b c" },
        { "MSETNX a 1 b 2", "a b" },
        { "MGET a b c", "a b c" },
        { "DEL k1 k2 k3 k4 k5 k6", "k1 k2 k3 k4 k5 k6" },
        { "UNLINK a b", "a b" },
        { "EXISTS a b a", "a b a" },
        { "EVAL return 2 k1 k2 arg1 arg2", "k1 k2" },
        { "EVAL return 0 arg", "" },
        { "EVALSHA 0123456789abcdef0123456789abcdef01234567 1 k arg", "k" },
        { "EVAL_RO return 1 k", "k" },
        { "FCALL fn 2 k1 k2 a", "k1 k2" },
        { "FCALL_RO fn 1 k", "k" },
        { "XREAD COUNT 2 STREAMS s1 s2 0 0", "s1 s2" },
        { "XREAD BLOCK 0 STREAMS s $", "s" },
        { "XREADGROUP GROUP g c COUNT 1 STREAMS s1 s2 > >", "s1 s2" },
        { "XREADGROUP GROUP streams c STREAMS s >", "s" },
        { "BLPOP l1 l2 0", "l1 l2" },
        { "BRPOP l 1.5", "l" },
        { "BZPOPMIN z1 z2 0", "z1 z2" },
        { "BLMOVE a b LEFT RIGHT 0", "a b" },
        { "ZUNIONSTORE d 2 a b WEIGHTS 1 2", "d a b" },
        { "ZINTERSTORE d 1 a", "d a" },
        { "ZDIFFSTORE d 2 a b", "d a b" },
        { "ZUNION 2 a b WITHSCORES", "a b" },
        { "SINTERCARD 2 a b LIMIT 1", "a b" },
        { "LMPOP 2 a b LEFT COUNT 3", "a b" },
        { "BLMPOP 0 2 a b LEFT", "a b" },
        { "BZMPOP 1.5 1 z MAX", "z" },
        { "SORT l", "l" },
        { "SORT l BY w_* GET o_* STORE dst", "l dst" },
        { "SORT l LIMIT 0 10 STORE dst", "l dst" },
        { "SORT_RO l BY w_* GET #", "l" },
        { "MIGRATE host 6379 key 0 5000", "key" },
        { "MIGRATE host 6379 <empty> 0 5000 COPY REPLACE KEYS a b", "a b" },
        { "MIGRATE host 6379 <empty> 0 5000 AUTH keys KEYS a", "a" },
        { "OBJECT ENCODING k", "k" },
        { "OBJECT FREQ k", "k" },
        { "OBJECT HELP", "" },
        { "MEMORY USAGE k SAMPLES 5", "k" },
        { "XINFO STREAM s FULL", "s" },
        { "XGROUP CREATE s g $ MKSTREAM", "s" },
        { "BITOP AND d a b", "d a b" },
        { "GEORADIUS g 15 37 200 km STORE d", "g d" },
        { "GEORADIUSBYMEMBER g m 200 km STOREDIST d", "g d" },
        { "RENAME a b", "a b" },
        { "LMOVE a b LEFT RIGHT", "a b" },
        { "GET k", "k" },
        { "SET k v EX 10", "k" },
        { "HSET h f v f2 v2", "h" },
        { "ZADD z 1 m", "z" },
        { "PING", "" },
        { "INFO", "" },
        { "INFO keyspace", "" },
        { "ECHO hello", "" },
        { "PUBLISH channel message", "" },
        { "SPUBLISH channel message", "" }, // a shard channel: flagged not_key
        { "SELECT 2", "" },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public async Task Server_specs_and_the_built_in_table_name_the_same_keys(string command, string expected)
    {
        var table = await ServerTableAsync();
        var args = Split(command);
        var view = Parse(args, out var keep);
        Assert.Equal(Split(expected), table.Keys(view));
        Assert.Equal(Split(expected), KeySpecTable.BuiltIn.Keys(view));
        Assert.Equal(Split(expected), KeyExtractor.Keys(view));
        GC.KeepAlive(keep);

        // The server's own answer for the same arguments (it refuses to answer for keyless lines).
        if (expected.Length > 0)
        {
            var reply = (RedisResult[])(await redis.Client.GetDatabase().ExecuteAsync("COMMAND", ["GETKEYS", .. args]))!;
            Assert.Equal(Split(expected), reply.Select(r => (string)r!).ToArray());
        }
    }

    [Fact]
    public async Task Subcommand_specs_live_under_their_container()
    {
        var table = await ServerTableAsync();
        Assert.False(table.IsBuiltIn);
        Assert.Equal("server", table.Source);
        Assert.True(table.CommandCount > 150);
        Assert.True(table.Lists("object|encoding"));
        Assert.True(table.Lists("OBJECT|FREQ"));
        Assert.True(table.Lists("get"));
        Assert.False(table.Lists("object|nosuch"));
        // An unknown subcommand is an error on the server: it touched no key.
        Assert.Empty(table.Keys(Parse(["OBJECT", "NOSUCH", "k"], out _)));
    }

    [Fact]
    public async Task The_servers_specs_win_where_the_built_in_table_guesses()
    {
        var table = await ServerTableAsync();
        // PFDEBUG is not in the built-in table, whose guess for an unknown command is its first argument.
        var view = Parse(["PFDEBUG", "GETREG", "hll"], out var keep);
        Assert.Equal(["GETREG"], KeySpecTable.BuiltIn.Keys(view));
        Assert.Equal(["hll"], table.Keys(view));
        GC.KeepAlive(keep);
        // A command the server does not know (an import from elsewhere, a module) falls back to the built-in guess.
        Assert.Equal(["doc"], table.Keys(Parse(["JSON.SET", "doc", "$", "{}"], out _)));
        // Case, escapes and many keys (more than any stack buffer).
        Assert.Equal(["a", "b"], table.Keys(Parse(["mget", "a", "b"], out _)));
        var many = Enumerable.Range(0, 100).Select(i => $"k{i}").ToArray();
        Assert.Equal(many, table.Keys(Parse(["DEL", .. many], out _)));
        Assert.Equal([@"\xff\x00", "café"], table.Keys(ParseEscaped("\"MGET\" \"\\xff\\x00\" \"caf\\xc3\\xa9\"")));
    }

    [Fact]
    public async Task A_server_line_becomes_the_same_api_line_as_the_built_in_one_but_for_keys()
    {
        var table = await ServerTableAsync();
        var raw = Encoding.ASCII.GetBytes("1700000000.000001 [0 127.0.0.1:1] \"PFDEBUG\" \"GETREG\" \"hll\"");
        var builtIn = MonitorLine.FromRaw(raw, "n1");
        var server = table.ToLine(raw, "n1");
        Assert.Equal(["hll"], server.Keys);
        Assert.Equal((builtIn.Ts, builtIn.TsRaw, builtIn.Db, builtIn.Addr, builtIn.Cmd, builtIn.Raw, builtIn.NodeId),
            (server.Ts, server.TsRaw, server.Db, server.Addr, server.Cmd, server.Raw, server.NodeId));
        Assert.Equal(builtIn.Args, server.Args);
        Assert.True(table.ToLine("not a line"u8).Malformed);
    }

    [Fact]
    public void A_reply_without_key_specs_means_the_built_in_table()
    {
        // Redis 6 answers COMMAND INFO with 7 fields per command: no key specs.
        var redis6 = new RespReply('*', null, 1, [new RespReply('*', null, 7,
        [
            new RespReply('$', "get"), new RespReply(':', null, 2), new RespReply('*', null, 0, []),
            new RespReply(':', null, 1), new RespReply(':', null, 1), new RespReply(':', null, 1), new RespReply('*', null, 0, []),
        ])]);
        Assert.Null(KeySpecTable.FromCommandInfo(redis6));
        Assert.Null(KeySpecTable.FromCommandInfo(new RespReply('-', "ERR unknown command 'COMMAND'")));
        Assert.Null(KeySpecTable.FromCommandInfo(new RespReply('*', null, 0, [])));
    }

    private KeySpecTable? _table;

    private async Task<KeySpecTable> ServerTableAsync() =>
        _table ??= await KeySpecCache.FetchAsync(Profile(redis.Server.Port), TimeSpan.FromSeconds(10))
                   ?? throw new InvalidOperationException("redis-server 7 answered without key specs");

    internal static ConnectionProfile Profile(int port, string? user = null, string? password = null) =>
        new() { Id = "t", Name = "t", Host = "127.0.0.1", Port = port, Username = user, Password = password };

    private static string[] Split(string args) =>
        args.Length == 0 ? [] : args.Split(' ').Select(a => a == "<empty>" ? "" : a).ToArray();

    /// <summary>A MONITOR line for these arguments; <paramref name="keep"/> holds the bytes the view points into.</summary>
    internal static MonitorLineView Parse(string[] args, out byte[] keep)
    {
        keep = Encoding.UTF8.GetBytes("1700000000.000001 [0 127.0.0.1:1] " +
                                      string.Join(' ', args.Select(a => "\"" + SdsRepr.Escape(Encoding.UTF8.GetBytes(a)) + "\"")));
        Assert.True(MonitorLineParser.TryParse(keep, out var view));
        return view;
    }

    private static MonitorLineView ParseEscaped(string argsText)
    {
        var bytes = Encoding.ASCII.GetBytes("1700000000.000001 [0 127.0.0.1:1] " + argsText);
        Assert.True(MonitorLineParser.TryParse(bytes, out var view));
        return view;
    }
}

/// <summary>The per-connection cache: one fetch per connection, definite answers kept, transient failures retried.</summary>
[Collection(QueryAppCollection.Name)]
public sealed class KeySpecCacheTests(QueryAppFixture fx)
{
    private ConnectionService Connections => (ConnectionService)fx.App.Services.GetService(typeof(ConnectionService))!;

    [Fact]
    public async Task Fetches_once_per_connection_and_keeps_the_table()
    {
        using var cache = new KeySpecCache(Connections);
        Assert.Same(KeySpecTable.BuiltIn, await cache.GetAsync(null));
        Assert.Same(KeySpecTable.BuiltIn, await cache.GetAsync("no-such-connection"));

        var tables = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => cache.GetAsync("default")));
        Assert.False(tables[0].IsBuiltIn);
        Assert.All(tables, t => Assert.Same(tables[0], t)); // concurrent readers shared one fetch
        Assert.Same(tables[0], await cache.GetAsync("default"));
        cache.Forget("default");
        var again = await cache.GetAsync("default");
        Assert.NotSame(tables[0], again);
        Assert.False(again.IsBuiltIn);
    }

    [Fact]
    public async Task An_unreachable_server_is_asked_again_next_time()
    {
        var port = RedisServer.FreePort();
        var connection = await fx.Api.CreateConnectionAsync("later", port);
        using var cache = new KeySpecCache(Connections);
        Assert.True((await cache.GetAsync(connection.Id)).IsBuiltIn); // nothing listens yet: not cached

        using var server = await StartRedisOnAsync(port);
        using var stop = new Disposer(() => { if (!server.HasExited) server.Kill(entireProcessTree: true); });
        Assert.False((await cache.GetAsync(connection.Id)).IsBuiltIn);
        await fx.Http.DeleteAsync($"/api/connections/{connection.Id}");
    }

    /// <summary>A redis-server on a port chosen beforehand (RedisServer picks its own), stopped on dispose.</summary>
    private static async Task<System.Diagnostics.Process> StartRedisOnAsync(int port)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"betterdb-query-redis-{port}");
        Directory.CreateDirectory(dir);
        var psi = new System.Diagnostics.ProcessStartInfo("timeout") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in new[] { "120", "redis-server", "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir })
            psi.ArgumentList.Add(a);
        var process = System.Diagnostics.Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        await Poll.UntilAsync(async () =>
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (System.Net.Sockets.SocketException) { return false; }
        }, up => up, $"redis-server on port {port}");
        return process;
    }

    [Fact]
    public async Task A_refusal_is_the_servers_answer_and_is_kept_until_the_connection_changes()
    {
        var db = fx.Client.GetDatabase();
        await db.ExecuteAsync("ACL", "SETUSER", "nocommand", "on", ">pw", "~*", "+@all", "-command");
        try
        {
            var connection = await fx.Api.CreateConnectionAsync("no COMMAND", fx.Server.Port, "nocommand", "pw");
            using var cache = new KeySpecCache(Connections);
            Assert.True((await cache.GetAsync(connection.Id)).IsBuiltIn); // NOPERM: definite

            await db.ExecuteAsync("ACL", "SETUSER", "nocommand", "+command");
            Assert.True((await cache.GetAsync(connection.Id)).IsBuiltIn); // still the kept answer

            // Editing the connection forgets what its server said.
            using var put = await fx.Http.PutAsync($"/api/connections/{connection.Id}", JsonContent(new
            {
                name = "COMMAND allowed", host = "127.0.0.1", port = fx.Server.Port, username = "nocommand",
            }));
            await BetterDbApi.ExpectAsync(put, HttpStatusCode.OK);
            Assert.False((await cache.GetAsync(connection.Id)).IsBuiltIn);
            await fx.Http.DeleteAsync($"/api/connections/{connection.Id}");
        }
        finally
        {
            await db.ExecuteAsync("ACL", "DELUSER", "nocommand");
        }
    }

    private sealed class Disposer(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body, BetterDbApi.Json), Encoding.UTF8, "application/json");
}
