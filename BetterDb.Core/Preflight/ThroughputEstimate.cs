using BetterDb.Core.Capture;

namespace BetterDb.Core.Preflight;

/// <summary>The <c>estimate</c> part of the pre-flight report. The first four fields are API.md's.</summary>
/// <param name="EstimatedLines">lines the requested duration would produce at the measured rate, ignoring the caps.</param>
/// <param name="EstimatedBytes"><paramref name="EstimatedLines"/> times <paramref name="AvgLineBytes"/>.</param>
/// <param name="LineSizeSource"><c>last_capture</c> (byteCount/lineCount of <paramref name="LineSizeSessionId"/>) or <c>default</c> (<see cref="ThroughputProjection.DefaultAvgLineBytes"/>).</param>
/// <param name="CapHit"><c>byte_cap</c> or <c>line_cap</c> when the projection reaches one before the duration ends; else null.</param>
/// <param name="EndsBy">what will end the capture: <c>duration_cap</c>, <c>byte_cap</c> or <c>line_cap</c>.</param>
/// <param name="EndsAfterMs">when, from the start, at the measured rate.</param>
/// <param name="SampleWindowMs">how long ops/sec was measured over.</param>
/// <param name="OpsMeasured">false when INFO was refused and <paramref name="OpsPerSec"/> is 0 for want of a measurement.</param>
public sealed record ThroughputEstimate(
    double OpsPerSec,
    long DurationMs,
    long EstimatedLines,
    long EstimatedBytes,
    double AvgLineBytes,
    string LineSizeSource,
    string? LineSizeSessionId,
    long ByteCap,
    long LineCap,
    string? CapHit,
    string EndsBy,
    long EndsAfterMs,
    long SampleWindowMs,
    bool OpsMeasured = true);

/// <summary>Projects what a capture will hold and which limit will end it (pure).</summary>
public static class ThroughputProjection
{
    /// <summary>
    /// Average MONITOR line size (including its newline, as captures count bytes) used when
    /// this connection has no finished capture to learn from. A typical line,
    /// <c>1732958593.123456 [0 10.0.0.5:51234] "GET" "user:1000:profile"</c>, is 60-90 bytes.
    /// </summary>
    public const int DefaultAvgLineBytes = 80;

    public const string LineSizeFromLastCapture = "last_capture";
    public const string LineSizeDefault = "default";

    /// <summary>
    /// Commands per second between two INFO samples from the same connection. The counter
    /// includes the first INFO itself (a command is counted after it runs, so each INFO's
    /// reply excludes itself): <paramref name="ownCommands"/> takes it back out.
    /// </summary>
    public static double OpsPerSec(long totalCommandsBefore, long totalCommandsAfter, TimeSpan elapsed, int ownCommands = 1)
    {
        if (elapsed <= TimeSpan.Zero) return 0;
        var delta = totalCommandsAfter - totalCommandsBefore - ownCommands;
        // A restart between the samples resets the counter: no defensible rate then.
        if (delta <= 0) return 0;
        return Math.Round(delta / elapsed.TotalSeconds, 1);
    }

    /// <summary>The average line size of the newest finished capture that stored lines, else the default.</summary>
    /// <param name="recent">this connection's sessions, newest first.</param>
    public static (double AvgLineBytes, string Source, string? SessionId) LineSize(IEnumerable<CaptureSession> recent)
    {
        var last = recent.FirstOrDefault(s => !s.IsRunning && s.LineCount > 0 && s.ByteCount > 0);
        return last is null
            ? (DefaultAvgLineBytes, LineSizeDefault, null)
            : (Math.Round((double)last.ByteCount / last.LineCount, 1), LineSizeFromLastCapture, last.Id);
    }

    public static ThroughputEstimate Project(double opsPerSec, long durationMs, double avgLineBytes, string lineSizeSource, string? lineSizeSessionId,
        long byteCap, long lineCap, long sampleWindowMs, bool opsMeasured = true)
    {
        opsPerSec = Math.Max(0, opsPerSec);
        var lines = (long)Math.Round(opsPerSec * durationMs / 1000.0);
        var bytes = (long)Math.Round(lines * avgLineBytes);

        // The writer ends a capture when the line count reaches lineCap, or when the next line would pass byteCap.
        double? msToLineCap = opsPerSec > 0 ? lineCap / opsPerSec * 1000 : null;
        double? msToByteCap = opsPerSec > 0 && avgLineBytes > 0 ? byteCap / (opsPerSec * avgLineBytes) * 1000 : null;
        var lineHit = lines >= lineCap && msToLineCap is not null;
        var byteHit = bytes > byteCap && msToByteCap is not null;

        string? capHit = null;
        var endsAfter = (double)durationMs;
        if (byteHit && (!lineHit || msToByteCap <= msToLineCap))
        {
            capHit = EndReasonKind.ByteCap;
            endsAfter = msToByteCap!.Value;
        }
        else if (lineHit)
        {
            capHit = EndReasonKind.LineCap;
            endsAfter = msToLineCap!.Value;
        }
        var endsAfterMs = Math.Min(durationMs, (long)Math.Ceiling(endsAfter));
        return new ThroughputEstimate(opsPerSec, durationMs, lines, bytes, avgLineBytes, lineSizeSource, lineSizeSessionId,
            byteCap, lineCap, capHit, capHit ?? EndReasonKind.DurationCap, endsAfterMs, sampleWindowMs, opsMeasured);
    }
}
