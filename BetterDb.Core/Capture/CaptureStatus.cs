using System.Text.Json.Serialization;
using BetterDb.Core.Configuration;

namespace BetterDb.Core.Capture;

/// <summary>
/// A session's status (API.md's <c>status</c>): the same word (<see cref="WireName{TEnum}"/>) in JSON, in query strings,
/// in the UI and in the sessions table's <c>Status</c> column. Each word is spelled out on its member (the one list of them) because only a named member reads back exactly: the
/// framework reads a bare member name in any case ("Running").
/// </summary>
[JsonConverter(typeof(WireEnumConverter<CaptureStatus>))]
public enum CaptureStatus
{
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("truncated")] Truncated,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("skipped")] Skipped,
    [JsonStringEnumMemberName("interrupted")] Interrupted,
}
