using System.Text.Json.Serialization;
using BetterDb.Core.Configuration;

namespace BetterDb.Core.Capture;

/// <summary>
/// A session's status as a type, for the HTTP contract (the <c>status</c> filter of the sessions list). Each member's
/// word is <see cref="SessionStatus"/>'s constant, which the stored rows and the UI use.
/// </summary>
[JsonConverter(typeof(WireEnumConverter<CaptureStatus>))]
public enum CaptureStatus
{
    [JsonStringEnumMemberName(SessionStatus.Running)] Running,
    [JsonStringEnumMemberName(SessionStatus.Completed)] Completed,
    [JsonStringEnumMemberName(SessionStatus.Truncated)] Truncated,
    [JsonStringEnumMemberName(SessionStatus.Failed)] Failed,
    [JsonStringEnumMemberName(SessionStatus.Skipped)] Skipped,
    [JsonStringEnumMemberName(SessionStatus.Interrupted)] Interrupted,
}
