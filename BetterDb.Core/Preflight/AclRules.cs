using BetterDb.Core.Connections;

namespace BetterDb.Core.Preflight;

/// <summary>One selector of an ACL user (Redis 7+): its own command rules and key/channel patterns.</summary>
public sealed record AclSelector(string Commands, string? Keys, string? Channels)
{
    public override string ToString() =>
        string.Join(' ', new[] { Commands, Keys, Channels }.Where(s => !string.IsNullOrWhiteSpace(s)));
}

/// <summary>What <c>ACL GETUSER</c> says about a user, whatever the reply's shape.</summary>
/// <param name="Commands">the root command rules as the server describes them, e.g. <c>+@all -monitor</c>.</param>
public sealed record AclUser(string Name, IReadOnlyList<string> Flags, string Commands, string? Keys, string? Channels,
    IReadOnlyList<AclSelector> Selectors)
{
    /// <summary>false when the reply had no <c>channels</c> field at all: Redis 6.0, where Pub/Sub channels are not restricted.</summary>
    public bool ChannelsReported { get; init; } = true;

    public bool HasFlag(string flag) => Flags.Any(f => f.Equals(flag, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Reads <c>ACL GETUSER</c>. RESP2 gives a flat array <c>[key, value, key, value...]</c>; RESP3
/// gives a map. Both become key/value pairs first, so <see cref="FromPairs"/> takes either.
/// Values differ by version: <c>keys</c> is an array of patterns in Redis 6.0 and a string
/// later; <c>selectors</c> (7.0+) is an array of selectors, each itself key/value pairs.
/// </summary>
public static class AclGetUserParser
{
    /// <returns>null for a nil reply (no such user) or a reply that is not key/value pairs.</returns>
    public static AclUser? Parse(string userName, RespReply reply)
    {
        var pairs = Pairs(reply);
        return pairs is null ? null : FromPairs(userName, pairs);
    }

    public static AclUser FromPairs(string userName, IEnumerable<KeyValuePair<string, RespReply>> pairs)
    {
        var flags = new List<string>();
        string commands = "";
        string? keys = null, channels = null;
        var channelsReported = false;
        var selectors = new List<AclSelector>();
        foreach (var (key, value) in pairs)
        {
            switch (key.ToLowerInvariant())
            {
                case "flags":
                    flags.AddRange(Strings(value));
                    break;
                case "commands":
                    commands = Text(value);
                    break;
                case "keys":
                    keys = Text(value);
                    break;
                case "channels":
                    channels = Text(value);
                    channelsReported = true;
                    break;
                case "selectors" when value.Items is not null:
                    foreach (var item in value.Items)
                    {
                        var selectorPairs = Pairs(item);
                        if (selectorPairs is null) continue;
                        string sc = "";
                        string? sk = null, sch = null;
                        foreach (var (k, v) in selectorPairs)
                        {
                            if (k.Equals("commands", StringComparison.OrdinalIgnoreCase)) sc = Text(v);
                            else if (k.Equals("keys", StringComparison.OrdinalIgnoreCase)) sk = Text(v);
                            else if (k.Equals("channels", StringComparison.OrdinalIgnoreCase)) sch = Text(v);
                        }
                        selectors.Add(new AclSelector(sc, NullIfEmpty(sk), NullIfEmpty(sch)));
                    }
                    break;
            }
        }
        return new AclUser(userName, flags, commands.Trim(), NullIfEmpty(keys), NullIfEmpty(channels), selectors)
        {
            ChannelsReported = channelsReported,
        };
    }

    /// <summary>A flat <c>[k, v, k, v...]</c> array as pairs; null when it is not one.</summary>
    public static List<KeyValuePair<string, RespReply>>? Pairs(RespReply reply)
    {
        if (reply.IsError || reply.Items is null || reply.Items.Length % 2 != 0) return null;
        var pairs = new List<KeyValuePair<string, RespReply>>(reply.Items.Length / 2);
        for (var i = 0; i < reply.Items.Length; i += 2)
        {
            var key = reply.Items[i].Text;
            if (key is null) return null;
            pairs.Add(new(key, reply.Items[i + 1]));
        }
        return pairs;
    }

    private static IEnumerable<string> Strings(RespReply value) =>
        value.Items is not null
            ? value.Items.Select(i => i.Text ?? "").Where(t => t.Length > 0)
            : string.IsNullOrWhiteSpace(value.Text) ? [] : value.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static string Text(RespReply value) =>
        value.Items is not null ? string.Join(' ', value.Items.Select(i => i.Text).Where(t => !string.IsNullOrEmpty(t))) : value.Text ?? "";

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

/// <summary>What <c>ACL GETUSER default</c> told us, for the AOF hazard: the user, or why its rules could not be read.</summary>
/// <param name="User">null when unreadable, or when the server has no ACL.</param>
/// <param name="Unreadable">why the rules could not be read (NOPERM, nil, an unexpected reply); null when read or when there is no ACL.</param>
public sealed record DefaultUserReading(AclUser? User, string? Unreadable)
{
    /// <summary>A server without ACL (before Redis 6) has no default user to read.</summary>
    public static DefaultUserReading NoAcl { get; } = new(null, null);

    public static DefaultUserReading From(RespReply reply)
    {
        if (reply.IsError)
            return new(null, AclCheck.IsNoPerm(reply)
                ? $"ACL GETUSER default is not permitted for this user ({reply.Text})"
                : $"ACL GETUSER default failed ({reply.Text})");
        if (reply.IsNull) return new(null, "ACL GETUSER default answered nil");
        // Every ACL version lists flags and commands: a reply without them is not GETUSER's (a proxy's, say).
        var pairs = AclGetUserParser.Pairs(reply);
        if (pairs is null || !pairs.Any(p => p.Key.Equals("flags", StringComparison.OrdinalIgnoreCase))
                          || !pairs.Any(p => p.Key.Equals("commands", StringComparison.OrdinalIgnoreCase)))
            return new(null, $"ACL GETUSER default gave an unexpected reply ({(reply.Items is { } items ? $"an array of {items.Length}" : reply.ToString())})");
        return new(AclGetUserParser.FromPairs("default", pairs), null);
    }
}

/// <summary>
/// Whether a user holds the unrestricted grant: every command on every key and channel, i.e.
/// <c>+@all ~* &amp;*</c>, or the flags <c>allcommands allkeys allchannels</c> that Redis 6 reports for it,
/// from the root rules or from one selector (a selector's grant stands on its own).
/// </summary>
public static class AclGrant
{
    public const string Unrestricted = "+@all ~* &*";

    public static bool IsUnrestricted(AclUser user) => Missing(user).Count == 0;

    /// <summary>
    /// The parts of <see cref="Unrestricted"/> the root rules lack (<c>+@all</c>, <c>~*</c>, <c>&amp;*</c>);
    /// empty when the root or a selector holds all of it.
    /// </summary>
    public static IReadOnlyList<string> Missing(AclUser user)
    {
        var missing = new List<string>();
        if (!AllCommands(user.Commands, user.HasFlag("allcommands"))) missing.Add("+@all");
        if (!AllKeys(user.Keys, user.HasFlag("allkeys"))) missing.Add("~*");
        if (user.ChannelsReported && !AllChannels(user.Channels, user.HasFlag("allchannels"))) missing.Add("&*");
        if (missing.Count == 0) return missing;
        foreach (var s in user.Selectors)
            if (AllCommands(s.Commands, false) && AllKeys(s.Keys, false) && AllChannels(s.Channels, false)) return [];
        return missing;
    }

    /// <summary>Every command: after the last <c>+@all</c> (or <c>allcommands</c>) nothing is taken away again.</summary>
    public static bool AllCommands(string? rules, bool allFlag)
    {
        var all = allFlag;
        foreach (var token in Tokens(rules))
        {
            var t = token.ToLowerInvariant();
            if (t is "+@all" or "allcommands") all = true;
            else if (t is "reset" or "nocommands" || t.StartsWith('-')) all = false;
        }
        return all;
    }

    /// <summary>Every key, read and write: <c>~*</c>, <c>%RW~*</c>, <c>allkeys</c>, or <c>*</c> as Redis 6 lists patterns.</summary>
    public static bool AllKeys(string? keys, bool allFlag)
    {
        bool all = allFlag, read = false, write = false;
        foreach (var token in Tokens(keys))
        {
            var t = token.ToUpperInvariant();
            if (t is "~*" or "*" or "ALLKEYS" or "%RW~*" or "%WR~*") all = true;
            else if (t == "%R~*") read = true;
            else if (t == "%W~*") write = true;
            else if (t == "RESETKEYS") all = read = write = false;
        }
        return all || (read && write);
    }

    /// <summary>Every Pub/Sub channel: <c>&amp;*</c>, <c>allchannels</c>, or <c>*</c> as Redis 6.2 lists patterns.</summary>
    public static bool AllChannels(string? channels, bool allFlag)
    {
        var all = allFlag;
        foreach (var token in Tokens(channels))
        {
            var t = token.ToLowerInvariant();
            if (t is "&*" or "*" or "allchannels") all = true;
            else if (t == "resetchannels") all = false;
        }
        return all;
    }

    /// <summary>The exact command that adds what is missing (e.g. <c>ACL SETUSER default +@all &amp;*</c>); it leaves the user off.</summary>
    public static string SetUserSnippet(AclUser user) =>
        $"ACL SETUSER {user.Name} {string.Join(' ', Missing(user) is { Count: > 0 } m ? m : ["+@all", "~*", "&*"])}";

    private static string[] Tokens(string? rules) =>
        string.IsNullOrWhiteSpace(rules) ? [] : rules.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Whether an ACL user may run MONITOR, and the rule that decided it.</summary>
/// <param name="DecidedBy">the last rule that applied (e.g. <c>-monitor</c>), or null when none did (never granted).</param>
/// <param name="Via"><c>root</c> or <c>selector</c> when allowed.</param>
public sealed record MonitorPermission(bool Allowed, string? DecidedBy, string? Via);

/// <summary>
/// Evaluates ACL command rules for MONITOR the way the server does: rules apply in
/// order and a later one wins; MONITOR belongs to @admin, @slow and @dangerous; a
/// command is allowed when the root rules or any selector allow it.
/// </summary>
public static class AclMonitorEvaluator
{
    /// <summary>The categories MONITOR belongs to (COMMAND INFO MONITOR: @admin @slow @dangerous).</summary>
    public static readonly string[] MonitorCategories = ["admin", "slow", "dangerous"];

    public static MonitorPermission Evaluate(AclUser user)
    {
        // Redis 6.0 reports +@all as the "allcommands" flag (and "nocommands" for none).
        var initial = user.HasFlag("allcommands") ? (true, "allcommands") : user.HasFlag("nocommands") ? (false, "nocommands") : (false, (string?)null);
        var (rootAllowed, rootRule) = EvaluateRules(user.Commands, initial.Item1, initial.Item2);
        if (rootAllowed) return new MonitorPermission(true, rootRule, "root");
        foreach (var selector in user.Selectors)
        {
            var (allowed, rule) = EvaluateRules(selector.Commands, false, null);
            if (allowed) return new MonitorPermission(true, rule, "selector");
        }
        return new MonitorPermission(false, rootRule, null);
    }

    /// <summary>Applies <paramref name="rules"/> left to right starting from <paramref name="allowed"/>.</summary>
    public static (bool Allowed, string? DecidedBy) EvaluateRules(string? rules, bool allowed = false, string? decidedBy = null)
    {
        if (string.IsNullOrWhiteSpace(rules)) return (allowed, decidedBy);
        foreach (var token in rules.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var effect = Effect(token.ToLowerInvariant());
            if (effect is null) continue;
            allowed = effect.Value;
            decidedBy = token;
        }
        return (allowed, decidedBy);
    }

    /// <returns>true (grants MONITOR), false (revokes it) or null (does not touch it).</returns>
    private static bool? Effect(string rule)
    {
        switch (rule)
        {
            case "allcommands": return true;
            case "nocommands":
            case "reset": return false;
        }
        if (rule.Length < 2 || (rule[0] != '+' && rule[0] != '-')) return null;
        var grant = rule[0] == '+';
        var target = rule[1..];
        if (target == "monitor") return grant;
        if (target.StartsWith('@'))
        {
            var category = target[1..];
            if (category == "all" || MonitorCategories.Contains(category)) return grant;
        }
        return null;
    }

    /// <summary>The one line an operator runs to allow MONITOR for <paramref name="user"/>; later rules win, so appending is enough.</summary>
    public static string SetUserSnippet(string user) => $"ACL SETUSER {user} +monitor";
}

/// <summary>The <c>acl</c> part of the pre-flight report.</summary>
public sealed record AclReport
{
    /// <summary>The user this connection is authenticated as (from ACL WHOAMI); null when the server has no ACL.</summary>
    public string? User { get; init; }

    /// <summary>true/false when known; null when it could not be verified (ACL GETUSER denied).</summary>
    public bool? HasMonitor { get; init; }

    /// <summary>The user's root command rules as the server describes them, e.g. <c>+@all -monitor</c>.</summary>
    public string? Rules { get; init; }

    /// <summary>The exact command that grants MONITOR; set whenever MONITOR is not known to be allowed.</summary>
    public string? SetUserSnippet { get; init; }

    /// <summary>false when the rules could not be read and <see cref="HasMonitor"/> is a guess or unknown.</summary>
    public bool Verified { get; init; }

    /// <summary>false for servers without ACL (before Redis 6).</summary>
    public bool AclSupported { get; init; } = true;

    public IReadOnlyList<string> Flags { get; init; } = [];
    public IReadOnlyList<string> Selectors { get; init; } = [];
    public string? DecidedBy { get; init; }
    public string? Note { get; init; }
}

/// <summary>Turns the replies of <c>ACL WHOAMI</c> and <c>ACL GETUSER</c> into the report (pure: no I/O).</summary>
public static class AclCheck
{
    public static bool IsUnknownCommand(RespReply reply) =>
        reply.IsError && reply.Text!.StartsWith("ERR unknown command", StringComparison.OrdinalIgnoreCase);

    public static bool IsNoPerm(RespReply reply) =>
        reply.IsError && reply.Text!.StartsWith("NOPERM", StringComparison.OrdinalIgnoreCase);

    /// <summary>A server without ACL (pre-6): anyone who may connect may run MONITOR.</summary>
    public static AclReport NoAcl(string serverError) => new()
    {
        User = null,
        HasMonitor = true,
        Verified = true,
        AclSupported = false,
        Note = $"This server has no ACL ({serverError.Trim()}): every authenticated client may run MONITOR.",
    };

    /// <param name="user">from ACL WHOAMI, or the configured user (or <c>default</c>) when WHOAMI was denied.</param>
    /// <param name="getUser">the reply to <c>ACL GETUSER user</c>.</param>
    public static AclReport FromGetUser(string user, RespReply getUser)
    {
        if (getUser.IsError)
        {
            var why = IsNoPerm(getUser)
                ? $"ACL GETUSER is not permitted for '{user}' ({getUser.Text})"
                : $"ACL GETUSER failed ({getUser.Text})";
            return Unverified(user, why);
        }
        var parsed = AclGetUserParser.Parse(user, getUser);
        if (parsed is null) return Unverified(user, $"ACL GETUSER returned no rules for '{user}'");
        var permission = AclMonitorEvaluator.Evaluate(parsed);
        return new AclReport
        {
            User = user,
            HasMonitor = permission.Allowed,
            Rules = parsed.Commands,
            SetUserSnippet = permission.Allowed ? null : AclMonitorEvaluator.SetUserSnippet(user),
            Verified = true,
            Flags = parsed.Flags,
            Selectors = parsed.Selectors.Select(s => s.ToString()).ToList(),
            DecidedBy = permission.DecidedBy,
            Note = permission.Allowed
                ? permission.Via == "selector" ? $"MONITOR is granted by a selector ({permission.DecidedBy})." : null
                : permission.DecidedBy is null
                    ? $"No rule of '{user}' grants MONITOR."
                    : $"'{permission.DecidedBy}' leaves MONITOR denied for '{user}'.",
        };
    }

    public static AclReport Unverified(string user, string why) => new()
    {
        User = user,
        HasMonitor = null,
        SetUserSnippet = AclMonitorEvaluator.SetUserSnippet(user),
        Verified = false,
        Note = $"Could not verify whether '{user}' may run MONITOR: {why}. A short live MONITOR probe runs when the capture starts; " +
               "if it is refused, an administrator can grant it with the command shown.",
    };
}
