using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using BetterDb.Core.Lines;

namespace BetterDb.Core.Capture;

public enum ExportFormat { Json, Ndjson, Csv, Txt }

/// <summary>
/// Streams a session's stored lines in one of the export formats, with filters applied.
/// Output is flushed after every chunk, so memory stays constant whatever the session size.
/// </summary>
public static class SessionExport
{
    public static readonly string[] FormatNames = ["json", "ndjson", "csv", "txt"];

    public static bool TryParseFormat(string? name, out ExportFormat format)
    {
        format = ExportFormat.Txt;
        switch (name?.ToLowerInvariant())
        {
            case "json": format = ExportFormat.Json; return true;
            case "ndjson": format = ExportFormat.Ndjson; return true;
            case "csv": format = ExportFormat.Csv; return true;
            case "txt": format = ExportFormat.Txt; return true;
            default: return false;
        }
    }

    public static string Extension(ExportFormat f) => f.ToString().ToLowerInvariant();

    public static string ContentType(ExportFormat f) => f switch
    {
        ExportFormat.Json => "application/json",
        ExportFormat.Ndjson => "application/x-ndjson",
        ExportFormat.Csv => "text/csv; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };

    public static string FileName(string sessionId, ExportFormat f) => $"monitor-session-{sessionId}.{Extension(f)}";

    /// <param name="keySpecs">
    /// how the <c>keys</c> of a line are found (CSV and JSON) and what the key filter looks at: the session's
    /// server's table from <see cref="KeySpecCache"/>; null for the built-in table. A table already set on
    /// <paramref name="filter"/> is kept for the filter.
    /// </param>
    /// <param name="lastLineUnterminated">the session's last line had no terminator (an imported file): an unfiltered txt export ends without one too.</param>
    public static async Task WriteAsync(SessionLines lines, string sessionId, LineFilter filter, ExportFormat format, Stream output,
        CancellationToken ct = default, KeySpecTable? keySpecs = null, bool lastLineUnterminated = false)
    {
        // A huge line asks the pipe for a span as long as itself: BoundedMemoryPool keeps such a block out of the shared pool.
        var pipe = PipeWriter.Create(output, new StreamPipeWriterOptions(pool: Memory.BoundedMemoryPool.Instance, minimumBufferSize: 64 * 1024, leaveOpen: true));
        var specs = keySpecs ?? KeySpecTable.BuiltIn;
        if (filter.KeySpecs is null && keySpecs is not null) filter = filter.WithKeySpecs(keySpecs);
        ExportVisitor visitor = format switch
        {
            ExportFormat.Txt => new TxtVisitor(pipe, omitFinalNewline: lastLineUnterminated && filter.IsEmpty),
            ExportFormat.Csv => new CsvVisitor(pipe, specs, lines.MaxArgumentBytesShown),
            ExportFormat.Ndjson => new JsonVisitor(pipe, lines, sessionId, wrapped: false, specs),
            _ => new JsonVisitor(pipe, lines, sessionId, wrapped: true, specs),
        };
        visitor.Begin();
        await lines.ScanAsync(sessionId, filter, visitor, ct);
        visitor.End();
        await pipe.FlushAsync(ct);
        await pipe.CompleteAsync();
    }

    private abstract class ExportVisitor(PipeWriter pipe) : ILineVisitor
    {
        protected PipeWriter Pipe { get; } = pipe;
        public virtual void Begin() { }
        public virtual void End() { }
        public abstract bool Visit(ReadOnlySpan<byte> raw, string? nodeId);

        public virtual async ValueTask AfterChunkAsync(CancellationToken ct) => await Pipe.FlushAsync(ct);

        protected void Write(ReadOnlySpan<byte> bytes) => Pipe.Write(bytes);
    }

    /// <summary>
    /// The lines as stored, each ended by a newline, except that a file whose last line had none is given back
    /// without it (byte for byte). A line cut at the line limit ends in its readable marker.
    /// </summary>
    private sealed class TxtVisitor(PipeWriter pipe, bool omitFinalNewline) : ExportVisitor(pipe)
    {
        private bool _newlineOwed;

        public override bool Visit(ReadOnlySpan<byte> raw, string? nodeId)
        {
            var owed = _newlineOwed ? 1 : 0;
            var span = Pipe.GetSpan(owed + raw.Length);
            if (_newlineOwed) span[0] = (byte)'\n';
            TruncatedLine.WriteReadable(raw, span[owed..]);
            Pipe.Advance(owed + raw.Length);
            _newlineOwed = true;
            return true;
        }

        public override void End()
        {
            if (_newlineOwed && !omitFinalNewline) Write("\n"u8);
        }
    }

    /// <summary>
    /// RFC 4180: CRLF rows, fields quoted when they hold a comma, quote, CR or LF. Two rules on top:
    /// <list type="bullet">
    /// <item>no cell may read as a spreadsheet formula (OWASP's CSV injection rule): a cell that would start with
    ///   <c>= + - @</c>, a tab or a CR is quoted and starts with a <c>'</c>;</item>
    /// <item>a huge line is cut as the line object is (see <see cref="MonitorLine"/>): each argument and key at the argument
    ///   limit of its escaped text, the args and keys cells at the line budget and at <see cref="MonitorLine.MaxArgumentsShown"/>
    ///   items. A cut item ends in <c>…(N bytes in all)</c> inside its quotes (N its real length; <c>…</c> is never part of
    ///   MONITOR's text, which is ASCII), items left out are one <c>…(N more)</c>, and a cut malformed line or address ends
    ///   in <c>…(N bytes in all)</c> too. The columns stay the seven of API.md.</item>
    /// </list>
    /// </summary>
    private sealed class CsvVisitor(PipeWriter pipe, KeySpecTable keySpecs, int maxArgumentBytes) : ExportVisitor(pipe)
    {
        private readonly long _budget = (long)maxArgumentBytes * MonitorLine.LineBudgetFactor;
        public override void Begin() => Write("ts,ts_raw,db,addr,cmd,args,keys\r\n"u8);

        public override bool Visit(ReadOnlySpan<byte> raw, string? nodeId)
        {
            if (TruncatedLine.TryRead(raw, out var kept, out var storedLength))
            {
                // Cut when it was stored: the kept part is no whole line, so it is given as a malformed one is.
                WriteMalformed(kept, storedLength);
                return true;
            }
            if (!MonitorLineParser.TryParse(raw, out var view))
            {
                WriteMalformed(raw, raw.Length);
                return true;
            }
            Number(view.TimestampMicros / 1000);
            Write(","u8);
            Write(view.TimestampText);
            Write(","u8);
            Number(view.Db);
            Write(","u8);
            var addr = Cut(view.Addr, maxArgumentBytes);
            Field(addr, addr.Length < view.Addr.Length ? view.Addr.Length : null);
            Write(","u8);
            Verb(view.Command);
            Write(","u8);
            WriteArgs(view);
            Write(","u8);
            WriteKeys(view);
            Write("\r\n"u8);
            return true;
        }

        /// <summary>A malformed line keeps its raw text in the args field so nothing is lost (but its length, when cut).</summary>
        private void WriteMalformed(ReadOnlySpan<byte> raw, long rawBytes)
        {
            Write(",,,,,"u8);
            var shown = raw.Length > _budget ? MonitorLine.Utf8Prefix(raw, (int)_budget) : raw;
            Field(shown, shown.Length < rawBytes ? rawBytes : null);
            Write(",\r\n"u8);
        }

        /// <summary>The arguments after the command as MONITOR wrote them (quoted, escaped, space-separated), cut as the class says.</summary>
        private void WriteArgs(in MonitorLineView view)
        {
            var text = ArgsAfterCommand(view);
            if (text.IsEmpty) return;
            if (text.Length <= maxArgumentBytes && view.ArgCount - 1 <= MonitorLine.MaxArgumentsShown)
            {
                Field(text); // nothing to cut: no argument can be longer than all of them
                return;
            }
            // Quotes inside the field double up, so the CSV field is always quoted.
            Write("\""u8);
            var left = _budget;
            var enumerator = view.EnumerateArgs();
            enumerator.MoveNext(); // the command
            for (var i = 0; enumerator.MoveNext(); i++)
            {
                if (i > 0) Write(" "u8);
                if (i == MonitorLine.MaxArgumentsShown || left <= 0)
                {
                    More(view.ArgCount - 1 - i); // more arguments than shown
                    break;
                }
                left -= QuotedItem(enumerator.Current, (int)Math.Min(maxArgumentBytes, left));
            }
            Write("\""u8);
        }

        /// <summary>What stands for the items left out of a cell: <c>…(N more)</c>.</summary>
        private void More(long count)
        {
            Write("…("u8);
            Number(count);
            Write(" more)"u8);
        }

        /// <summary>After a cut value: <c>…(N bytes in all)</c>.</summary>
        private void CutMarker(long length)
        {
            Write("…("u8);
            Number(length);
            Write(" bytes in all)"u8);
        }

        /// <summary>The keys as MONITOR shows them: each quoted and escaped, separated by a space.</summary>
        private void WriteKeys(in MonitorLineView view)
        {
            Span<Range> keys = stackalloc Range[16];
            var count = keySpecs.KeyRanges(view, keys);
            if (count == 0) return;
            if (count > keys.Length)
            {
                keys = new Range[count];
                keySpecs.KeyRanges(view, keys);
            }
            // Quotes inside the field double up, so the CSV field is always quoted.
            Write("\""u8);
            var left = _budget;
            for (var i = 0; i < count; i++)
            {
                if (i > 0) Write(" "u8);
                if (i == MonitorLine.MaxArgumentsShown || left <= 0)
                {
                    More(count - i);
                    break;
                }
                left -= QuotedItem(view.ArgsText[keys[i]], (int)Math.Min(maxArgumentBytes, left));
            }
            Write("\""u8);
        }

        /// <summary>One escaped argument inside a quoted field (<c>""arg""</c>), cut at <paramref name="max"/>; returns the bytes it showed.</summary>
        private int QuotedItem(ReadOnlySpan<byte> escaped, int max)
        {
            var shown = Cut(escaped, max);
            Write("\"\""u8);
            WriteDoubledQuotes(shown);
            if (shown.Length < escaped.Length) CutMarker(SdsRepr.UnescapedLength(escaped));
            Write("\"\""u8);
            return shown.Length;
        }

        /// <summary>At most <paramref name="max"/> bytes of escaped text, never splitting an escape.</summary>
        private static ReadOnlySpan<byte> Cut(ReadOnlySpan<byte> escaped, long max)
        {
            if (escaped.Length <= max) return escaped;
            var pos = 0;
            while (pos < max)
            {
                var slash = escaped[pos..(int)max].IndexOf((byte)'\\');
                if (slash < 0) return escaped[..(int)max];
                pos += slash;
                var n = SdsRepr.DecodeEscape(escaped[pos..], out _);
                var width = n == 0 ? 1 : n;
                if (pos + width > max) break;
                pos += width;
            }
            return escaped[..pos];
        }

        private void WriteDoubledQuotes(ReadOnlySpan<byte> value)
        {
            while (true)
            {
                var q = value.IndexOf((byte)'"');
                if (q < 0) break;
                Write(value[..(q + 1)]);
                Write("\""u8);
                value = value[(q + 1)..];
            }
            Write(value);
        }

        /// <summary>The verb in upper case, as the JSON <c>cmd</c> spells it.</summary>
        private void Verb(ReadOnlySpan<byte> escaped)
        {
            if (escaped.IndexOfAny((byte)'\\', (byte)',') >= 0 || escaped.Length > maxArgumentBytes || StartsLikeFormula(escaped))
            {
                // Upper-casing the escaped text would turn "\n" into "\N": decode first; Field quotes a comma or quote.
                var verb = SdsRepr.ToDisplay(escaped, maxArgumentBytes, out var length).ToUpperInvariant();
                Field(Encoding.UTF8.GetBytes(verb), length > maxArgumentBytes ? length : null);
                return;
            }
            var span = Pipe.GetSpan(escaped.Length);
            Ascii.ToUpper(escaped, span, out var written); // printable ASCII, no quote, CR, LF or comma: nothing to quote
            Pipe.Advance(written);
        }

        private void Number(long n)
        {
            var span = Pipe.GetSpan(20);
            n.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
            Pipe.Advance(written);
        }

        /// <summary>One cell: quoted when it holds a comma, quote, CR or LF, or when it would read as a formula (then with a leading <c>'</c>).</summary>
        /// <param name="cutFrom">the value is the start of one this long: it ends in <c>…(N bytes in all)</c>.</param>
        private void Field(ReadOnlySpan<byte> value, long? cutFrom = null)
        {
            var formula = StartsLikeFormula(value);
            var quoted = formula || value.IndexOfAny("\",\r\n"u8) >= 0;
            if (quoted) Write(formula ? "\"'"u8 : "\""u8);
            if (quoted) WriteDoubledQuotes(value);
            else Write(value);
            if (cutFrom is { } length) CutMarker(length);
            if (quoted) Write("\""u8);
        }

        /// <summary>OWASP's list: what a spreadsheet takes for the start of a formula (or of a DDE call).</summary>
        private static bool StartsLikeFormula(ReadOnlySpan<byte> value) =>
            !value.IsEmpty && value[0] is (byte)'=' or (byte)'+' or (byte)'-' or (byte)'@' or (byte)'\t' or (byte)'\r';
    }

    private sealed class JsonVisitor : ExportVisitor
    {
        private readonly Utf8JsonWriter _json;
        private readonly string _sessionId;
        private readonly bool _wrapped;
        private readonly KeySpecTable _keySpecs;
        private readonly SessionLines _lines;
        private long _count;

        public JsonVisitor(PipeWriter pipe, SessionLines lines, string sessionId, bool wrapped, KeySpecTable keySpecs) : base(pipe)
        {
            _keySpecs = keySpecs;
            _lines = lines;
            _json = new Utf8JsonWriter((IBufferWriter<byte>)pipe, new JsonWriterOptions
            {
                SkipValidation = !wrapped,
                // A download, not HTML: keep quotes and non-ASCII text readable.
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            });
            _sessionId = sessionId;
            _wrapped = wrapped;
        }

        public override void Begin()
        {
            if (!_wrapped) return;
            _json.WriteStartObject();
            _json.WriteString("sessionId", _sessionId);
            _json.WriteStartArray("lines");
        }

        public override void End()
        {
            if (_wrapped)
            {
                _json.WriteEndArray();
                _json.WriteNumber("count", _count); // last: the count is only known at the end of a stream
                _json.WriteEndObject();
            }
            _json.Flush();
        }

        public override bool Visit(ReadOnlySpan<byte> raw, string? nodeId)
        {
            LineJson.Write(_json, _lines.ToLine(raw, nodeId, _keySpecs));
            _count++;
            if (!_wrapped)
            {
                _json.Flush();
                _json.Reset();
                Write("\n"u8);
            }
            return true;
        }

        public override ValueTask AfterChunkAsync(CancellationToken ct)
        {
            _json.Flush();
            return base.AfterChunkAsync(ct);
        }
    }

    /// <summary>The arguments after the command exactly as MONITOR wrote them (quoted, escaped, space-separated).</summary>
    private static ReadOnlySpan<byte> ArgsAfterCommand(in MonitorLineView view)
    {
        var text = view.ArgsText;
        // The command is the first quoted argument: skip it, its closing quote and the space.
        var afterCommand = 1 + view.Command.Length + 1;
        return afterCommand + 1 <= text.Length ? text[(afterCommand + 1)..] : default;
    }
}

/// <summary>Writes the API's line object with explicit property names (camelCase, as the HTTP API).</summary>
public static class LineJson
{
    public static void Write(Utf8JsonWriter w, MonitorLine line)
    {
        w.WriteStartObject();
        if (line.Ts is { } ts) w.WriteNumber("ts", ts); else w.WriteNull("ts");
        w.WriteString("tsRaw", line.TsRaw);
        if (line.Db is { } db) w.WriteNumber("db", db); else w.WriteNull("db");
        w.WriteString("addr", line.Addr);
        w.WriteString("cmd", line.Cmd);
        w.WriteStartArray("args");
        foreach (var a in line.Args) w.WriteStringValue(a);
        w.WriteEndArray();
        w.WriteStartArray("keys");
        foreach (var k in line.Keys) w.WriteStringValue(k);
        w.WriteEndArray();
        w.WriteString("raw", line.Raw);
        w.WriteString("nodeId", line.NodeId);
        w.WriteBoolean("malformed", line.Malformed);
        if (line.Truncated)
        {
            // Additive, only on a cut line: what the line really holds (see MonitorLine).
            w.WriteBoolean("truncated", true);
            if (line.RawBytes is { } rawBytes) w.WriteNumber("rawBytes", rawBytes);
            if (line.ArgCount is { } argCount) w.WriteNumber("argCount", argCount);
            if (line.ArgLengths is { } lengths)
            {
                w.WriteStartArray("argLengths");
                foreach (var n in lengths) w.WriteNumberValue(n);
                w.WriteEndArray();
            }
        }
        w.WriteEndObject();
    }
}
