using System.Text;
using BetterDb.Core.Lines;

namespace BetterDb.Blazor.Ui;

/// <summary>One MONITOR line as the tail shows it: parsed once when it enters the view.</summary>
public sealed class TailLine
{
    /// <summary>Arguments beyond this many characters are cut in the one-line row; the detail shows the whole raw line.</summary>
    public const int PreviewChars = 400;

    private TailLine(long seq, MonitorLine line)
    {
        Seq = seq;
        TsRaw = line.TsRaw;
        Db = line.Db;
        Addr = line.Addr;
        Cmd = line.Cmd;
        Raw = line.Raw;
        Malformed = line.Malformed;
        ArgsPreview = Preview(line.Args);
    }

    /// <summary>Session-wide line number (0-based).</summary>
    public long Seq { get; }
    public string? TsRaw { get; }
    public int? Db { get; }
    public string? Addr { get; }
    public string? Cmd { get; }
    /// <summary>The arguments after the command, space separated; quoted where a space or an empty value would hide the boundary.</summary>
    public string ArgsPreview { get; }
    public string Raw { get; }
    public bool Malformed { get; }

    public static TailLine Parse(long seq, ReadOnlySpan<byte> raw) => new(seq, MonitorLine.FromRaw(raw));

    public static TailLine From(long seq, MonitorLine line) => new(seq, line);

    private static string Preview(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return "";
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
                sb.Length = PreviewChars;
                sb.Append('…');
                break;
            }
        }
        return sb.ToString();
    }
}
