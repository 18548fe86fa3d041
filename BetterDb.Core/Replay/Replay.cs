using System.Text.Json;
using System.Text.Json.Serialization;
using BetterDb.Core.Configuration;
using BetterDb.Core.Lines;
using BetterDb.Core.Storage;

namespace BetterDb.Core.Replay;

[JsonConverter(typeof(WireEnumConverter<ReplayStatus>))]
public enum ReplayStatus
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>The line filter of a replay request: the export's filters (API.md), as JSON values.</summary>
public sealed record ReplayFilterInput(string? Command = null, string? Client = null, string? Key = null, int? Db = null, long? AfterTs = null,
    long? BeforeTs = null, string? Text = null, string? Node = null)
{
    /// <summary>The filter; a bad value throws <see cref="InvalidInputException"/> naming <c>filter.&lt;field&gt;</c>.</summary>
    public LineFilter ToFilter()
    {
        var values = new Dictionary<string, string?>
        {
            ["command"] = Command, ["client"] = Client, ["key"] = Key, ["db"] = Db?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["afterTs"] = AfterTs?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["beforeTs"] = BeforeTs?.ToString(System.Globalization.CultureInfo.InvariantCulture), ["text"] = Text, ["node"] = Node,
        };
        try
        {
            return LineFilter.Parse(name => values.GetValueOrDefault(name));
        }
        catch (InvalidInputException ex)
        {
            throw new InvalidInputException($"filter.{ex.Field}", ex.Message);
        }
    }
}

/// <summary>The body of <c>POST /api/monitor/sessions/{id}/replay</c> (API.md's Replay section; <c>maxBlockMs</c> and <c>requestedBy</c> are additive).</summary>
public sealed record ReplayRequest
{
    public string? TargetConnectionId { get; init; }
    public ReplayPace? Pace { get; init; }
    public ReplayConcurrency? Connections { get; init; }
    public bool? DryRun { get; init; }
    public bool? AllowSourceConnection { get; init; }
    /// <summary>Replaces the default denylist for this run; an empty list denies nothing; null keeps the default.</summary>
    public IReadOnlyList<string?>? Denylist { get; init; }
    public ReplayFilterInput? Filter { get; init; }
    public int? MaxBlockMs { get; init; }
    public string? RequestedBy { get; init; }
}

/// <summary>The replay object of API.md: live counters while it runs, the report once it has ended.</summary>
public sealed record ReplayRun
{
    public required string Id { get; init; }
    public required string SessionId { get; init; }
    public required string TargetConnectionId { get; init; }
    public required ReplayStatus Status { get; init; }
    public required ReplayPace Pace { get; init; }
    public long Sent { get; init; }
    public long Skipped { get; init; }
    public long Errors { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? EndedAt { get; init; }
    public ReplayReport? Report { get; init; }

    // Additive.
    public required ReplayConcurrency Connections { get; init; }
    public bool DryRun { get; init; }
    public bool AllowSourceConnection { get; init; }
    public IReadOnlyList<string> Denylist { get; init; } = [];
    public int MaxBlockMs { get; init; }
    /// <summary>The filter as the export's query string (<c>command=SET&amp;db=0</c>); "" for every line.</summary>
    public string Filter { get; init; } = "";
    public string? RequestedBy { get; init; }
    public DateTime CreatedAt { get; init; }
    public long LinesRead { get; init; }
    public long LinesTotal { get; init; }
    /// <summary>Why it failed (the target's or the socket's words), when it did.</summary>
    public string? Error { get; init; }
    public bool CancelRequested { get; init; }

    [JsonIgnore] public bool IsActive => Status is ReplayStatus.Queued or ReplayStatus.Running;

    internal static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    internal static ReplayRun From(ReplayEntity e) => new()
    {
        Id = e.Id,
        SessionId = e.SessionId,
        TargetConnectionId = e.TargetConnectionId,
        Status = WireName<ReplayStatus>.Stored(e.Status),
        Pace = ReplayPace.TryParse(e.Pace, out var pace) ? pace : throw new InvalidDataException($"The stored pace '{e.Pace}' is not a pace."),
        Connections = ReplayConcurrency.TryParse(e.Connections, out var c) ? c : throw new InvalidDataException($"The stored connections '{e.Connections}' is not valid."),
        Sent = e.Sent,
        Skipped = e.Skipped,
        Errors = e.Errors,
        StartedAt = e.StartedAt,
        EndedAt = e.EndedAt,
        Report = e.ReportJson is null ? null : JsonSerializer.Deserialize<ReplayReport>(e.ReportJson, ReportJson),
        DryRun = e.DryRun,
        AllowSourceConnection = e.AllowSourceConnection,
        Denylist = JsonSerializer.Deserialize<List<string>>(e.Denylist) ?? [],
        MaxBlockMs = e.MaxBlockMs,
        Filter = e.Filter,
        RequestedBy = e.RequestedBy,
        CreatedAt = e.CreatedAt,
        LinesRead = e.LinesRead,
        LinesTotal = e.LinesTotal,
        Error = e.Error,
        CancelRequested = e.CancelRequested,
    };
}
