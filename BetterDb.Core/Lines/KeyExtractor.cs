using System.Buffers;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace BetterDb.Core.Lines;

/// <summary>
/// Finds which arguments of a command are keys, from a table of key positions
/// (argument indexes exclude the command itself).
/// </summary>
public static class KeyExtractor
{
    /// <summary>How keys beyond the fixed range are located.</summary>
    private enum Extra : byte
    {
        None,
        /// <summary>Argument <c>At</c> is a key count; that many keys follow it.</summary>
        NumKeys,
        /// <summary>After the STREAMS keyword (searched from <c>At</c>), the first half of the rest are keys.</summary>
        Streams,
        /// <summary>The argument after each STORE / STOREDIST option (options scanned from <c>At</c>).</summary>
        Store,
        /// <summary>MIGRATE: when the key argument is empty, the arguments after KEYS.</summary>
        Migrate,
    }

    /// <summary>
    /// Keys are arguments <c>First..Last</c> stepping by <c>Step</c> (no range when <c>First</c> is -1;
    /// a negative <c>Last</c> counts from the end, -1 being the last argument), plus whatever <c>Extra</c> adds.
    /// </summary>
    private readonly record struct KeySpec(int First, int Last, int Step = 1, Extra Extra = Extra.None, int At = 0);

    private static readonly KeySpec NoKeys = new(-1, -1);
    private static readonly KeySpec FirstArg = new(0, 0);
    private static readonly KeySpec AllArgs = new(0, -1);
    private static readonly KeySpec TwoKeys = new(0, 1);
    private static readonly KeySpec SecondArg = new(1, 1);
    private static readonly KeySpec AllButLast = new(0, -2);

