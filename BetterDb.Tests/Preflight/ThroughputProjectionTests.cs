using BetterDb.Core.Capture;
using BetterDb.Core.Preflight;

namespace BetterDb.Tests.Preflight;

public sealed class ThroughputProjectionTests
{
    [Fact]
    public void Ops_per_sec_is_the_counter_delta_over_elapsed_minus_our_own_INFO()
    {
        Assert.Equal(1000, ThroughputProjection.OpsPerSec(10_000, 12_001, TimeSpan.FromSeconds(2)));
        Assert.Equal(0, ThroughputProjection.OpsPerSec(10_000, 10_001, TimeSpan.FromSeconds(1))); // only our INFO ran
        Assert.Equal(0, ThroughputProjection.OpsPerSec(10_000, 5, TimeSpan.FromSeconds(1))); // restarted in between
        Assert.Equal(0, ThroughputProjection.OpsPerSec(1, 100, TimeSpan.Zero));
    }

    [Fact]
    public void Projection_below_the_caps_ends_by_duration()
    {
        var e = ThroughputProjection.Project(100, 30_000, 80, "default", null, byteCap: 52_428_800, lineCap: 5_000_000, sampleWindowMs: 1000);
        Assert.Equal(3000, e.EstimatedLines);
        Assert.Equal(240_000, e.EstimatedBytes);
        Assert.Null(e.CapHit);
        Assert.Equal("duration_cap", e.EndsBy);
        Assert.Equal(30_000, e.EndsAfterMs);
    }

    [Fact]
    public void The_byte_cap_ends_it_when_bytes_run_out_first()
    {
        // 10,000 ops/s * 100 B = 1 MB/s; 50 MB cap -> 52.4 s; lines reach 5 M only after 500 s.
        var e = ThroughputProjection.Project(10_000, 300_000, 100, "last_capture", "s1", byteCap: 52_428_800, lineCap: 5_000_000, sampleWindowMs: 1000);
        Assert.Equal(3_000_000, e.EstimatedLines);
        Assert.Equal(300_000_000, e.EstimatedBytes);
        Assert.Equal(CaptureEnd.ByteCap.Reason, e.CapHit);
        Assert.Equal("byte_cap", e.EndsBy);
        Assert.Equal(52_429, e.EndsAfterMs); // 52,428.8 ms rounded up
    }

    [Fact]
    public void The_line_cap_ends_it_when_lines_run_out_first()
    {
        // Tiny lines: 100,000 ops/s * 20 B = 2 MB/s -> byte cap after 26 s, line cap (1 M) after 10 s.
        var e = ThroughputProjection.Project(100_000, 60_000, 20, "last_capture", "s1", byteCap: 52_428_800, lineCap: 1_000_000, sampleWindowMs: 1000);
        Assert.Equal(CaptureEnd.LineCap.Reason, e.CapHit);
        Assert.Equal(10_000, e.EndsAfterMs);
    }

    [Fact]
    public void Reaching_the_line_cap_exactly_ends_it_as_the_writer_does()
    {
        var e = ThroughputProjection.Project(1000, 10_000, 50, "default", null, byteCap: long.MaxValue, lineCap: 10_000, sampleWindowMs: 1000);
        Assert.Equal(10_000, e.EstimatedLines);
        Assert.Equal("line_cap", e.CapHit);
    }

    [Fact]
    public void An_idle_server_never_hits_a_cap()
    {
        var e = ThroughputProjection.Project(0, 86_400_000, 80, "default", null, 1, 1, 1000);
        Assert.Equal(0, e.EstimatedLines);
        Assert.Null(e.CapHit);
        Assert.Equal(86_400_000, e.EndsAfterMs);
    }

    private static CaptureSession Session(string id, CaptureStatus status, long lines, long bytes) => new()
    {
        Id = id, Status = status, Source = CaptureSource.Manual, LineCount = lines, ByteCount = bytes, StartedAt = DateTime.UtcNow,
    };

    [Fact]
    public void Line_size_comes_from_the_newest_finished_capture_with_lines()
    {
        var sessions = new[]
        {
            Session("running", CaptureStatus.Running, 100, 99_999),
            Session("empty", CaptureStatus.Completed, 0, 0),
            Session("last", CaptureStatus.Truncated, 1000, 63_500),
            Session("older", CaptureStatus.Completed, 10, 10_000),
        };
        var (avg, source, id) = ThroughputProjection.LineSize(sessions);
        Assert.Equal(63.5, avg);
        Assert.Equal("last_capture", source);
        Assert.Equal("last", id);
    }

    [Fact]
    public void Without_a_finished_capture_the_documented_constant_is_used()
    {
        var (avg, source, id) = ThroughputProjection.LineSize([Session("running", CaptureStatus.Running, 5, 500)]);
        Assert.Equal(ThroughputProjection.DefaultAvgLineBytes, avg);
        Assert.Equal("default", source);
        Assert.Null(id);
    }

    [Fact]
    public void Estimate_warnings_follow_the_estimate()
    {
        var capped = ThroughputProjection.Project(10_000, 300_000, 100, "default", null, 52_428_800, 5_000_000, 1000);
        var warnings = PreflightService.EstimateWarnings(capped);
        Assert.Contains(warnings, w => w.Code == PreflightWarning.CapHit && w.Message.Contains("byte cap") && w.Message.Contains("after about 52 s")
                                       && w.Message.Contains("before the requested 5 min"));
        Assert.Contains(warnings, w => w.Code == PreflightWarning.BusyServer);
        Assert.Empty(PreflightService.EstimateWarnings(ThroughputProjection.Project(10, 30_000, 80, "default", null, 52_428_800, 5_000_000, 1000)));
    }
}
