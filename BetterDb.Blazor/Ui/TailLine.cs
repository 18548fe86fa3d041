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

    private TailLine(long seq, MonitorLine line)
    {
        Seq = seq;
        TsRaw = line.TsRaw;
        Db = line.Db;
        Addr = line.Addr;
        Cmd = line.Cmd;
        Malformed = line.Malformed;
        RawBytes = line.RawBytes ?? Encoding.UTF8.GetByteCount(line.Raw);
        Raw = line.Raw.Length > DetailChars ? line.Raw[..CutAt(line.Raw, DetailChars)] : line.Raw;
        RawCut = line.Truncated || Raw.Length < line.Raw.Length;
        var (preview, previewCut) = Malformed ? Cut(line.Raw) : Preview(line.Args);
        // A row that shows less than the line ends in "…"; the list adds how long the line is.
        Truncated = line.Truncated || previewCut;
        ArgsPreview = Truncated && !previewCut ? preview + "…" : preview;
    }

    /// <summary>Session-wide line number (0-based).</summary>
    public long Seq { get; }
    public string? TsRaw { get; }
    public int? Db { get; }
    public string? Addr { get; }
    public string? Cmd { get; }
    /// <summary>The arguments after the command, space separated; quoted where a space or an empty value would hide the boundary.</summary>
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

    public static TailLine Parse(long seq, ReadOnlySpan<byte> raw) => new(seq, MonitorLine.FromRaw(raw));

    public static TailLine From(long seq, MonitorLine line) => new(seq, line);

    /// <summary>A malformed line's text for the row, cut like the arguments.</summary>
    private static (string, bool) Cut(string raw) => raw.Length <= PreviewChars ? (raw, false) : (raw[..CutAt(raw, PreviewChars)] + "…", true);

    /// <summary>Where to cut <paramref name="text"/> near <paramref name="at"/> without splitting a surrogate pair.</summary>
    private static int CutAt(string text, int at) => at > 0 && char.IsHighSurrogate(text[at - 1]) ? at - 1 : at;

    private static (string, bool) Preview(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return ("", false);
        var sb = new StringBuilder();
        foreach (var arg in args)
        {
            if (sb.Length > 0) sb.Append(' ');
            if (arg.Length == 0 || arg.AsSpan().IndexOfAny(" \t\"") >= 0)
                sb.Append('"').Append(arg.Replace("\"", "\\\"")).Append('"');
            else
                sb.Append(arg);
            if (sb.Length > PreviewChars)
            {
                sb.Length = char.IsHighSurrogate(sb[PreviewChars - 1]) ? PreviewChars - 1 : PreviewChars;
                sb.Append('…');
                return (sb.ToString(), true);
            }
        }
        return (sb.ToString(), false);
    }
}
