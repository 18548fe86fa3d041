namespace BetterDb.Core.Monitoring;

/// <summary>
/// Receives lines from a MONITOR source. The source calls <see cref="BeginBatch"/>,
/// then <see cref="OnLine"/> (or <see cref="OnTruncatedLine"/>) for each complete line in its
/// read buffer (the span is only valid during the call), then <see cref="EndBatch"/>, all on one
/// thread and without awaiting in between.
/// </summary>
public interface IMonitorLineSink
{
    void BeginBatch();

    /// <summary>One line without its framing ('+' and CRLF, or '\n'). Returns false to stop reading.</summary>
    bool OnLine(ReadOnlySpan<byte> line);

    /// <summary>
    /// A line longer than <see cref="LineLimitBytes"/>: its first <see cref="LineLimitBytes"/> bytes and its
    /// whole length. The source never buffers more of it than that. Returns false to stop reading.
    /// </summary>
    bool OnTruncatedLine(ReadOnlySpan<byte> kept, long lineBytes);

    void EndBatch();

    /// <summary>The longest line kept whole; a source hands longer ones to <see cref="OnTruncatedLine"/>.</summary>
    int LineLimitBytes { get; }

    /// <summary>The longest line the sink could still accept before its byte cap; a source stops rather than buffer a longer one.</summary>
    long MaxLineBytes { get; }

    /// <summary>Called when a line longer than <see cref="MaxLineBytes"/> arrives: the sink records why it stops.</summary>
    void OnOversizedLine(long bytesSoFar);
}
