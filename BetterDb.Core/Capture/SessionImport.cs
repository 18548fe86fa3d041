using System.Buffers;
using System.IO.Pipelines;
using BetterDb.Core.Configuration;
using BetterDb.Core.Connections;
using BetterDb.Core.Lines;
using BetterDb.Core.Monitoring;
using BetterDb.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BetterDb.Core.Capture;

/// <summary>
/// Turns a <c>redis-cli monitor</c> text file into a completed session (<c>source: import</c>),
/// streamed through the same writer as a live capture: any size, constant memory, every line
/// kept byte for byte (malformed ones counted). An upload that breaks off ends the session
/// <c>failed</c> with what was stored so far, never silently half-done.
/// </summary>
public sealed class SessionImport(
    IDbContextFactory<BetterDbContext> contexts,
    ConnectionService connections,
    IChunkStore chunks,
    CaptureSessionService sessions,
    SessionLifecycle lifecycle,
    Microsoft.Extensions.Options.IOptions<BetterDbOptions> options,
    ILogger<SessionImport> log)
{
    /// <summary>How much of a file is looked at to decide whether it is MONITOR output at all.</summary>
    public const int SniffBytes = 64 * 1024;

    /// <summary>How a <see cref="EndReasonKind.SourceError"/> of an upload that broke off starts (the API's 400 looks for it).</summary>
    public const string UploadEndedEarly = "the upload ended early";

    /// <param name="force">import even a file that does not look like MONITOR output (empty, or mostly other lines).</param>
    /// <exception cref="InvalidInputException">(field <c>file</c>) the file is empty or not MONITOR output, unless <paramref name="force"/>.</exception>
    public async Task<CaptureSession> ImportAsync(Stream file, string? connectionId, string? requestedBy,
        IProgress<long>? bytesRead = null, CancellationToken ct = default, bool force = false)
    {
        var connection = string.IsNullOrEmpty(connectionId) ? null
            : await connections.GetAsync(connectionId, ct) ?? throw new KeyNotFoundException($"No connection '{connectionId}'.");
        if (requestedBy is { Length: > 200 })
            throw new InvalidInputException("requestedBy", "requestedBy is longer than 200 characters.");

        var entity = new SessionEntity
        {
            Id = Guid.CreateVersion7().ToString("N"),
            ConnectionId = connection?.Id,
            ConnectionName = connection?.Name,
            Status = CaptureStatus.Running.Word(),
            Source = CaptureSource.Import.Word(),
            RequestedBy = string.IsNullOrWhiteSpace(requestedBy) ? null : requestedBy.Trim(),
            StartedAt = DateTime.UtcNow,
            ImportedAt = DateTime.UtcNow,
            Redacted = options.Value.Monitor.RedactValues || connection?.RedactValues == true,
        };
        var counting = bytesRead is null ? file : new ProgressStream(file, bytesRead);
        var reader = PipeReader.Create(counting, new StreamPipeReaderOptions(bufferSize: 256 * 1024, leaveOpen: true));
        if (!force && await SniffAsync(reader, ct) is { } refusal)
        {
            await reader.CompleteAsync();
            throw new InvalidInputException("file", refusal);
        }
        sessions.Notify(await lifecycle.CreateAsync(entity, ct));

        var writer = new CaptureWriter(entity.Id, null, long.MaxValue, long.MaxValue, chunks, tail: null,
            sessions.WriterSettings with { RedactValues = entity.Redacted });
        CaptureEnd end;
        var unterminated = false;
        try
        {
            var read = await MonitorStream.ReadTextAsync(reader, writer, ct);
            await reader.CompleteAsync();
            unterminated = read == MonitorReadEnd.EndOfStreamWithoutNewline;
            // Only a cap stops a file early (an import has none of its own, but a store failure stops the writer too).
            end = read == MonitorReadEnd.SinkStopped ? writer.CapReached ?? CaptureEnd.StorageError("the store stopped the import") : CaptureEnd.SourceEnded;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            log.LogWarning("Import {SessionId} broke off: {Message}", entity.Id, ex.Message);
            end = CaptureEnd.SourceError(UploadEndedEarly + ": " + ex.Message);
        }
        await writer.CompleteAsync();
        if (writer.StoreError is { } storeError) end = CaptureEnd.StorageError(storeError.GetBaseException().Message);

        await writer.DisposeAsync();
        // A capture's time is its lines' (earliest and latest); when it was uploaded is ImportedAt.
        var range = writer.TimeRange;
        var final = CaptureSession.From(entity) with
        {
            Status = end.Status,
            TerminationReason = end.Reason,
            StartedAt = range is var (min, _) ? DateTime.UnixEpoch.AddTicks(min * 10) : entity.StartedAt,
            EndedAt = range is var (_, max) ? DateTime.UnixEpoch.AddTicks(max * 10) : DateTime.UtcNow,
            LineCount = writer.StoredLines,
            ByteCount = writer.StoredBytes,
            MalformedCount = writer.MalformedCount,
            TruncatedLines = writer.TruncatedCount,
            LastLineUnterminated = unterminated,
        };
        final = await lifecycle.EndAsync(final, CancellationToken.None) ?? final;
        sessions.Notify(final);
        return final;
    }

    /// <summary>
    /// Looks at the start of the file without consuming it: null when it reads as MONITOR output, else why not.
    /// A real capture has a stray malformed line now and then (a cut first line, a banner); "most lines are
    /// not MONITOR lines" is a different file.
    /// </summary>
    private static async Task<string?> SniffAsync(PipeReader reader, CancellationToken ct)
    {
        var result = await reader.ReadAtLeastAsync(SniffBytes, ct);
        var buffer = result.Buffer;
        try
        {
            if (buffer.IsEmpty) return "The file is empty: there is nothing to import (send force=true to record an empty session anyway).";
            ReadOnlySpan<byte> head = buffer.Slice(0, Math.Min(buffer.Length, SniffBytes)).ToArray();
            // The last line of the sample may be cut: judge the complete ones, or the one line there is.
            var lastNewline = head.LastIndexOf((byte)'\n');
            if (!result.IsCompleted)
            {
                // A first line longer than the sample (a huge argument) cannot be judged from its start.
                if (lastNewline < 0) return null;
                head = head[..lastNewline];
            }
            int lines = 0, monitor = 0;
            string? example = null;
            foreach (var range in head.Split((byte)'\n'))
            {
                var line = head[range];
                if (line.IsEmpty || (lines == 0 && monitor == 0 && (line.SequenceEqual("OK"u8) || line.SequenceEqual("OK\r"u8)))) continue;
                lines++;
                if (MonitorLineParser.TryParse(line, out _) || TruncatedLine.TryRead(line, out _, out _)) monitor++;
                else example ??= System.Text.Encoding.UTF8.GetString(line[..Math.Min(line.Length, 80)]);
                if (lines == 100) break;
            }
            if (lines == 0) return "The file holds no lines: there is nothing to import (send force=true to record an empty session anyway).";
            if (monitor * 2 >= lines) return null;
            return $"This does not look like redis-cli monitor output: {lines - monitor} of the first {lines} lines are not MONITOR lines " +
                   $"(e.g. \"{example}\"). Send force=true to import it anyway (the lines are kept as they are and counted as malformed).";
        }
        finally
        {
            reader.AdvanceTo(buffer.Start);
        }
    }

    /// <summary>Sets who asked and which connection an import belongs to, when that is known only after the file (multipart fields after it).</summary>
    public async Task<CaptureSession> AssignAsync(string sessionId, string? connectionId, string? requestedBy, CancellationToken ct = default)
    {
        var connection = string.IsNullOrEmpty(connectionId) ? null
            : await connections.GetAsync(connectionId, ct) ?? throw new KeyNotFoundException($"No connection '{connectionId}'.");
        if (requestedBy is { Length: > 200 })
            throw new InvalidInputException("requestedBy", "requestedBy is longer than 200 characters.");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Sessions.FirstAsync(s => s.Id == sessionId, ct);
        // Redaction happens before anything is stored: lines already stored in clear cannot join a redacting connection.
        if (connection is { RedactValues: true } && !row.Redacted)
            throw new InvalidInputException("connectionId",
                $"Connection '{connection.Name}' redacts values, but connectionId came after the file, whose values were already stored as sent: " +
                "send connectionId before the file part, or in the query string.");
        if (connection is not null)
        {
            row.ConnectionId = connection.Id;
            row.ConnectionName = connection.Name;
        }
        if (!string.IsNullOrWhiteSpace(requestedBy)) row.RequestedBy = requestedBy.Trim();
        await db.SaveChangesAsync(ct);
        var session = CaptureSession.From(row);
        sessions.Notify(session);
        return session;
    }

    /// <summary>Removes an imported session again (its fields after the file were refused).</summary>
    public Task DiscardAsync(string sessionId) => sessions.DeleteAsync(sessionId, CancellationToken.None);

    /// <summary>Reports the bytes read so far, for progress bars.</summary>
    private sealed class ProgressStream(Stream inner, IProgress<long> progress) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Counted(await inner.ReadAsync(buffer, ct));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int n)
        {
            _read += n;
            progress.Report(_read);
            return n;
        }
    }
}
