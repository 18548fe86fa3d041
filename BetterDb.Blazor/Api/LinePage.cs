using BetterDb.Core.Lines;

namespace BetterDb.Blazor.Api;

/// <summary>
/// The answer of <c>GET /api/monitor/sessions/{id}/lines</c>: <c>{sessionId, offset, limit, lines, warnings}</c>, the
/// filter's warnings (e.g. a key pattern that can match nothing) beside the page they shaped.
/// </summary>
public sealed record LinePage(string SessionId, long Offset, int Limit, IReadOnlyList<MonitorLine> Lines, IReadOnlyList<FilterWarning> Warnings);
