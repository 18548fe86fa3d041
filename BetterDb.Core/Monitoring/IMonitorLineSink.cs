namespace BetterDb.Core.Monitoring;

/// <summary>
/// Receives lines from a MONITOR source. The source calls <see cref="BeginBatch"/>,
/// then <see cref="OnLine"/> for each complete line in its read buffer (the span is
/// only valid during the call), then <see cref="EndBatch"/>, all on one thread and
/// without awaiting in between.
/// </summary>
public interface IMonitorLineSink
{
    void BeginBatch();

    /// <summary>One line without its framing ('+' and CRLF, or '\n'). Returns false to stop reading.</summary>
    bool OnLine(ReadOnlySpan<byte> line);

    void EndBatch();

    /// <summary>The longest line the sink could still accept; a source stops rather than buffer a longer one.</summary>
    long MaxLineBytes { get; }

    /// <summary>Called when a line longer than <see cref="MaxLineBytes"/> arrives: the sink records why it stops.</summary>
    void OnOversizedLine(long bytesSoFar);
}
