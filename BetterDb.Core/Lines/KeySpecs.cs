using System.Buffers;
using System.Collections.Frozen;
using System.Text;
using BetterDb.Core.Connections;

namespace BetterDb.Core.Lines;

/// <summary>
/// Which arguments of a command are keys, as one server describes it: the key specifications of
/// <c>COMMAND INFO</c> (Redis 7+, Valkey), interpreted the way the server's own <c>getKeysUsingKeySpecs</c>
/// does, with <see cref="KeyExtractor"/>'s built-in table wherever the specs cannot answer:
/// <list type="bullet">
/// <item>a command this server does not list (an import from another server, a module unloaded since);</item>
/// <item>a command with a spec the server itself cannot follow (type <c>unknown</c>, flags <c>incomplete</c> or
///   <c>variable_flags</c>: SORT's STORE, MIGRATE's KEYS), where Redis runs the command's own key finder;
///   the built-in table encodes those finders;</item>
/// <item>a line whose specs do not fit its arguments (a bad <c>numkeys</c>), where Redis does the same.</item>
/// </list>
/// Specs flagged <c>not_key</c> (the shard channel of SPUBLISH) are not keys. Subcommands
/// (<c>OBJECT ENCODING key</c>) use the specs listed under their container command.
/// <see cref="BuiltIn"/> is the table for servers without key specs (Redis &lt; 7) and imports without a connection.
/// </summary>
public sealed class KeySpecTable
{
    private const int MaxCommandName = 64;
    private const int ArgsOnStack = 32;

    private readonly FrozenDictionary<string, CommandSpecs>? _commands;
    private readonly FrozenDictionary<string, CommandSpecs>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    /// <summary>The built-in table alone (<see cref="KeyExtractor"/>).</summary>
    public static KeySpecTable BuiltIn { get; } = new(null);

