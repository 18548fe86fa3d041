using System.Text.Json.Serialization;
using BetterDb.Core.Configuration;

namespace BetterDb.Core.Replay;

/// <summary>Why a captured line was not sent (the report's <c>skipped</c> by reason).</summary>
[JsonConverter(typeof(WireEnumConverter<ReplaySkipReason>))]
public enum ReplaySkipReason
{
    /// <summary>The line did not parse as MONITOR output (kept raw in the capture).</summary>
    [JsonStringEnumMemberName("malformed")] Malformed,
    /// <summary>A script's own call (<c>[db lua]</c>): the EVAL/FCALL that ran it is sent, and runs it again.</summary>
    [JsonStringEnumMemberName("lua")] Lua,
    /// <summary>AUTH and HELLO: a replay connection authenticates as its target's profile, never as the captured client.</summary>
    [JsonStringEnumMemberName("auth")] Auth,
    /// <summary>On the run's denylist.</summary>
    [JsonStringEnumMemberName("denylisted")] Denylisted,
    /// <summary>
    /// Commands that change what the connection is (MONITOR, the SUBSCRIBE family, QUIT, RESET): the replay could not read
    /// the replies that follow, so they are never sent, denylist or not.
    /// </summary>
    [JsonStringEnumMemberName("connection_state")] ConnectionState,
    /// <summary>SELECT itself: each line carries its db, and the replay selects it on the connection when it changes.</summary>
    [JsonStringEnumMemberName("select")] Select,
    /// <summary>Commands after a MULTI whose EXEC or DISCARD is not in the replayed lines: sending them would leave a transaction open.</summary>
    [JsonStringEnumMemberName("unfinished_transaction")] UnfinishedTransaction,
}
