using BetterDb.Core.Connections;

namespace BetterDb.Tests.Preflight;

/// <summary>Builds RESP replies as RespConnection would parse them, for unit tests of reply readers.</summary>
internal static class Resp
{
    public static RespReply Bulk(string? text) => new('$', text);
    public static RespReply Simple(string text) => new('+', text);
    public static RespReply Error(string text) => new('-', text);
    public static RespReply Arr(params RespReply[] items) => new('*', null, items.Length, items);
    public static RespReply NilArray() => new('*', null);
    public static RespReply Strings(params string[] items) => Arr(items.Select(Bulk).ToArray());

    /// <summary>A flat <c>[k, v, k, v]</c> array; string values become bulk strings.</summary>
    public static RespReply Map(params (string Key, object Value)[] pairs) =>
        Arr(pairs.SelectMany(p => new[] { Bulk(p.Key), p.Value as RespReply ?? Bulk((string)p.Value) }).ToArray());
}
