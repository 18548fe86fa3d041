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
    public static async Task WriteAsync(SessionLines lines, string sessionId, LineFilter filter, ExportFormat format, Stream output,
        CancellationToken ct = default, KeySpecTable? keySpecs = null)
    {
        var pipe = PipeWriter.Create(output, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        var specs = keySpecs ?? KeySpecTable.BuiltIn;
        if (filter.KeySpecs is null && keySpecs is not null) filter = filter.WithKeySpecs(keySpecs);
        ExportVisitor visitor = format switch
        {
            ExportFormat.Txt => new TxtVisitor(pipe),
            ExportFormat.Csv => new CsvVisitor(pipe, specs),
            ExportFormat.Ndjson => new JsonVisitor(pipe, sessionId, wrapped: false, specs),
            _ => new JsonVisitor(pipe, sessionId, wrapped: true, specs),
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

    private sealed class TxtVisitor(PipeWriter pipe) : ExportVisitor(pipe)
    {
        public override bool Visit(ReadOnlySpan<byte> raw, string? nodeId)
        {
            var span = Pipe.GetSpan(raw.Length + 1);
            raw.CopyTo(span);
            span[raw.Length] = (byte)'\n';
            Pipe.Advance(raw.Length + 1);
            return true;
        }
    }

    /// <summary>RFC 4180: CRLF rows, fields quoted when they hold a comma, quote, CR or LF.</summary>
    private sealed class CsvVisitor(PipeWriter pipe, KeySpecTable keySpecs) : ExportVisitor(pipe)
    {
        public override void Begin() => Write("ts,ts_raw,db,addr,cmd,args,keys\r\n"u8);

        public override bool Visit(ReadOnlySpan<byte> raw, string? nodeId)
        {
            if (!MonitorLineParser.TryParse(raw, out var view))
            {
                // A malformed line keeps its raw text in the args field so nothing is lost.
                Write(",,,,,"u8);
                Field(raw);
                Write(",\r\n"u8);
                return true;
            }
            Number(view.TimestampMicros / 1000);
            Write(","u8);
            Write(view.TimestampText);
            Write(","u8);
            Number(view.Db);
            Write(","u8);
            Field(view.Addr);
            Write(","u8);
            Verb(view.Command);
            Write(","u8);
            Field(ArgsAfterCommand(view));
            Write(","u8);
            WriteKeys(view);
            Write("\r\n"u8);
            return true;
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
            for (var i = 0; i < count; i++)
            {
                if (i > 0) Write(" "u8);
                Write("\"\""u8);
                WriteDoubledQuotes(view.ArgsText[keys[i]]);
                Write("\"\""u8);
            }
            Write("\""u8);
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
            if (escaped.IndexOfAny((byte)'\\', (byte)',') >= 0)
            {
                // Upper-casing the escaped text would turn "\n" into "\N": decode first; Field quotes a comma or quote.
                Field(Encoding.UTF8.GetBytes(SdsRepr.ToDisplay(escaped).ToUpperInvariant()));
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

        private void Field(ReadOnlySpan<byte> value)
        {
            if (value.IndexOfAny("\",\r\n"u8) < 0)
            {
                Write(value);
                return;
            }
            Write("\""u8);
            WriteDoubledQuotes(value);
            Write("\""u8);
        }
    }

    private sealed class JsonVisitor : ExportVisitor
    {
        private readonly Utf8JsonWriter _json;
        private readonly string _sessionId;
        private readonly bool _wrapped;
        private readonly KeySpecTable _keySpecs;
        private long _count;

        public JsonVisitor(PipeWriter pipe, string sessionId, bool wrapped, KeySpecTable keySpecs) : base(pipe)
        {
            _keySpecs = keySpecs;
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
            LineJson.Write(_json, _keySpecs.IsBuiltIn ? MonitorLine.FromRaw(raw, nodeId) : _keySpecs.ToLine(raw, nodeId));
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
        w.WriteEndObject();
    }
}
