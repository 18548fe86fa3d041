using System.Globalization;

namespace BetterDb.Core.Preflight;

/// <summary>A server setting that makes a MONITOR capture riskier than it looks.</summary>
/// <param name="Code">stable machine name, e.g. <c>unbounded_monitor_buffer</c>.</param>
public sealed record ConfigHazard(string Code, string Message);

/// <summary>
/// Spots configuration that interacts badly with MONITOR (pure). Input: <c>CONFIG GET</c>
/// values for <c>client-output-buffer-limit</c>, <c>maxmemory</c>, <c>maxmemory-clients</c>,
/// <c>appendonly</c> (absent keys are simply not checked) and the <c>default</c> user's flags and grants.
/// </summary>
public static class ConfigHazards
{
    public const string UnboundedMonitorBuffer = "unbounded_monitor_buffer";
    public const string MonitorBufferLimited = "monitor_buffer_limited";
    public const string ClientEvictionEnabled = "client_eviction_enabled";
    public const string DefaultUserOffWithAof = "default_user_off_with_aof";
    public const string DefaultUserUnverifiedWithAof = "default_user_unverified_with_aof";

    /// <summary>The settings <see cref="Detect"/> looks at, for CONFIG GET.</summary>
    public static readonly string[] Parameters = ["client-output-buffer-limit", "maxmemory", "maxmemory-clients", "appendonly"];

    /// <param name="defaultUser">null when ACL GETUSER default could not be read (or the server has no ACL).</param>
    /// <param name="defaultUserUnreadable">why the default user could not be read (see <see cref="DefaultUserReading"/>);
    /// null when it was read or the server has no ACL. With AOF on, it is a hazard that could not be ruled out.</param>
    public static IReadOnlyList<ConfigHazard> Detect(IReadOnlyDictionary<string, string> config, AclUser? defaultUser, string? defaultUserUnreadable = null)
    {
        var hazards = new List<ConfigHazard>();
        var maxMemory = config.TryGetValue("maxmemory", out var mm) && long.TryParse(mm, NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) ? m : 0;

        if (config.TryGetValue("client-output-buffer-limit", out var cobl) && NormalClassLimit(cobl) is { } normal)
        {
            if (normal.Hard == 0 && normal.Soft == 0)
            {
                if (maxMemory > 0)
                    hazards.Add(new ConfigHazard(UnboundedMonitorBuffer,
                        "client-output-buffer-limit for normal clients is 0 0 0 (unbounded) while maxmemory is set: if the MONITOR " +
                        "reader falls behind, its output buffer grows without limit and counts towards maxmemory, which can trigger " +
                        "evictions or OOM errors for the application."));
            }
            else
            {
                var limit = normal.Hard > 0 ? normal.Hard : normal.Soft;
                hazards.Add(new ConfigHazard(MonitorBufferLimited,
                    $"client-output-buffer-limit for normal clients is {normal.Hard} {normal.Soft} {normal.Seconds}: if the MONITOR reader " +
                    $"falls more than about {limit.ToString("#,0", CultureInfo.InvariantCulture)} bytes behind, the server disconnects it and the capture ends early."));
            }
        }

        if (config.TryGetValue("maxmemory-clients", out var mc) && IsSet(mc))
            hazards.Add(new ConfigHazard(ClientEvictionEnabled,
                $"maxmemory-clients is {mc}: client eviction is on, and a MONITOR client with a large output buffer is a likely " +
                "candidate to be evicted, ending the capture early."));

        // valkey-io/valkey#3983 (redis/redis#14541): replaying the AOF runs EXEC as the default user and checks
        // that user's permissions, so a default user that is off *and restricted* drops MULTI/EXEC and function
        // writes on reload. Off alone is harmless while it keeps the unrestricted grant: that is the workaround.
        var aofOn = config.TryGetValue("appendonly", out var aof) && aof.Equals("yes", StringComparison.OrdinalIgnoreCase);
        if (aofOn && defaultUser is not null && defaultUser.HasFlag("off") && !AclGrant.IsUnrestricted(defaultUser))
            hazards.Add(new ConfigHazard(DefaultUserOffWithAof,
                $"The default user is disabled (off) without the unrestricted grant ({AclGrant.Unrestricted}; it lacks " +
                $"{string.Join(" ", AclGrant.Missing(defaultUser))}: {Describe(defaultUser)}) and AOF is on: in affected Valkey versions " +
                "(valkey-io/valkey#3983; Redis had the same issue), writes made inside MULTI/EXEC or by functions can be silently lost " +
                $"when the AOF is reloaded. Keep the default user's permissions unrestricted ({AclGrant.Unrestricted}) while it is off " +
                $"({AclGrant.SetUserSnippet(defaultUser)} leaves it off), or upgrade to a fixed version."));
        else if (aofOn && defaultUser is null && defaultUserUnreadable is not null)
            hazards.Add(new ConfigHazard(DefaultUserUnverifiedWithAof,
                $"AOF is on, but the default user's rules could not be verified ({defaultUserUnreadable}). If the default user is " +
                $"disabled (off) without the unrestricted grant ({AclGrant.Unrestricted}), writes made inside MULTI/EXEC or by functions " +
                "can be silently lost when the AOF is reloaded (valkey-io/valkey#3983; Redis had the same issue). An administrator can " +
                "check with ACL GETUSER default."));
        return hazards;
    }

    private static string Describe(AclUser u) =>
        $"commands '{u.Commands}', keys '{u.Keys ?? ""}'" + (u.ChannelsReported ? $", channels '{u.Channels ?? ""}'" : "");

    /// <summary>The <c>normal</c> class of <c>client-output-buffer-limit</c> ("normal 0 0 0 replica ... pubsub ..."); null when absent.</summary>
    public static (long Hard, long Soft, long Seconds)? NormalClassLimit(string value)
    {
        var parts = value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i + 3 < parts.Length; i += 4)
        {
            if (!parts[i].Equals("normal", StringComparison.OrdinalIgnoreCase)) continue;
            if (TryBytes(parts[i + 1], out var hard) && TryBytes(parts[i + 2], out var soft)
                && long.TryParse(parts[i + 3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
                return (hard, soft, seconds);
            return null;
        }
        return null;
    }

    /// <summary>maxmemory-clients is "0" when off; otherwise bytes ("1073741824", "1gb") or a percentage ("10%").</summary>
    private static bool IsSet(string value)
    {
        var v = value.Trim();
        if (v.Length == 0) return false;
        if (v.EndsWith('%')) return double.TryParse(v[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct) && pct > 0;
        return !TryBytes(v, out var bytes) || bytes > 0;
    }

    /// <summary>CONFIG GET answers bytes; config files may say "64mb". Both are read.</summary>
    private static bool TryBytes(string text, out long bytes)
    {
        var t = text.Trim().ToLowerInvariant();
        long unit = 1;
        foreach (var (suffix, factor) in new (string, long)[] { ("gb", 1L << 30), ("mb", 1L << 20), ("kb", 1L << 10), ("g", 1_000_000_000), ("m", 1_000_000), ("k", 1_000), ("b", 1) })
        {
            if (!t.EndsWith(suffix, StringComparison.Ordinal)) continue;
            unit = factor;
            t = t[..^suffix.Length];
            break;
        }
        if (long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            bytes = n * unit;
            return true;
        }
        bytes = 0;
        return false;
    }
}