    private static readonly FrozenDictionary<string, KeySpec> Specs = BuildSpecs();
    private static readonly FrozenDictionary<string, KeySpec>.AlternateLookup<ReadOnlySpan<char>> SpecsBySpan =
        Specs.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> KnownCommandsBySpan =
        Specs.Keys.ToFrozenSet(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();

    private static FrozenDictionary<string, KeySpec> BuildSpecs()
    {
        var specs = new Dictionary<string, KeySpec>(StringComparer.OrdinalIgnoreCase);

        void Add(KeySpec spec, params string[] commands)
        {
            foreach (string command in commands)
                specs.Add(command, spec);
        }

        Add(NoKeys,
            "PING", "ECHO", "INFO", "SELECT", "MULTI", "EXEC", "DISCARD", "UNWATCH", "AUTH", "HELLO", "CLIENT",
            "CONFIG", "DBSIZE", "FLUSHDB", "FLUSHALL", "TIME", "SCAN", "KEYS", "PUBLISH", "SPUBLISH", "PUBSUB",
            "SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "SSUBSCRIBE", "SUNSUBSCRIBE", "SCRIPT",
            "FUNCTION", "CLUSTER", "COMMAND", "SLOWLOG", "LATENCY", "WAIT", "WAITAOF", "READONLY", "READWRITE",
            "QUIT", "RESET", "RANDOMKEY", "LASTSAVE", "SAVE", "BGSAVE", "BGREWRITEAOF", "SHUTDOWN", "ROLE",
            "MONITOR", "SYNC", "PSYNC", "REPLCONF", "REPLICAOF", "SLAVEOF", "DEBUG", "ACL", "MODULE", "SWAPDB",
            "FAILOVER", "LOLWUT");

        Add(FirstArg,
            // strings and bits
            "GET", "SET", "SETNX", "SETEX", "PSETEX", "GETSET", "GETDEL", "GETEX", "APPEND", "STRLEN", "INCR",
            "DECR", "INCRBY", "DECRBY", "INCRBYFLOAT", "GETRANGE", "SETRANGE", "SUBSTR", "GETBIT", "SETBIT",
            "BITCOUNT", "BITPOS", "BITFIELD", "BITFIELD_RO",
            // generic
            "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "EXPIRETIME", "PEXPIRETIME", "TTL", "PTTL", "PERSIST",
            "TYPE", "DUMP", "RESTORE", "MOVE",
            // hashes
            "HSET", "HSETNX", "HGET", "HMSET", "HMGET", "HDEL", "HLEN", "HSTRLEN", "HEXISTS", "HKEYS", "HVALS",
            "HGETALL", "HINCRBY", "HINCRBYFLOAT", "HSCAN", "HRANDFIELD", "HEXPIRE", "HPEXPIRE", "HEXPIREAT",
            "HPEXPIREAT", "HTTL", "HPTTL", "HEXPIRETIME", "HPEXPIRETIME", "HPERSIST", "HGETDEL", "HGETEX", "HSETEX",
            // lists
            "LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LRANGE", "LINDEX", "LSET", "LREM",
            "LTRIM", "LINSERT", "LPOS",
            // sets
            "SADD", "SREM", "SCARD", "SISMEMBER", "SMISMEMBER", "SMEMBERS", "SPOP", "SRANDMEMBER", "SSCAN",
            // sorted sets
            "ZADD", "ZREM", "ZCARD", "ZSCORE", "ZMSCORE", "ZINCRBY", "ZRANK", "ZREVRANK", "ZRANGE", "ZREVRANGE",
            "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZCOUNT", "ZLEXCOUNT",
            "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX", "ZPOPMIN", "ZPOPMAX", "ZRANDMEMBER", "ZSCAN",
            // hyperloglog, geo, streams
            "PFADD", "GEOADD", "GEOPOS", "GEODIST", "GEOHASH", "GEOSEARCH", "GEORADIUS_RO", "GEORADIUSBYMEMBER_RO",
            "XADD", "XLEN", "XRANGE", "XREVRANGE", "XDEL", "XTRIM", "XACK", "XPENDING", "XCLAIM", "XAUTOCLAIM",
            "XSETID");

        Add(AllArgs,
            "MGET", "DEL", "UNLINK", "EXISTS", "TOUCH", "WATCH", "SINTER", "SUNION", "SDIFF", "PFCOUNT", "PFMERGE",
            "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE");
        Add(new KeySpec(0, -1, Step: 2), "MSET", "MSETNX");
        Add(AllButLast, "BLPOP", "BRPOP", "BZPOPMIN", "BZPOPMAX"); // last argument is the timeout
        Add(TwoKeys,
            "RENAME", "RENAMENX", "RPOPLPUSH", "BRPOPLPUSH", "LMOVE", "BLMOVE", "SMOVE", "COPY", "LCS",
            "ZRANGESTORE", "GEOSEARCHSTORE");
        Add(new KeySpec(1, -1), "BITOP"); // BITOP op dest src...
        Add(SecondArg, "OBJECT", "MEMORY", "XGROUP", "XINFO"); // <subcommand> key; HELP and friends have no arg 1

        Add(new KeySpec(-1, -1, Extra: Extra.NumKeys, At: 1),
            "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO",
            "BLMPOP", "BZMPOP"); // script|function|timeout, numkeys, keys...
        Add(new KeySpec(-1, -1, Extra: Extra.NumKeys, At: 0),
            "ZUNION", "ZINTER", "ZDIFF", "SINTERCARD", "ZINTERCARD", "LMPOP", "ZMPOP");
        Add(new KeySpec(0, 0, Extra: Extra.NumKeys, At: 1), "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE");

        Add(new KeySpec(-1, -1, Extra: Extra.Streams, At: 0), "XREAD");
        Add(new KeySpec(-1, -1, Extra: Extra.Streams, At: 3), "XREADGROUP"); // skip GROUP <group> <consumer>

        // Options start after the positional arguments, so a member or pattern named "store" is not mistaken.
        Add(new KeySpec(0, 0, Extra: Extra.Store, At: 1), "SORT", "SORT_RO");
        Add(new KeySpec(0, 0, Extra: Extra.Store, At: 5), "GEORADIUS");
        Add(new KeySpec(0, 0, Extra: Extra.Store, At: 4), "GEORADIUSBYMEMBER");

        Add(new KeySpec(-1, -1, Extra: Extra.Migrate), "MIGRATE");

        return specs.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Keys of a command given its decoded arguments (command excluded).</summary>
    public static IReadOnlyList<string> Keys(string cmdUpper, IReadOnlyList<string> args)
    {
        if (args.Count == 0)
            return [];
        var source = new StringArgs(args);
        Extract(SpecFor(cmdUpper), ref source);
        return source.Keys ?? (IReadOnlyList<string>)[];
    }

    /// <summary>
    /// Keys of a parsed line, decoding (via <see cref="SdsRepr.ToDisplay"/>) only the key arguments.
    /// </summary>
    public static IReadOnlyList<string> Keys(in MonitorLineView view)
    {
        Span<Range> found = stackalloc Range[MaxKeysOnStack];
        int count = KeyRanges(view, found);
        if (count == 0)
            return [];
        if (count > found.Length)
        {
            found = new Range[count];
            KeyRanges(view, found);
        }
        return Decode(view.ArgsText, found[..count]);
    }

    /// <summary>The key arguments at <paramref name="ranges"/>, decoded with <see cref="SdsRepr.ToDisplay"/>.</summary>
    internal static string[] Decode(ReadOnlySpan<byte> argsText, ReadOnlySpan<Range> ranges)
    {
        var keys = new string[ranges.Length];
        for (int i = 0; i < ranges.Length; i++)
            keys[i] = SdsRepr.ToDisplay(argsText[ranges[i]]);
        return keys;
    }

    private const int MaxKeysOnStack = 32;

    /// <summary>
    /// Writes where each key argument of a parsed line sits (ranges into <see cref="MonitorLineView.ArgsText"/>,
    /// escaped, without quotes) and returns how many keys the line has: when that is more than
    /// <paramref name="keys"/> holds, only the first ones are written. Allocates nothing for up to 32 arguments.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int KeyRanges(in MonitorLineView view, Span<Range> keys)
    {
        int argCount = view.ArgCount - 1; // the command is not an argument
        if (argCount <= 0)
            return 0;

        const int StackArgs = 32;
        Span<Range> ranges = argCount <= StackArgs ? stackalloc Range[StackArgs] : new Range[argCount];
        ranges = ranges[..argCount];
        var args = view.EnumerateArgs();
        args.MoveNext(); // the command
        for (int i = 0; args.MoveNext(); i++)
            ranges[i] = new Range(args.CurrentOffset, args.CurrentOffset + args.Current.Length);

        return KeyRanges(view, ranges, keys);
    }

    /// <summary>
    /// <see cref="KeyRanges(in MonitorLineView, Span{Range})"/> for a caller that has already located the arguments:
    /// <paramref name="args"/> are the ranges of the arguments after the command (into <see cref="MonitorLineView.ArgsText"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int KeyRanges(in MonitorLineView view, ReadOnlySpan<Range> args, Span<Range> keys)
    {
        if (args.IsEmpty) return 0;
        var source = new SpanArgs(view.ArgsText, args, keys);
        Extract(SpecFor(view.Command), ref source);
        return source.Found;
    }

    /// <summary>Where each argument of a parsed line sits, the command first (ranges into <see cref="MonitorLineView.ArgsText"/>).</summary>
    internal static void LocateArgs(in MonitorLineView view, Span<Range> argv)
    {
        var args = view.EnumerateArgs();
        for (int i = 0; args.MoveNext(); i++)
            argv[i] = new Range(args.CurrentOffset, args.CurrentOffset + args.Current.Length);
    }

    /// <summary>Whether the built-in table has <paramref name="command"/> (any case).</summary>
    internal static bool IsKnownCommand(string command) => Specs.ContainsKey(command);

    /// <summary>The table's upper-case spelling of <paramref name="escaped"/> when it is a known command.</summary>
    internal static bool TryGetKnownCommand(ReadOnlySpan<byte> escaped, [NotNullWhen(true)] out string? name)
    {
        name = null;
        Span<char> chars = stackalloc char[MaxCommandName];
        return TryWidenCommand(escaped, chars, out int written)
            && KnownCommandsBySpan.TryGetValue(chars[..written], out name);
    }

    private static KeySpec SpecFor(string command) =>
        Specs.TryGetValue(command, out KeySpec spec) ? spec : FirstArg;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static KeySpec SpecFor(ReadOnlySpan<byte> command)
    {
        Span<char> chars = stackalloc char[MaxCommandName];
        if (TryWidenCommand(command, chars, out int written))
            return SpecsBySpan.TryGetValue(chars[..written], out KeySpec spec) ? spec : FirstArg;
        // An escaped command name is odd but legal; decode it rather than guess.
        return command.IndexOf((byte)'\\') >= 0 ? SpecFor(SdsRepr.ToDisplay(command)) : FirstArg;
    }

    // Command names are short ASCII; anything longer or escaped cannot be in the table.
    private const int MaxCommandName = 64;

    private static bool TryWidenCommand(ReadOnlySpan<byte> command, Span<char> chars, out int written)
    {
        written = 0;
        return command.Length <= MaxCommandName
            && command.IndexOf((byte)'\\') < 0
            && Ascii.ToUtf16(command, chars, out written) == OperationStatus.Done;
    }

    /// <summary>Argument access the interpreter needs, plus where found keys go.</summary>
    private interface IKeyArgs
    {
        int Count { get; }
        bool IsKeyword(int index, string upperKeyword);
        bool TryGetCount(int index, out int value);
        bool IsEmpty(int index);
        void AddKey(int index);
    }

    /// <summary>The one interpreter for every <see cref="KeySpec"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Extract<TArgs>(KeySpec spec, ref TArgs args) where TArgs : IKeyArgs, allows ref struct
    {
        int count = args.Count;

        if (spec.First >= 0)
        {
            int last = spec.Last < 0 ? count + spec.Last : Math.Min(spec.Last, count - 1);
            for (int i = spec.First; i <= last; i += spec.Step)
                args.AddKey(i);
        }

        switch (spec.Extra)
        {
            case Extra.NumKeys:
                if (spec.At < count && args.TryGetCount(spec.At, out int numKeys))
                {
                    int end = (int)Math.Min(count, (long)spec.At + 1 + numKeys);
                    for (int i = spec.At + 1; i < end; i++)
                        args.AddKey(i);
                }
                break;

            case Extra.Streams:
                for (int i = spec.At; i < count; i++)
                {
                    if (!args.IsKeyword(i, "STREAMS"))
                        continue;
                    int keys = (count - i - 1) / 2; // keys then one id per key
                    for (int k = i + 1; k <= i + keys; k++)
                        args.AddKey(k);
                    break;
                }
                break;

            case Extra.Store:
                for (int i = spec.At; i < count - 1; i++)
                {
                    if (args.IsKeyword(i, "STORE") || args.IsKeyword(i, "STOREDIST"))
                        args.AddKey(++i);
                    else if (args.IsKeyword(i, "BY") || args.IsKeyword(i, "GET") || args.IsKeyword(i, "COUNT"))
                        i++; // option value, could be spelt "store"
                    else if (args.IsKeyword(i, "LIMIT"))
                        i += 2;
                }
                break;

            case Extra.Migrate:
                // MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS key...]
                const int KeyArg = 2, FirstOption = 5;
                if (KeyArg >= count)
                    break;
                if (!args.IsEmpty(KeyArg))
                {
                    args.AddKey(KeyArg);
                    break;
                }
                for (int i = FirstOption; i < count; i++)
                {
                    if (args.IsKeyword(i, "AUTH"))
                        i++;
                    else if (args.IsKeyword(i, "AUTH2"))
                        i += 2;
                    else if (args.IsKeyword(i, "KEYS"))
                    {
                        for (int k = i + 1; k < count; k++)
                            args.AddKey(k);
                        break;
                    }
                }
                break;
        }
    }

    private struct StringArgs(IReadOnlyList<string> args) : IKeyArgs
    {
        public List<string>? Keys;

        public readonly int Count => args.Count;

        public readonly bool IsKeyword(int index, string upperKeyword) =>
            string.Equals(args[index], upperKeyword, StringComparison.OrdinalIgnoreCase);

        public readonly bool TryGetCount(int index, out int value) =>
            int.TryParse(args[index], NumberStyles.None, CultureInfo.InvariantCulture, out value);

        public readonly bool IsEmpty(int index) => args[index].Length == 0;

        public void AddKey(int index) => (Keys ??= new List<string>(4)).Add(args[index]);
    }

    private ref struct SpanArgs(ReadOnlySpan<byte> argsText, ReadOnlySpan<Range> ranges, Span<Range> keys) : IKeyArgs
    {
        private readonly ReadOnlySpan<byte> _argsText = argsText;
        private readonly ReadOnlySpan<Range> _ranges = ranges;
        private readonly Span<Range> _keys = keys;
        public int Found;

        public readonly int Count => _ranges.Length;

        public readonly bool IsKeyword(int index, string upperKeyword) =>
            Ascii.EqualsIgnoreCase(_argsText[_ranges[index]], upperKeyword);

        public readonly bool TryGetCount(int index, out int value) =>
            int.TryParse(_argsText[_ranges[index]], NumberStyles.None, CultureInfo.InvariantCulture, out value);

        public readonly bool IsEmpty(int index) => _argsText[_ranges[index]].IsEmpty;

        public void AddKey(int index)
        {
            if (Found < _keys.Length)
                _keys[Found] = _ranges[index];
            Found++;
        }
    }
}
