using System.Globalization;
using System.Text;
using BetterDb.Core.Connections;

namespace BetterDb.Core.History;

/// <summary>
/// One entry of <c>SLOWLOG GET</c> or <c>COMMANDLOG GET</c> (the same six fields): id, unix time, value (µs, or bytes for
/// the large-request/large-reply logs), arguments (at most 32, long ones cut by the server), client address, client name.
/// </summary>
public sealed record LogEntry(long Id, long TimestampSeconds, long Value, IReadOnlyList<string> Args, string? ClientAddr, string? ClientName)
{
    /// <summary>The server lists at most this many arguments; the last then says how many more there were.</summary>
    public const int MaxArgsShown = 32;

    public string Command => Args.Count == 0 ? "" : Args[0].ToUpperInvariant();

    /// <summary>The command's real argument count, its name included: the server ends a cut list with <c>... (N more arguments)</c>.</summary>
    public int Arity
    {
        get
        {
            if (Args.Count == MaxArgsShown && MoreArguments(Args[^1]) is { } more) return MaxArgsShown - 1 + more;
            return Args.Count;
        }
    }

    private static int? MoreArguments(string last)
    {
        // "... (5 more arguments)"
        if (!last.StartsWith("... (", StringComparison.Ordinal) || !last.EndsWith(" more arguments)", StringComparison.Ordinal)) return null;
        var number = last["... (".Length..^" more arguments)".Length];
        return int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }
}

public static class LogReply
{
    /// <summary>The entries of a SLOWLOG/COMMANDLOG GET reply, newest first as the server sends them; malformed entries are skipped.</summary>
    public static IReadOnlyList<LogEntry> Parse(RespReply reply)
    {
        if (reply.Items is not { } items) return [];
        var entries = new List<LogEntry>(items.Length);
        foreach (var item in items)
        {
            if (item.Items is not { Length: >= 4 } f) continue;
            var args = f[3].Items?.Select(a => a.Text ?? a.Integer.ToString(CultureInfo.InvariantCulture)).ToList() ?? [];
            entries.Add(new LogEntry(Number(f[0]), Number(f[1]), Number(f[2]), args,
                f.Length > 4 ? NullIfEmpty(f[4].Text) : null, f.Length > 5 ? NullIfEmpty(f[5].Text) : null));
        }
        return entries;
    }

    internal static long Number(RespReply r) =>
        r.Type == ':' ? r.Integer : long.TryParse(r.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    internal static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>A command as a person reads it: arguments that are not plain words are quoted, control bytes escaped.</summary>
    public static string Display(IReadOnlyList<string> args)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < args.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            var a = args[i];
            if (a.Length > 0 && a.All(c => c > ' ' && c != '"' && c != '\\' && c != '\'' && !char.IsControl(c))) sb.Append(a);
            else
            {
                sb.Append('"');
                foreach (var c in a)
                {
                    switch (c)
                    {
                        case '"': sb.Append("\\\""); break;
                        case '\\': sb.Append("\\\\"); break;
                        case '\n': sb.Append("\\n"); break;
                        case '\r': sb.Append("\\r"); break;
                        case '\t': sb.Append("\\t"); break;
                        default:
                            if (char.IsControl(c)) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                            else sb.Append(c);
                            break;
                    }
                }
                sb.Append('"');
            }
        }
        return sb.ToString();
    }
}

/// <summary>One client of <c>CLIENT LIST</c>, with the fields the history keeps.</summary>
public sealed record ClientInfo
{
    public long Id { get; init; }
    public string? Addr { get; init; }
    public string? Name { get; init; }
    public string? LibName { get; init; }
    public string? LibVer { get; init; }
    public string? User { get; init; }
    /// <summary>The last command, as CLIENT LIST writes it (<c>get</c>, <c>client|list</c>).</summary>
    public string? Cmd { get; init; }
    public long AgeSeconds { get; init; }
    public long IdleSeconds { get; init; }
    public string? Flags { get; init; }
    public int Db { get; init; }

    /// <summary>One of the app's own connections (named <c>betterdb</c> or <c>betterdb-&lt;purpose&gt;</c>).</summary>
    public bool IsOwn => Name is { } n && (n == "betterdb" || n.StartsWith("betterdb-", StringComparison.Ordinal));
}

public static class ClientListParser
{
    /// <summary>Fields kept from each CLIENT LIST line; the rest (buffers, memory, events) changes every poll and says little later.</summary>
    public static readonly string[] Kept = ["id", "addr", "name", "lib-name", "lib-ver", "user", "cmd", "age", "idle", "flags", "db"];