    private KeySpecTable(FrozenDictionary<string, CommandSpecs>? commands)
    {
        _commands = commands;
        if (commands is not null) _bySpan = commands.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool IsBuiltIn => _commands is null;

    /// <summary><c>server</c> when the table came from a server's key specs, <c>built-in</c> otherwise.</summary>
    public string Source => IsBuiltIn ? "built-in" : "server";

    /// <summary>Top-level commands the server listed (0 for the built-in table).</summary>
    public int CommandCount => _commands?.Count ?? 0;

    /// <summary>Whether the server listed this command (case-insensitive; <c>object|encoding</c> for a subcommand).</summary>
    public bool Lists(string command)
    {
        if (_commands is null) return false;
        var bar = command.IndexOf('|');
        if (bar < 0) return _commands.ContainsKey(command);
        return _commands.TryGetValue(command[..bar], out var container)
               && container.Subcommands is { } subs && subs.ContainsKey(command[(bar + 1)..]);
    }

    /// <summary>
    /// Parses a <c>COMMAND INFO</c> (or <c>COMMAND</c>) reply. Returns null when it carries no key specs
    /// (Redis &lt; 7 answers with 6-7 fields per command): the caller then uses <see cref="BuiltIn"/>.
    /// </summary>
    public static KeySpecTable? FromCommandInfo(RespReply reply)
    {
        if (reply.IsError || reply.Items is not { Length: > 0 } items) return null;
        var commands = new Dictionary<string, CommandSpecs>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in items)
        {
            // A name the server does not know comes back as a null entry.
            if (ParseCommand(item, container: null) is { } command) commands[command.Name] = command;
        }
        return commands.Count == 0 ? null : new KeySpecTable(commands.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Writes where each key argument of a parsed line sits (ranges into <see cref="MonitorLineView.ArgsText"/>,
    /// escaped, without quotes) and returns how many keys the line has; when that is more than
    /// <paramref name="keys"/> holds, only the first ones are written (call again with a larger span).
    /// Allocates nothing for lines of up to 32 arguments.
    /// </summary>
    public int KeyRanges(in MonitorLineView view, Span<Range> keys)
    {
        if (_commands is null || Find(view.Command) is not { } command)
            return KeyExtractor.KeyRanges(view, keys);

        int argc = view.ArgCount;
        Span<Range> argv = argc <= ArgsOnStack ? stackalloc Range[ArgsOnStack] : new Range[argc];
        argv = argv[..argc];
        KeyExtractor.LocateArgs(view, argv);
        return KeyRanges(view, command, argv, keys);
    }

    /// <summary>
    /// <see cref="KeyRanges(in MonitorLineView, Span{Range})"/> for a caller that has already located every argument:
    /// <paramref name="argv"/> holds one range per argument, the command first (see <c>KeyExtractor.LocateArgs</c>).
    /// </summary>
    internal int KeyRanges(in MonitorLineView view, ReadOnlySpan<Range> argv, Span<Range> keys)
    {
        if (_commands is null || Find(view.Command) is not { } command)
            return KeyExtractor.KeyRanges(view, argv[1..], keys);
        return KeyRanges(view, command, argv, keys);
    }

    private int KeyRanges(in MonitorLineView view, CommandSpecs command, ReadOnlySpan<Range> argv, Span<Range> keys)
    {
        int argc = argv.Length;
        var text = view.ArgsText;

        if (command.Subcommands is { } subcommands && argc > 1)
        {
            // An unknown subcommand is an error on the server: it touched no key.
            if (FindSubcommand(subcommands, text[argv[1]]) is not { } sub) return 0;
            command = sub;
        }
        if (command.UseBuiltIn) return KeyExtractor.KeyRanges(view, argv[1..], keys);

        int found = Interpret(command.Specs, text, argv, keys, out bool invalid);
        if (invalid && command.BuiltInKnows) return KeyExtractor.KeyRanges(view, argv[1..], keys);
        return found;
    }

    /// <summary>The keys of a parsed line, decoded with <see cref="SdsRepr.ToDisplay"/>.</summary>
    public IReadOnlyList<string> Keys(in MonitorLineView view)
    {
        Span<Range> found = stackalloc Range[16];
        int count = KeyRanges(view, found);
        if (count == 0) return [];
        if (count > found.Length)
        {
            found = new Range[count];
            KeyRanges(view, found);
        }
        return KeyExtractor.Decode(view.ArgsText, found[..count]);
    }

    /// <summary><see cref="MonitorLine.FromRaw"/> with this table's keys.</summary>
    public MonitorLine ToLine(ReadOnlySpan<byte> raw, string? nodeId = null, int maxArgumentBytes = MonitorLine.DefaultMaxArgumentBytesShown) =>
        MonitorLine.FromRaw(raw, nodeId, this, maxArgumentBytes);

    private CommandSpecs? Find(ReadOnlySpan<byte> escapedCommand)
    {
        Span<char> chars = stackalloc char[MaxCommandName];
        if (TryWiden(escapedCommand, chars, out int written))
            return _bySpan.TryGetValue(chars[..written], out var spec) ? spec : null;
        // An escaped command name is odd but legal; decode it rather than guess.
        return escapedCommand.IndexOf((byte)'\\') >= 0 && _commands!.TryGetValue(SdsRepr.ToDisplay(escapedCommand), out var decoded)
            ? decoded
            : null;
    }

    private static CommandSpecs? FindSubcommand(FrozenDictionary<string, CommandSpecs> subcommands, ReadOnlySpan<byte> escapedName)
    {
        Span<char> chars = stackalloc char[MaxCommandName];
        if (TryWiden(escapedName, chars, out int written))
            return subcommands.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..written], out var spec) ? spec : null;
        return subcommands.TryGetValue(SdsRepr.ToDisplay(escapedName), out var decoded) ? decoded : null;
    }

    private static bool TryWiden(ReadOnlySpan<byte> name, Span<char> chars, out int written)
    {
        written = 0;
        return name.Length <= chars.Length
               && name.IndexOf((byte)'\\') < 0
               && Ascii.ToUtf16(name, chars, out written) == OperationStatus.Done;
    }

    /// <summary>
    /// The server's key-spec walk (getKeysUsingKeySpecs in Redis's db.c), over argv with the command at 0.
    /// <paramref name="invalid"/> is set when a spec does not fit the arguments; the keys found by the specs
    /// before it are still counted (what Redis calls a partial answer).
    /// </summary>
    private static int Interpret(Spec[] specs, ReadOnlySpan<byte> text, ReadOnlySpan<Range> argv, Span<Range> keys, out bool invalid)
    {
        invalid = false;
        int argc = argv.Length;
        int found = 0;
        foreach (var spec in specs)
        {
            int first = 0;
            switch (spec.Begin)
            {
                case BeginSearch.Index:
                    first = spec.Index;
                    break;
                case BeginSearch.Keyword:
                {
                    // From startfrom towards the end (or, when negative, from the end backwards); the last
                    // argument (the first, going backwards) is never the keyword: no key could follow it.
                    int start = spec.StartFrom > 0 ? spec.StartFrom : argc + spec.StartFrom;
                    int end = spec.StartFrom > 0 ? argc - 1 : 1;
                    for (int i = start; i != end; i = start <= end ? i + 1 : i - 1)
                    {
                        if (i >= argc || i < 1) break;
                        if (Ascii.EqualsIgnoreCase(text[argv[i]], spec.Keyword!))
                        {
                            first = i + 1;
                            break;
                        }
                    }
                    if (first == 0) continue; // no keyword, no keys from this spec
                    break;
                }
                default:
                    invalid = true;
                    continue;
            }

            long last;
            int step;
            switch (spec.Find)
            {
                case FindKeys.Range:
                    step = spec.KeyStep;
                    if (spec.LastKey >= 0) last = (long)first + spec.LastKey;
                    else if (spec.Limit <= 0) last = (long)argc + spec.LastKey;
                    else last = first + ((argc - first) / spec.Limit + spec.LastKey);
                    break;
                case FindKeys.KeyNum:
                {
                    step = spec.KeyStep;
                    long at = (long)first + spec.KeyNumIdx;
                    if (at >= argc || !TryParseCount(text[argv[(int)at]], out long numKeys))
                    {
                        invalid = true;
                        continue;
                    }
                    first += spec.FirstKey;
                    if (numKeys == 0) continue; // EVAL script 0: no keys, nothing wrong
                    last = first + numKeys - 1;
                    break;
                }
                default:
                    invalid = true;
                    continue;
            }

            if (step < 1 || first < 1 || first >= argc || last >= argc || last < first)
            {
                invalid = true;
                continue;
            }
            for (int i = first; i <= last; i += step)
            {
                if (found < keys.Length) keys[found] = argv[i];
                found++;
            }
            if (spec.Incomplete) invalid = true;
        }
        return found;
    }

    /// <summary>Redis's string2ll rules for a key count: digits only, no sign, no leading zero; negative counts are invalid.</summary>
    private static bool TryParseCount(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 18) return false;
        if (s.Length > 1 && s[0] == (byte)'0') return false;
        foreach (var b in s)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9) return false;
            value = value * 10 + digit;
        }
        return true;
    }

    // ---- parsing the COMMAND INFO reply ----

    private static CommandSpecs? ParseCommand(RespReply? item, string? container)
    {
        // name, arity, flags, first, last, step, acl categories, tips, key specs, subcommands
        if (item?.Items is not { Length: >= 9 } fields || fields[0].Text is not { Length: > 0 } fullName) return null;
        var name = container is null ? fullName : fullName[(fullName.IndexOf('|') + 1)..];
        var builtInKnows = KeyExtractor.IsKnownCommand(container ?? fullName);

        var specs = new List<Spec>();
        var unfollowable = false;
        foreach (var specReply in fields[8].Items ?? [])
        {
            var spec = ParseSpec(specReply);
            if (spec is null) continue; // not a key (shard channel) or not a map
            if (spec.Begin == BeginSearch.Unknown || spec.Find == FindKeys.Unknown || spec.Incomplete || spec.VariableFlags)
                unfollowable = true;
            specs.Add(spec);
        }

        FrozenDictionary<string, CommandSpecs>? subcommands = null;
        if (fields.Length > 9 && fields[9].Items is { Length: > 0 } subs)
        {
            var map = new Dictionary<string, CommandSpecs>(StringComparer.OrdinalIgnoreCase);
            foreach (var sub in subs)
                if (ParseCommand(sub, container: fullName) is { } parsed) map[parsed.Name] = parsed;
            subcommands = map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        }

        return new CommandSpecs(name, [.. specs], subcommands, UseBuiltIn: unfollowable && builtInKnows, builtInKnows);
    }

    private static Spec? ParseSpec(RespReply reply)
    {
        var map = Pairs(reply);
        if (map is null) return null;
        var flags = map.GetValueOrDefault("flags")?.Items?.Select(f => f.Text ?? "").ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        if (flags.Contains("not_key")) return null;

        var begin = BeginSearch.Unknown;
        int index = 0, startFrom = 0;
        string? keyword = null;
        if (Pairs(map.GetValueOrDefault("begin_search")) is { } bs && Pairs(bs.GetValueOrDefault("spec")) is { } bsSpec)
        {
            switch (bs.GetValueOrDefault("type")?.Text)
            {
                case "index" when Int(bsSpec, "index") is { } i:
                    begin = BeginSearch.Index;
                    index = i;
                    break;
                case "keyword" when bsSpec.GetValueOrDefault("keyword")?.Text is { Length: > 0 } k && Int(bsSpec, "startfrom") is { } from:
                    begin = BeginSearch.Keyword;
                    keyword = k;
                    startFrom = from;
                    break;
            }
        }

        var find = FindKeys.Unknown;
        int lastKey = 0, keyStep = 1, limit = 0, keyNumIdx = 0, firstKey = 0;
        if (Pairs(map.GetValueOrDefault("find_keys")) is { } fk && Pairs(fk.GetValueOrDefault("spec")) is { } fkSpec)
        {
            switch (fk.GetValueOrDefault("type")?.Text)
            {
                case "range" when Int(fkSpec, "lastkey") is { } lk && Int(fkSpec, "keystep") is { } ks:
                    find = FindKeys.Range;
                    (lastKey, keyStep, limit) = (lk, ks, Int(fkSpec, "limit") ?? 0);
                    break;
                case "keynum" when Int(fkSpec, "keynumidx") is { } kn && Int(fkSpec, "firstkey") is { } fkey && Int(fkSpec, "keystep") is { } ks:
                    find = FindKeys.KeyNum;
                    (keyNumIdx, firstKey, keyStep) = (kn, fkey, ks);
                    break;
            }
        }

        return new Spec(begin, index, keyword, startFrom, find, lastKey, keyStep, limit, keyNumIdx, firstKey,
            Incomplete: flags.Contains("incomplete"), VariableFlags: flags.Contains("variable_flags"));
    }

    /// <summary>A RESP2 flat map (name, value, name, value...) as a dictionary.</summary>
    private static Dictionary<string, RespReply>? Pairs(RespReply? reply)
    {
        if (reply?.Items is not { } items) return null;
        var map = new Dictionary<string, RespReply>(items.Length / 2, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i + 1 < items.Length; i += 2)
            if (items[i].Text is { } name) map[name] = items[i + 1];
        return map;
    }

    private static int? Int(Dictionary<string, RespReply> map, string name) =>
        map.GetValueOrDefault(name) is { } v
            ? v.Type == ':' ? (int)Math.Clamp(v.Integer, int.MinValue, int.MaxValue)
            : int.TryParse(v.Text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int parsed) ? parsed : null
            : null;

    private enum BeginSearch : byte { Unknown, Index, Keyword }

    private enum FindKeys : byte { Unknown, Range, KeyNum }

    private sealed record Spec(BeginSearch Begin, int Index, string? Keyword, int StartFrom, FindKeys Find,
        int LastKey, int KeyStep, int Limit, int KeyNumIdx, int FirstKey, bool Incomplete, bool VariableFlags);

    /// <param name="UseBuiltIn">the specs cannot be followed and the built-in table knows the command's own key finder</param>
    /// <param name="BuiltInKnows">the built-in table has this command (a fallback for lines the specs do not fit)</param>
    private sealed record CommandSpecs(string Name, Spec[] Specs, FrozenDictionary<string, CommandSpecs>? Subcommands,
        bool UseBuiltIn, bool BuiltInKnows);
}
