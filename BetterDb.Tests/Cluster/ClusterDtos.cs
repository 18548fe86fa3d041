namespace BetterDb.Tests.Cluster;

// GET /api/connections/{id}/nodes and POST /api/connections/{id}/test, as API.md describes them (what the cluster tests read).

internal sealed record SlotDto(int Start, int End);

internal sealed record NodeDto(string Id, string Address, string Role, bool Healthy, string Host, int Port, string? PrimaryId,
    SlotDto[] Slots, string Health, bool Myself);

internal sealed record NodesDto(bool IsCluster, NodeDto[] Nodes, string? Error);

internal sealed record ConnectionTestDto(bool Ok, string? Mode, int? Primaries, int? Replicas, int? UnhealthyNodes, string? Error);
