namespace BetterDb.Core.Configuration;

/// <summary>
/// A whole number as API.md means it: ASCII digits only, nothing else. .NET's own parsers also take a sign,
/// surrounding white space and trailing NULs (<c>long.Parse("+5")</c>, <c>"5\0"</c>), which made <c>limit=1%00</c> a 1.
/// </summary>
public static class WholeNumber
{
    /// <summary>Parses <c>[0-9]+</c> within <paramref name="min"/>..<paramref name="max"/>; false for anything else (and on overflow).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, long min, long max, out long value)
    {
        value = 0;
        if (text.IsEmpty) return false;
        foreach (var c in text)
        {
            var digit = (uint)(c - '0');
            if (digit > 9) return false;
            if (value > (long.MaxValue - digit) / 10) return false; // overflow
            value = value * 10 + digit;
        }
        return value >= min && value <= max;
    }
}
