using System.Security.Cryptography;
using BetterDb.Core.Capture;
using BetterDb.Core.Lines;

namespace BetterDb.Core.Analysis;

/// <summary>
/// A command's shape: <c>VERB:arity</c> (the argument count, the verb included, as Redis counts arity), except scripts,
/// which are named by what runs: <c>EVALSHA:&lt;sha&gt;</c>, <c>EVAL:&lt;sha1 of the script&gt;</c> (the sha EVALSHA would use),
/// <c>FCALL:&lt;function&gt;</c> (and their <c>_RO</c> forms), so a newly deployed script is a new shape whatever its arguments.
/// </summary>
public static class CommandShapes
{
    public static bool IsScript(string verb) => verb is "EVALSHA" or "EVALSHA_RO" or "EVAL" or "EVAL_RO" or "FCALL" or "FCALL_RO";

    public static bool IsScriptShape(string shape) => IsScript(VerbOf(shape));

    public static string VerbOf(string shape)
    {
        var colon = shape.IndexOf(':');
        return colon < 0 ? shape : shape[..colon];
    }

    /// <summary>The shape of a command given its decoded arguments (verb first), as SLOWLOG and COMMANDLOG list them.</summary>
    /// <param name="arity">the real argument count when the list was cut (SLOWLOG shows at most 32).</param>
    public static string Of(IReadOnlyList<string> args, int? arity = null)
    {
        if (args.Count == 0) return "";
        var verb = args[0].ToUpperInvariant();
        if (IsScript(verb) && args.Count > 1)
        {
            if (verb is "EVAL" or "EVAL_RO")
            {
                // The server cuts long arguments ("... (N more bytes)"): such a script cannot be named.
                var script = args[1];
                return script.EndsWith(" more bytes)", StringComparison.Ordinal) && script.Contains("... (", StringComparison.Ordinal)
                    ? $"{verb}:<script cut by the server>"
                    : $"{verb}:{Sha1(System.Text.Encoding.UTF8.GetBytes(script))}";
            }
            return verb.StartsWith("EVALSHA", StringComparison.Ordinal) ? $"{verb}:{args[1].ToLowerInvariant()}" : $"{verb}:{args[1]}";
        }
        return $"{verb}:{arity ?? args.Count}";
    }

    internal static string Sha1(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA1.HashData(bytes)).ToLowerInvariant();
}

/// <summary>A session's command shapes with their counts (stored once per session as JSON).</summary>
public sealed record SessionShapeCounts(long Lines, IReadOnlyDictionary<string, long> Shapes, bool Capped);

/// <summary>Counts the shapes of a session's stored lines in one pass; a shape string is made only for a new shape.</summary>
internal sealed class ShapeCounter : ILineVisitor
{
    /// <summary>Distinct shapes counted at most; more go to <see cref="Other"/>.</summary>
    public const int MaxShapes = 20_000;
    public const string Other = "(OTHER)";

    private readonly Dictionary<(string Verb, int Arity), long> _plain = [];
    private readonly Dictionary<string, long> _named = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _verbs = new(StringComparer.Ordinal);
    private long _lines;
    private long _other;

    public bool Visit(ReadOnlySpan<byte> raw, string? nodeId)
    {
        if (!MonitorLineParser.TryParse(raw, out var view)) return true;
        _lines++;
        var verb = Verb(view.Command);
        if (CommandShapes.IsScript(verb) && view.ArgCount > 1)
        {
            var args = view.EnumerateArgs();
            args.MoveNext();
            args.MoveNext();
            var name = verb is "EVAL" or "EVAL_RO"
                ? $"{verb}:{CommandShapes.Sha1(SdsRepr.Unescape(args.Current))}"
                : verb.StartsWith("EVALSHA", StringComparison.Ordinal)
                    ? $"{verb}:{SdsRepr.ToDisplay(args.Current).ToLowerInvariant()}"
                    : $"{verb}:{SdsRepr.ToDisplay(args.Current)}";
            Add(_named, name);
            return true;
        }
        var key = (verb, view.ArgCount);
        if (_plain.TryGetValue(key, out var n)) _plain[key] = n + 1;
        else if (_plain.Count + _named.Count < MaxShapes) _plain[key] = 1;
        else _other++;
        return true;
    }

    private void Add(Dictionary<string, long> counts, string name)
    {
        if (counts.TryGetValue(name, out var n)) counts[name] = n + 1;
        else if (_plain.Count + _named.Count < MaxShapes) counts[name] = 1;
        else _other++;
    }

    private string Verb(ReadOnlySpan<byte> escaped)
    {
        if (KeyExtractor.TryGetKnownCommand(escaped, out var known)) return known;
        var text = SdsRepr.ToDisplay(escaped);
        if (!_verbs.TryGetValue(text, out var upper)) _verbs[text] = upper = text.ToUpperInvariant();
        return upper;
    }

    public ValueTask AfterChunkAsync(CancellationToken ct) => ValueTask.CompletedTask;

    public SessionShapeCounts Result()
    {
        var all = new Dictionary<string, long>(_named, StringComparer.Ordinal);
        foreach (var ((verb, arity), n) in _plain) all[$"{verb}:{arity}"] = n;
        if (_other > 0) all[Other] = _other;
        return new SessionShapeCounts(_lines, all, _other > 0);
    }
}
