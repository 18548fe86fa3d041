using BetterDb.Core.Configuration;
using BetterDb.Core.Storage;

namespace BetterDb.Core.Capture;

/// <summary>The session object of API.md.</summary>
public sealed record CaptureSession
{
    public required string Id { get; init; }
    public string? ConnectionId { get; init; }
    public required CaptureStatus Status { get; init; }
    public required CaptureSource Source { get; init; }
    public string? RequestedBy { get; init; }
    public string? TriggerId { get; init; }
    public string? ScheduleId { get; init; }
    public DateTime StartedAt { get; init; }
    public DateTime? EndedAt { get; init; }
    public long DurationMs { get; init; }
    public long ByteCap { get; init; }
    public long LineCap { get; init; }
    public long ByteCount { get; init; }
    public long LineCount { get; init; }
    /// <summary>Lines kept raw because they did not parse as MONITOR output.</summary>
    public long MalformedCount { get; init; }
    public string? TerminationReason { get; init; }
    public string? TargetNode { get; init; }
    /// <summary>Lines of the app's own connections (e.g. the watchdog's PING) left out of the capture.</summary>
    public long OwnLinesDropped { get; init; }
    /// <summary>Lines longer than the line limit, kept cut with their length (additive).</summary>
    public long TruncatedLines { get; init; }

    /// <summary>The connection's name when the session was made (it outlives the connection).</summary>
    public string? ConnectionName { get; init; }
    public string? Label { get; init; }
    public string? Note { get; init; }
    /// <summary>Kept when retention prunes old sessions.</summary>
    public bool Keep { get; init; }
    /// <summary>Values of write commands were replaced by <c>(redacted)</c> before anything was stored or shown.</summary>
    public bool Redacted { get; init; }

    /// <summary>When an import was uploaded; its <see cref="StartedAt"/> and <see cref="EndedAt"/> are the file's earliest and latest line.</summary>
    public DateTime? ImportedAt { get; init; }

    /// <summary>An imported file's last line had no terminator (a txt export keeps it that way).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool LastLineUnterminated { get; init; }
    /// <summary>The safety watchdog's last reading while the capture runs; null once it has ended.</summary>
    public WatchdogSignals? Watchdog { get; init; }
    public IReadOnlyList<NodeSegment>? NodeSegments { get; init; }
    /// <summary>The app process that runs (or ran) the capture (<c>machine/pid/nonce</c>), and where it serves its UI when known.</summary>
    public string? Owner { get; init; }
    public string? OwnerUrl { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsRunning => Status == CaptureStatus.Running;

    /// <summary>Actual duration so far (running) or in all (finished).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan Elapsed => (EndedAt ?? DateTime.UtcNow) - StartedAt;

    /// <summary>The one place a stored session becomes the API's: its status and source words are read here (an unknown one throws).</summary>
    internal static CaptureSession From(SessionEntity e) => new()
    {
        Id = e.Id,
        ConnectionId = e.ConnectionId,
        Status = WireName<CaptureStatus>.Stored(e.Status),
        Source = WireName<CaptureSource>.Stored(e.Source),
        RequestedBy = e.RequestedBy,
        TriggerId = e.TriggerId,
        ScheduleId = e.ScheduleId,
        StartedAt = e.StartedAt,
        EndedAt = e.EndedAt,
        DurationMs = e.DurationMs,
        ByteCap = e.ByteCap,
        LineCap = e.LineCap,
        ByteCount = e.ByteCount,
        LineCount = e.LineCount,
        MalformedCount = e.MalformedCount,
        TerminationReason = e.TerminationReason,
        TargetNode = e.TargetNode,
        OwnLinesDropped = e.OwnLinesDropped,
        TruncatedLines = e.TruncatedLines,
        LastLineUnterminated = e.LastLineUnterminated,
        ImportedAt = e.ImportedAt,
        ConnectionName = e.ConnectionName,
        Label = e.Label,
        Note = e.Note,
        Keep = e.Keep,
        Redacted = e.Redacted,
        NodeSegments = NodeSegment.FromJson(e.NodeSegmentsJson, WireName<CaptureStatus>.Stored(e.Status)),
        Owner = e.OwnerInstance,
        OwnerUrl = e.OwnerUrl,
    };
}

/// <summary>One node's part of a fan-out capture: its own status, counters, end and reason.</summary>
public sealed record NodeSegment(string NodeId, string Address, CaptureStatus Status, long ByteCount, long LineCount, DateTime? EndedAt, string? TerminationReason)
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    internal static string? ToJson(IReadOnlyList<NodeSegment>? segments) =>
        segments is null ? null : System.Text.Json.JsonSerializer.Serialize(segments, Json);

    /// <summary>
    /// The stored segments. A session that is no longer running cannot have a running segment: one stored that way was
    /// cut short with its session (the app stopped), so it reads as the session's own status.
    /// </summary>
    internal static IReadOnlyList<NodeSegment>? FromJson(string? json, CaptureStatus sessionStatus)
    {
        if (string.IsNullOrEmpty(json)) return null;
        var segments = System.Text.Json.JsonSerializer.Deserialize<List<NodeSegment>>(json, Json) ?? [];
        return sessionStatus == CaptureStatus.Running
            ? segments
            : segments.Select(s => s.Status == CaptureStatus.Running ? s with { Status = sessionStatus } : s).ToList();
    }
}

/// <summary>What a caller asks for when starting a capture. Nulls take the defaults.</summary>
public sealed record StartCaptureRequest
{
    public string? ConnectionId { get; init; }
    public long? DurationMs { get; init; }
    public long? ByteCap { get; init; }
    public long? LineCap { get; init; }
    public string? RequestedBy { get; init; }
    public string? TargetNodeId { get; init; }
    public bool? FanOut { get; init; }
    public CaptureSource Source { get; init; } = CaptureSource.Manual;
    public string? TriggerId { get; init; }
    public string? ScheduleId { get; init; }
}

/// <summary>Which sessions a list shows, newest first unless <see cref="Sort"/> says otherwise.</summary>
public sealed record SessionQuery(string? ConnectionId = null, CaptureStatus? Status = null, int Limit = 50, int Offset = 0)
{
    public CaptureSource? Source { get; init; }
    public string? RequestedBy { get; init; }
    public string? ScheduleId { get; init; }
    /// <summary>Substring of the label, note, requester, connection name or id.</summary>
    public string? Search { get; init; }
    public SessionSort Sort { get; init; } = SessionSort.Newest;
}

/// <summary>The sessions list's order; the API's and the Monitor page's <c>sort</c> words are its names in snake_case.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(BetterDb.Core.Configuration.WireEnumConverter<SessionSort>))]
public enum SessionSort { Newest, Oldest, MostLines, MostBytes, Longest }

/// <summary>What a user may change on a session; null leaves a field as it is ("" clears label and note).</summary>
public sealed record SessionEdit(string? Label, string? Note, bool? Keep);
