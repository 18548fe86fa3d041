using BetterDb.Core.Capture;
using BetterDb.Core.Lines;

namespace BetterDb.Blazor.Ui;

/// <summary>
/// A page of a session's lines that pass a filter, each with its line number in the whole session (what the detail
/// panel shows), not its place among the matches. <see cref="SessionLines.ReadAsync"/> returns the matches without
/// their numbers, so this scans every stored line itself and applies the filter on the way; a page starts where the
/// previous one stopped (<paramref name="fromLine"/>), so going forward costs one page of reading, not all before it.
/// </summary>
/// <remarks>
/// Until the core can number filtered lines (see the report: <c>SessionLines.ReadNumberedAsync</c>), a time filter here
/// decompresses chunks outside its window too.
/// </remarks>
public static class NumberedLines
{
    /// <param name="fromLine">the session line to start scanning at (the line after the previous page's last match)</param>
    /// <param name="limit">matches to return; one more is looked for, to know whether another page exists</param>
    public static async Task<NumberedPage> ReadAsync(SessionLines lines, string sessionId, long fromLine, int limit, LineFilter filter,
        KeySpecTable? keySpecs, CancellationToken ct)
    {
        var visitor = new Visitor(lines, fromLine, limit, filter, keySpecs ?? KeySpecTable.BuiltIn);
        await lines.ScanAsync(sessionId, LineFilter.None, visitor, ct, fromLine);
        return new NumberedPage(visitor.Found, visitor.HasMore, visitor.NextLine);
    }

    private sealed class Visitor(SessionLines lines, long fromLine, int limit, LineFilter filter, KeySpecTable keySpecs) : ILineVisitor
    {
        private long _line = fromLine;
        public List<(long Line, MonitorLine Value)> Found { get; } = [];
        public bool HasMore { get; private set; }
        /// <summary>Where the next page starts scanning: after the last match returned.</summary>
        public long NextLine { get; private set; } = fromLine;

        public bool Visit(ReadOnlySpan<byte> raw, string? nodeId)
        {
            var number = _line++;
            // The scan reads every node (so numbers are the session's); a node filter is checked here, per line.
            if ((filter.Node is not null && nodeId != filter.Node) || !filter.Matches(raw, keySpecs)) return true;
            if (Found.Count == limit)
            {
                HasMore = true;
                return false;
            }
            Found.Add((number, lines.ToLine(raw, nodeId, keySpecs)));
            NextLine = number + 1;
            return true;
        }

        public ValueTask AfterChunkAsync(CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Matches with their session line numbers; <see cref="NextLine"/> is where the following page starts.</summary>
public sealed record NumberedPage(IReadOnlyList<(long Line, MonitorLine Value)> Lines, bool HasMore, long NextLine);
