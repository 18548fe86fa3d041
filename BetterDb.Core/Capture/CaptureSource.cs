using System.Text.Json.Serialization;
using BetterDb.Core.Configuration;

namespace BetterDb.Core.Capture;

/// <summary>
/// What started a session (API.md's <c>source</c>): the same word (<see cref="WireName{TEnum}"/>) in JSON, in query
/// strings and in the sessions table's <c>Source</c> column. Each word is spelled out on its member (the one list of them) because only a named member reads back exactly: the
/// framework reads a bare member name in any case ("Running").
/// </summary>
[JsonConverter(typeof(WireEnumConverter<CaptureSource>))]
public enum CaptureSource
{
    [JsonStringEnumMemberName("manual")] Manual,
    [JsonStringEnumMemberName("trigger")] Trigger,
    [JsonStringEnumMemberName("schedule")] Schedule,
    [JsonStringEnumMemberName("import")] Import,
}
