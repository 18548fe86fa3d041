using System.Text;
using BetterDb.Testing;
using static BetterDb.Tests.Query.ImportHelpers;

namespace BetterDb.Tests.Query;

/// <summary>
/// CSV exports never hand a spreadsheet a formula (issue 9, item 7): a cell that would start with <c>= + - @</c>, a tab or a
/// CR gets OWASP's treatment, a leading single quote inside a quoted field, in every column.
/// </summary>
[Collection(QueryAppCollection.Name)]
public sealed class CsvInjectionTests(QueryAppFixture fx)
{
    private static readonly char[] Dangerous = ['=', '+', '-', '@', '\t', '\r'];

    [Fact]
    public async Task A_formula_in_the_client_address_is_neutralised()
    {
        var session = await ImportAsync(fx.Http, Utf8("1796155161.072685 [0 =cmd|'/C calc'!A0] \"SET\" \"k\" \"v\"\n"));
        var csv = await fx.Http.GetStringAsync($"/api/monitor/sessions/{(string)session["id"]!}/export?format=csv");
        Assert.DoesNotContain(",=cmd", csv);
        Assert.Contains(",\"'=cmd|'/C calc'!A0\",", csv);
        var rows = ParseCsv(csv);
        Assert.Equal(["ts", "ts_raw", "db", "addr", "cmd", "args", "keys"], rows[0]);
        Assert.Equal("'=cmd|'/C calc'!A0", rows[1][3]);
        Assert.Equal("SET", rows[1][4]);
    }

    [Fact]
    public async Task No_cell_of_any_column_starts_with_a_formula_character()
    {
        var lines = new StringBuilder();
        var i = 0;
        foreach (var c in new[] { "=", "+", "-", "@", "\\t", "\\r" })
        {
            var raw = c.Replace("\\t", "\t").Replace("\\r", "\r");
            // The client address, the verb, an argument, a key, and a malformed line (its raw text is the args cell).
            lines.Append($"1700000000.{i++:D6} [0 {raw}1+1] \"GET\" \"k\"\n");
            lines.Append($"1700000000.{i++:D6} [0 127.0.0.1:1] \"{c}SUM(A1)\" \"k\"\n");
            lines.Append($"1700000000.{i++:D6} [0 127.0.0.1:1] \"SET\" \"{c}HYPERLINK(x)\" \"{c}1\"\n");
            lines.Append($"{raw}HYPERLINK(\"http://x\") malformed\n");
        }
        var session = await ImportAsync(fx.Http, Utf8(lines.ToString()));
        var csv = await fx.Http.GetStringAsync($"/api/monitor/sessions/{(string)session["id"]!}/export?format=csv");
        var rows = ParseCsv(csv);
        Assert.Equal(1 + 4 * 6, rows.Count);
        var cells = rows.Skip(1).SelectMany(r => r).ToList();
        Assert.All(cells, cell => Assert.False(cell.Length > 0 && Dangerous.Contains(cell[0]), $"cell starts with a formula character: {cell}"));
        // Neutralised, not dropped: each cell keeps its text after the quote.
        Assert.Contains("'=1+1", cells);
        Assert.Contains("'-SUM(A1)", cells);
        Assert.Contains("'@HYPERLINK(\"http://x\") malformed", cells);
        Assert.Contains("'\t1+1", cells);
        // The args and keys cells start with the quote MONITOR writes: never a formula, left as they are.
        Assert.Contains("\"+HYPERLINK(x)\" \"+1\"", cells);
    }

    /// <summary>RFC 4180: CRLF rows, quoted fields with doubled quotes (CR and LF may sit inside quotes).</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(cell.ToString()); cell.Clear(); }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(cell.ToString());
                cell.Clear();
                rows.Add([.. row]);
                row.Clear();
                i++;
            }
            else cell.Append(c);
        }
        Assert.False(quoted, "the CSV ends inside a quoted field");
        Assert.Equal(0, cell.Length + row.Count);
        return rows;
    }
}
