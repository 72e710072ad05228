namespace Gatehouse.Core.Tests.Addresses;

/// <summary>
/// Reads the golden tables of the address tests: one case per line, <c>input → expectation</c>;
/// blank lines and lines starting with <c>#</c> are comments. Adding a case needs no C#.
/// </summary>
/// <remarks>
/// Inputs are trimmed; the four characters <c>\r\n</c> in an input stand for CR LF, so folded header
/// fields fit on one line, and the two characters <c>\t</c> for a tab. No address in the tables contains <c>→</c>.
/// </remarks>
internal static class GoldenTable
{
    public static TheoryData<string, string> Rows(string table)
    {
        var rows = new TheoryData<string, string>();
        foreach (var raw in table.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var arrow = line.IndexOf('→', StringComparison.Ordinal);
            if (arrow < 0) throw new FormatException($"golden table line has no '→': {line}");
            var input = line[..arrow].Trim().Replace("\\r\\n", "\r\n", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal);
            rows.Add(input, line[(arrow + 1)..].Trim());
        }
        return rows;
    }
}
