using System.Text.Json.Serialization;
using BetterDb.Core.Configuration;

namespace BetterDb.Core.Capture;

/// <summary>
/// What started a session, as a type, for the HTTP contract (the <c>source</c> filter of the sessions list). Each
/// member's word is <see cref="SessionSource"/>'s constant, which the stored rows and the UI use.
/// </summary>
[JsonConverter(typeof(WireEnumConverter<CaptureSource>))]
public enum CaptureSource
{
    [JsonStringEnumMemberName(SessionSource.Manual)] Manual,
    [JsonStringEnumMemberName(SessionSource.Trigger)] Trigger,
    [JsonStringEnumMemberName(SessionSource.Schedule)] Schedule,
    [JsonStringEnumMemberName(SessionSource.Import)] Import,
}
