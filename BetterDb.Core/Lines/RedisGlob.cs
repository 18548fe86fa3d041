using System.Text;

namespace BetterDb.Core.Lines;

/// <summary>
/// Redis glob patterns (as in <c>KEYS</c> and <c>SCAN MATCH</c>): <c>*</c>, <c>?</c>, <c>[abc]</c>,
/// <c>[^a]</c>, <c>[a-z]</c> and <c>\</c> escapes, with the edge cases of Redis's
/// <c>stringmatchlen</c> (an unclosed class ends at the end of the pattern, a reversed range
/// is swapped, a trailing backslash is literal).
/// Hand-written because Redis's own matcher backtracks on <c>*</c>: a hostile pattern of many
/// stars costs it exponential time, while this one simulates all positions at once
/// (a set of pattern states per input byte), so a match costs O(input × pattern) at worst
/// and the common shapes (literal, prefix*, *suffix) take a direct path.
/// </summary>
public sealed class RedisGlob
{
    private enum Kind : byte { Literal, Any, Class, Star }

    private readonly struct Token(Kind kind, byte literal = 0, bool[]? set = null)
    {
        public readonly Kind Kind = kind;
        public readonly byte Literal = literal;
        public readonly bool[]? Set = set; // 256 entries, negation already applied

        public bool Accepts(byte b) => Kind switch
        {
            Kind.Literal => b == Literal,
            Kind.Any => true,
            Kind.Class => Set![b],
            _ => false,
        };
    }

    private readonly Token[] _tokens;
    private readonly byte[]? _literal;     // whole pattern is a literal
    private readonly byte[]? _prefix;      // literal followed by one star
    private readonly byte[]? _suffix;      // one star followed by a literal

    public RedisGlob(string pattern) : this(Encoding.UTF8.GetBytes(pattern)) => Pattern = pattern;

    public RedisGlob(ReadOnlySpan<byte> pattern)
    {
        Pattern ??= Encoding.UTF8.GetString(pattern);
        _tokens = Compile(pattern);
        var stars = _tokens.Count(t => t.Kind == Kind.Star);
        var onlyLiterals = _tokens.All(t => t.Kind is Kind.Literal or Kind.Star);
        if (onlyLiterals && stars == 0) _literal = Literals(0, _tokens.Length);
        else if (onlyLiterals && stars == 1 && _tokens[^1].Kind == Kind.Star) _prefix = Literals(0, _tokens.Length - 1);
        else if (onlyLiterals && stars == 1 && _tokens[0].Kind == Kind.Star) _suffix = Literals(1, _tokens.Length);
    }

    public string Pattern { get; }

    /// <summary>True when the pattern matches everything (<c>*</c>).</summary>
    public bool MatchesAll => _prefix is { Length: 0 };

    public bool IsMatch(string text) => IsMatch(Encoding.UTF8.GetBytes(text));

    public bool IsMatch(ReadOnlySpan<byte> text)
    {
        if (_literal is not null) return text.SequenceEqual(_literal);
        if (_prefix is not null) return text.StartsWith(_prefix);
        if (_suffix is not null) return text.EndsWith(_suffix);
        return Simulate(text);
    }

    private bool Simulate(ReadOnlySpan<byte> text)
    {
        var n = _tokens.Length;
        // state[i]: the first i tokens can match the input read so far.
        Span<bool> current = n < 512 ? stackalloc bool[n + 1] : new bool[n + 1];
        Span<bool> next = n < 512 ? stackalloc bool[n + 1] : new bool[n + 1];
        current.Clear();
        current[0] = true;
        CloseOverStars(current);
        foreach (var b in text)
        {
            next.Clear();
            var any = false;
            for (var i = 0; i < n; i++)
            {
                if (!current[i]) continue;
                var t = _tokens[i];
                if (t.Kind == Kind.Star) { next[i] = true; any = true; }
                else if (t.Accepts(b)) { next[i + 1] = true; any = true; }
            }
            if (!any) return false;
            CloseOverStars(next);
            var swap = current;
            current = next;
            next = swap;
        }
        return current[n];
    }

    /// <summary>A star may match nothing: a state before a star is also a state after it.</summary>
    private void CloseOverStars(Span<bool> states)
    {
        for (var i = 0; i < _tokens.Length; i++)
            if (states[i] && _tokens[i].Kind == Kind.Star) states[i + 1] = true;
    }

    private byte[] Literals(int from, int to)
    {
        var bytes = new byte[to - from];
        for (var i = from; i < to; i++) bytes[i - from] = _tokens[i].Literal;
        return bytes;
    }

    private static Token[] Compile(ReadOnlySpan<byte> p)
    {
        var tokens = new List<Token>(p.Length);
        var i = 0;
        while (i < p.Length)
        {
            var c = p[i];
            switch (c)
            {
                case (byte)'*':
                    if (tokens.Count == 0 || tokens[^1].Kind != Kind.Star) tokens.Add(new Token(Kind.Star));
                    i++;
                    break;
                case (byte)'?':
                    tokens.Add(new Token(Kind.Any));
                    i++;
                    break;
                case (byte)'[':
                    tokens.Add(CompileClass(p, ref i));
                    break;
                case (byte)'\\' when i + 1 < p.Length:
                    tokens.Add(new Token(Kind.Literal, p[i + 1]));
                    i += 2;
                    break;
                default:
                    tokens.Add(new Token(Kind.Literal, c));
                    i++;
                    break;
            }
        }
        return tokens.ToArray();
    }

    /// <summary>Follows stringmatchlen's class loop, quirks included.</summary>
    private static Token CompileClass(ReadOnlySpan<byte> p, ref int i)
    {
        i++; // '['
        var negate = i < p.Length && p[i] == (byte)'^';
        if (negate) i++;
        var set = new bool[256];
        while (true)
        {
            var left = p.Length - i;
            if (left >= 2 && p[i] == (byte)'\\')
            {
                set[p[i + 1]] = true;
                i += 2;
            }
            else if (left == 0)
            {
                break; // unclosed: the class ends with the pattern
            }
            else if (p[i] == (byte)']')
            {
                i++;
                break;
            }
            else if (left >= 3 && p[i + 1] == (byte)'-')
            {
                int start = p[i], end = p[i + 2];
                if (start > end) (start, end) = (end, start);
                for (var b = start; b <= end; b++) set[b] = true;
                i += 3;
            }
            else
            {
                set[p[i]] = true;
                i++;
            }
        }
        if (negate)
            for (var b = 0; b < 256; b++) set[b] = !set[b];
        return new Token(Kind.Class, set: set);
    }
}
