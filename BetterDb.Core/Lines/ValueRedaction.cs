using System.Buffers;
using System.Text;

namespace BetterDb.Core.Lines;

/// <summary>
/// Scrubs the values out of write commands before a line is stored: each value argument becomes
/// <c>"(redacted)"</c>, while the command, its keys, fields, options and scores stay as they were, so key
/// extraction, filters and analysis still work on the redacted line. Which positions are values is known
/// per command (strings, hashes, lists, sets, sorted sets, streams, pub/sub, scripts and functions); verbs
/// are matched whatever their case, as Redis does.
/// </summary>
public static class ValueRedaction
{
    public static ReadOnlySpan<byte> Marker => "(redacted)"u8;

    private delegate bool IsValue(int index, ReadOnlySpan<byte> args, ArgIndex at);

    private static readonly Dictionary<string, IsValue> Commands = new(StringComparer.OrdinalIgnoreCase)
    {
        // Strings: index 0 is the key.
        ["SET"] = (i, _, _) => i == 1,
        ["SETNX"] = (i, _, _) => i == 1,
        ["GETSET"] = (i, _, _) => i == 1,
        ["APPEND"] = (i, _, _) => i == 1,
        ["SETEX"] = (i, _, _) => i == 2,
        ["PSETEX"] = (i, _, _) => i == 2,
        ["SETRANGE"] = (i, _, _) => i == 2,
        ["MSET"] = (i, _, _) => i % 2 == 1,
        ["MSETNX"] = (i, _, _) => i % 2 == 1,
        // Hashes: key, then field value pairs.
        ["HSET"] = (i, _, _) => i >= 2 && i % 2 == 0,
        ["HMSET"] = (i, _, _) => i >= 2 && i % 2 == 0,
        ["HSETNX"] = (i, _, _) => i == 2,
        // Lists and sets: every element after the key.
        ["LPUSH"] = (i, _, _) => i >= 1,
        ["RPUSH"] = (i, _, _) => i >= 1,
        ["LPUSHX"] = (i, _, _) => i >= 1,
        ["RPUSHX"] = (i, _, _) => i >= 1,
        ["LINSERT"] = (i, _, _) => i is 2 or 3, // key BEFORE|AFTER pivot element
        ["LSET"] = (i, _, _) => i == 2,
        ["SADD"] = (i, _, _) => i >= 1,
        ["SMOVE"] = (i, _, _) => i == 2,
        // Sorted sets: members, not scores.
        ["ZADD"] = (i, args, at) => at.ZaddMember(i, args),
        ["ZINCRBY"] = (i, _, _) => i == 2,
        // Streams: the values of the field value pairs after the id.
        ["XADD"] = (i, args, at) => at.XaddValue(i, args),
        // Pub/sub messages.
        ["PUBLISH"] = (i, _, _) => i == 1,
        ["SPUBLISH"] = (i, _, _) => i == 1,
        // Scripts and functions: the arguments after the keys.
        ["EVAL"] = (i, args, at) => at.ScriptArgument(i, args),
        ["EVALSHA"] = (i, args, at) => at.ScriptArgument(i, args),
        ["EVAL_RO"] = (i, args, at) => at.ScriptArgument(i, args),
        ["EVALSHA_RO"] = (i, args, at) => at.ScriptArgument(i, args),
        ["FCALL"] = (i, args, at) => at.ScriptArgument(i, args),
        ["FCALL_RO"] = (i, args, at) => at.ScriptArgument(i, args),
    };

    /// <summary>Whether lines of <paramref name="command"/> (escaped verb, any case) have values to redact.</summary>
    public static bool Applies(ReadOnlySpan<byte> command) =>
        command.Length <= 16 && Commands.ContainsKey(Encoding.ASCII.GetString(command));

    /// <summary>
    /// Writes <paramref name="line"/> (parsed as <paramref name="view"/>) with its values replaced into
    /// <paramref name="output"/>; false (nothing written) when the command has no values to redact.
    /// </summary>
    public static bool TryRedact(ReadOnlySpan<byte> line, in MonitorLineView view, ArrayBufferWriter<byte> output)
    {
        if (view.Command.Length > 16 || !Commands.TryGetValue(Encoding.ASCII.GetString(view.Command), out var isValue)) return false;
        var args = view.ArgsText;
        var index = new ArgIndex(args);
        // A text file's line may end in a CR the parser looked past: it stays at the end.
        var carriageReturn = line.Length > 0 && line[^1] == (byte)'\r' ? 1 : 0;
        var argsStart = line.Length - carriageReturn - args.Length;
        output.Write(line[..argsStart]);
        // The command first, then the arguments after it (numbered from 0, the key of most commands).
        var e = view.EnumerateArgs();
        var first = true;
        var i = -1;
        while (e.MoveNext())
        {
            if (!first) output.Write(" "u8);
            output.Write("\""u8);
            output.Write(i >= 0 && isValue(i, args, index) ? Marker : e.Current);
            output.Write("\""u8);
            first = false;
            i++;
        }
        if (carriageReturn == 1) output.Write("\r"u8);
        return true;
    }

    /// <summary>The arguments after the command, found once and reused by the commands whose value positions depend on them.</summary>
    private sealed class ArgIndex
    {
        private readonly List<(int Start, int Length)> _args = [];

        public ArgIndex(ReadOnlySpan<byte> argsText)
        {
            var e = new ArgEnumerator(argsText);
            var first = true;
            while (e.MoveNext())
            {
                if (!first) _args.Add((e.CurrentOffset, e.Current.Length));
                first = false;
            }
        }

        private bool Is(int i, ReadOnlySpan<byte> args, string word) =>
            i < _args.Count && Encoding.ASCII.GetString(args.Slice(_args[i].Start, _args[i].Length)).Equals(word, StringComparison.OrdinalIgnoreCase);

        private long Number(int i, ReadOnlySpan<byte> args) =>
            i < _args.Count && long.TryParse(args.Slice(_args[i].Start, _args[i].Length), out var n) ? n : -1;

        /// <summary>ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]: the members.</summary>
        public bool ZaddMember(int i, ReadOnlySpan<byte> args)
        {
            var j = 1;
            while (j < _args.Count && (Is(j, args, "NX") || Is(j, args, "XX") || Is(j, args, "GT") || Is(j, args, "LT") || Is(j, args, "CH") || Is(j, args, "INCR")))
                j++;
            return i > j && (i - j) % 2 == 1;
        }

        /// <summary>XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] id field value [field value ...]: the values.</summary>
        public bool XaddValue(int i, ReadOnlySpan<byte> args)
        {
            var j = 1;
            if (Is(j, args, "NOMKSTREAM")) j++;
            if (Is(j, args, "MAXLEN") || Is(j, args, "MINID"))
            {
                j++;
                if (Is(j, args, "=") || Is(j, args, "~")) j++;
                j++;
                if (Is(j, args, "LIMIT")) j += 2;
            }
            var id = j;
            return i > id && (i - id) % 2 == 0;
        }

        /// <summary>EVAL script numkeys key [key ...] arg [arg ...] (and FCALL): the arguments after the keys.</summary>
        public bool ScriptArgument(int i, ReadOnlySpan<byte> args)
        {
            var numkeys = Number(1, args);
            return numkeys >= 0 && i >= 2 + numkeys;
        }
    }
}
