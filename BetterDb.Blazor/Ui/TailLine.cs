using System.Text;
using BetterDb.Core.Lines;

namespace BetterDb.Blazor.Ui;

/// <summary>One MONITOR line as the tail shows it: parsed once when it enters the view.</summary>
public sealed class TailLine
{
    /// <summary>Arguments beyond this many characters are cut in the one-line row; the detail shows the raw line.</summary>
    public const int PreviewChars = 400;

    /// <summary>
    /// The detail shows at most this much of the raw line: a page of 500 lines stays a few MB in the circuit and in the
    /// browser, whatever the lines' size. The txt export has every byte.
    /// </summary>
    public const int DetailChars = 16 * 1024;

    private readonly IReadOnlyList<string>? _cutArgs;
    private readonly IReadOnlyList<long>? _cutArgLengths;

    private TailLine(long seq, MonitorLine line)
    {
        Seq = seq;
        Node = line.NodeId;
        TsRaw = line.TsRaw;
        Ts = line.Ts;
        Db = line.Db;
        Addr = line.Addr;
        Cmd = line.Cmd;
        Malformed = line.Malformed;
        RawBytes = line.RawBytes ?? Encoding.UTF8.GetByteCount(line.Raw);
        Raw = line.Raw.Length > DetailChars ? line.Raw[..CutAt(line.Raw, DetailChars)] : line.Raw;
        RawCut = line.Truncated || Raw.Length < line.Raw.Length;
        var (preview, previewCut) = Malformed ? Cut(EscapeInvisible(Raw)) : Preview(line, RawCut);
        // A row that shows less than the line ends in "…"; the list adds how long the line is.
        Truncated = line.Truncated || previewCut;
        ArgsPreview = Truncated && !previewCut ? preview + "…" : preview;
        if (RawCut && !Malformed)
        {
            // The raw text is cut, so the detail cannot decode it again: keep what the core showed of each argument.
            _cutArgs = line.Args;
            _cutArgLengths = line.ArgLengths;
        }
    }

    /// <summary>Session-wide line number (0-based): its place among all the session's stored lines, filter or not.</summary>
    public long Seq { get; }
    /// <summary>The cluster node the line came from; null for a capture of one server.</summary>
    public string? Node { get; }
    public string? TsRaw { get; }
    /// <summary>Epoch ms (null when malformed).</summary>
    public long? Ts { get; }
    public int? Db { get; }
    public string? Addr { get; }
    public string? Cmd { get; }
    /// <summary>
    /// The arguments after the command, space separated, each as <see cref="VisibleText"/> shows it (a newline in a key reads
    /// <c>\n</c>); quoted where a space or an empty value would hide the boundary.
    /// </summary>
    public string ArgsPreview { get; }
    /// <summary>The raw line, or its start when <see cref="RawCut"/>.</summary>
    public string Raw { get; }
    public bool Malformed { get; }

    /// <summary>The whole line's length in bytes, as MONITOR sent it (also when the shown text is cut).</summary>
    public long RawBytes { get; }

    /// <summary><see cref="Raw"/> is the start of the line only.</summary>
    public bool RawCut { get; }

    /// <summary>The row shows less than the line (its preview ends in "…"): the list then says how many bytes the line has.</summary>
    public bool Truncated { get; }

    /// <summary>"(41,943,047 bytes in all)": what a cut row or detail adds after its "…".</summary>
    public string SizeNote => $"({DisplayFormat.Count(RawBytes)} bytes in all)";

    public static TailLine Parse(long seq, ReadOnlySpan<byte> raw, string? nodeId = null) => new(seq, MonitorLine.FromRaw(raw, nodeId));

    public static TailLine From(long seq, MonitorLine line) => new(seq, line);

    /// <summary>
    /// The command and each argument as their real bytes (at most <paramref name="maxBytesEach"/> of each), for the detail:
    /// decoded again from the raw line; for a line whose raw text is cut, what the core showed of each argument.
    /// </summary>
    public IReadOnlyList<LineArgument> Arguments(int maxBytesEach = 64 * 1024)
    {
        if (Malformed) return [];
        if (!RawCut && LineArguments.TryRead(Encoding.UTF8.GetBytes(Raw), maxBytesEach, out var args)) return args;
        var list = new List<LineArgument> { new(Encoding.UTF8.GetBytes(Cmd ?? ""), Cmd?.Length ?? 0) };
        if (_cutArgs is not null)
            for (var i = 0; i < _cutArgs.Count; i++)
            {
                var bytes = Encoding.UTF8.GetBytes(_cutArgs[i]);
                list.Add(new LineArgument(bytes, _cutArgLengths is { } lengths && i < lengths.Count ? lengths[i] : bytes.Length));
            }
        return list;
    }

    /// <summary>A malformed line's text for the row, cut like the arguments.</summary>
    private static (string, bool) Cut(string raw) => raw.Length <= PreviewChars ? (raw, false) : (raw[..CutAt(raw, PreviewChars)] + "…", true);

    /// <summary>Where to cut <paramref name="text"/> near <paramref name="at"/> without splitting a surrogate pair.</summary>
    private static int CutAt(string text, int at) => at > 0 && char.IsHighSurrogate(text[at - 1]) ? at - 1 : at;

    private static (string, bool) Preview(MonitorLine line, bool rawCut)
    {
        var sb = new StringBuilder();
        if (!rawCut && MonitorLineParser.TryParse(Encoding.UTF8.GetBytes(line.Raw), out var view))
        {
            var args = view.EnumerateArgs();
            args.MoveNext(); // the command
            while (args.MoveNext())
            {
                if (sb.Length > 0) sb.Append(' ');
                Append(sb, VisibleText.FromEscaped(args.Current, PreviewChars * 4, out _, PreviewChars + 1));
                if (sb.Length > PreviewChars) return (Ellipsis(sb), true);
            }
            return (sb.ToString(), false);
        }
        // The raw text is cut: the core's decoded arguments, with what would be invisible written out.
        foreach (var arg in line.Args)
        {
            if (sb.Length > 0) sb.Append(' ');
            Append(sb, EscapeInvisible(arg));
            if (sb.Length > PreviewChars) return (Ellipsis(sb), true);
        }
        return (sb.ToString(), false);
    }

    private static void Append(StringBuilder sb, string arg)
    {
        if (arg.Length == 0 || arg.AsSpan().IndexOfAny(" \"") >= 0)
            sb.Append('"').Append(arg.Replace("\"", "\\\"")).Append('"');
        else
            sb.Append(arg);
    }

    private static string Ellipsis(StringBuilder sb)
    {
        sb.Length = char.IsHighSurrogate(sb[PreviewChars - 1]) ? PreviewChars - 1 : PreviewChars;
        return sb.Append('…').ToString();
    }

    /// <summary>Control and invisible characters of an already decoded argument as escapes (a backslash stays as it is).</summary>
    private static string EscapeInvisible(string text)
    {
        var any = false;
        foreach (var rune in text.EnumerateRunes())
            if (VisibleText.IsInvisible(rune)) { any = true; break; }
        if (!any) return text;
        var sb = new StringBuilder(text.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (!VisibleText.IsInvisible(rune)) { sb.Append(rune.ToString()); continue; }
            var n = rune.EncodeToUtf8(utf8);
            var escaped = VisibleText.Of(utf8[..n]);
            sb.Append(escaped);
        }
        return sb.ToString();
    }
}