    public static IReadOnlyList<ClientInfo> Parse(string text)
    {
        var clients = new List<ClientInfo>();
        foreach (var raw in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = Fields(raw.TrimEnd('\r'));
            if (!f.TryGetValue("id", out var id)) continue;
            clients.Add(new ClientInfo
            {
                Id = ToLong(id),
                Addr = f.GetValueOrDefault("addr"),
                Name = Empty(f.GetValueOrDefault("name")),
                LibName = Empty(f.GetValueOrDefault("lib-name")),
                LibVer = Empty(f.GetValueOrDefault("lib-ver")),
                User = Empty(f.GetValueOrDefault("user")),
                Cmd = Empty(f.GetValueOrDefault("cmd")),
                AgeSeconds = ToLong(f.GetValueOrDefault("age")),
                IdleSeconds = ToLong(f.GetValueOrDefault("idle")),
                Flags = Empty(f.GetValueOrDefault("flags")),
                Db = (int)ToLong(f.GetValueOrDefault("db")),
            });
        }
        return clients;
    }

    /// <summary>The line with only the <see cref="Kept"/> fields, in the server's order.</summary>
    public static string Trim(string line)
    {
        var f = Fields(line.TrimEnd('\r'));
        return string.Join(' ', Kept.Where(f.ContainsKey).Select(k => $"{k}={f[k]}"));
    }

    /// <summary>
    /// <c>key=value</c> pairs split at spaces. A client name cannot hold a space (CLIENT SETNAME refuses one), and the
    /// fields after <c>name=</c> are the server's own, so a space always starts the next field.
    /// </summary>
    public static Dictionary<string, string> Fields(string line)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq > 0) fields[part[..eq]] = part[(eq + 1)..];
        }
        return fields;
    }

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static long ToLong(string? s) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
}

/// <summary>One entry of <c>ACL LOG</c>. <see cref="EntryId"/> and the two timestamps exist on Redis 7.2+ only.</summary>
public sealed record AclLogItem(long Count, string Reason, string Context, string Object, string Username, double AgeSeconds, string? ClientInfo,
    long? EntryId, long? CreatedMs, long? UpdatedMs)
{
    public string? ClientAddr => ClientInfo is null ? null : ClientListParser.Fields(ClientInfo).GetValueOrDefault("addr");

    public string? ClientName => ClientInfo is null ? null : ClientListParser.Fields(ClientInfo).GetValueOrDefault("name") is { Length: > 0 } n ? n : null;
}

public static class AclLogParser
{
    /// <summary>The entries of an ACL LOG reply (newest first), each a map of field names to values.</summary>
    public static IReadOnlyList<AclLogItem> Parse(RespReply reply)
    {
        if (reply.Items is not { } items) return [];
        var entries = new List<AclLogItem>(items.Length);
        foreach (var item in items)
        {
            if (item.Items is not { } f) continue;
            var map = new Dictionary<string, RespReply>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < f.Length; i += 2)
                if (f[i].Text is { } key) map[key] = f[i + 1];
            string Text(string key) => map.TryGetValue(key, out var v) ? v.Text ?? v.Integer.ToString(CultureInfo.InvariantCulture) : "";
            long? Num(string key) => map.TryGetValue(key, out var v) ? LogReply.Number(v) : null;
            var age = map.TryGetValue("age-seconds", out var a) && double.TryParse(a.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? d : (double)(Num("age-seconds") ?? 0);
            entries.Add(new AclLogItem(Num("count") ?? 1, Text("reason"), Text("context"), Text("object"), Text("username"), age,
                map.ContainsKey("client-info") ? Text("client-info") : null,
                Num("entry-id"), Num("timestamp-created"), Num("timestamp-last-updated")));
        }
        return entries;
    }
}

/// <summary>A command's counters in <c>INFO commandstats</c>.</summary>
public sealed record CommandStat(long Calls, long Usec, long RejectedCalls, long FailedCalls);

public static class CommandStatsParser
{
    /// <summary><c>cmdstat_get:calls=2,usec=9,usec_per_call=4.50,rejected_calls=0,failed_calls=0</c> -> <c>get</c> (sub-commands as <c>client|list</c>).</summary>
    public static Dictionary<string, CommandStat> Parse(IReadOnlyDictionary<string, string> info)
    {
        var stats = new Dictionary<string, CommandStat>(StringComparer.Ordinal);
        foreach (var (key, value) in info)
        {
            if (!key.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
            long Get(string name) => Preflight.HealthSignalReader.Field(value, name) ?? 0;
            stats[key["cmdstat_".Length..]] = new CommandStat(Get("calls"), Get("usec"), Get("rejected_calls"), Get("failed_calls"));
        }
        return stats;
    }
}
