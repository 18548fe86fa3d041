using System.Text;

namespace BetterDb.Core.Lines;

/// <summary>
/// Redis glob patterns (as in <c>KEYS</c> and <c>SCAN MATCH</c>): <c>*</c>, <c>?</c>, <c>[abc]</c>,
/// <c>[^a]</c>, <c>[a-z]</c> and <c>\</c> escapes, with the edge cases of Redis's
/// <c>stringmatchlen</c> (util.c) reproduced on purpose, so a filter selects what <c>SCAN MATCH</c> would:
/// <list type="bullet">
/// <item>an unclosed class ends at the end of the pattern (<c>[abc</c> is the class <c>abc</c>); <c>[</c> alone matches nothing, <c>[^</c> any byte;</item>
/// <item><c>[]</c> is an empty class (never matches); <c>[^]</c> matches any one byte;</item>
/// <item>a reversed range <c>[z-a]</c> is swapped; <c>[a-]</c> is the range from <c>a</c> to <c>]</c> and leaves the class open;</item>
/// <item>range ends compare as C <c>char</c>, which is signed on x86-64 where Redis runs: bytes 0x80..0xff sort
///   before 0x00, so <c>[a-\xff]</c> holds 0x80..0xff and 0x00..'a';</item>
/// <item><c>\</c> escapes the next byte inside and outside classes; a trailing <c>\</c> is a literal backslash;</item>
/// <item>an empty string matches only the empty pattern, except that <c>*</c> alone matches everything
///   (KEYS and SCAN take a shortcut for it before calling the matcher).</item>
/// </list>
/// Hand-written because Redis's own matcher backtracks on <c>*</c> (a hostile pattern of many stars costs it
/// exponential time before 7.0.9) and no .NET glob library follows these rules: this one simulates all pattern
/// positions at once (a set of states per input byte), so a match costs O(input × pattern) at worst, and the
/// common shapes (literal, <c>prefix*</c>, <c>*suffix</c>, <c>*infix*</c>) take a direct path.
/// </summary>
public sealed class RedisGlob
{
    private enum Kind : byte { Literal, Any, Class, Star }

    private readonly struct Token(Kind kind, byte literal = 0, bool[]? set = null)
    {
        public readonly Kind Kind = kind;
        public readonly byte Literal = literal;
        public readonly bool[]? Set = set; // 256 entries, negation already applied
    }

    private readonly Token[] _tokens;
    private readonly bool _matchesEmpty;
    private readonly Shape _shape;
    private readonly byte[] _literal = [];  // the literal part of a simple shape

    private enum Shape : byte { General, Literal, Prefix, Suffix, Infix }

    public RedisGlob(string pattern) : this(Encoding.UTF8.GetBytes(pattern), pattern) { }

    public RedisGlob(ReadOnlySpan<byte> pattern) : this(pattern, null) { }

    private RedisGlob(ReadOnlySpan<byte> pattern, string? text)
    {
        Pattern = text ?? Encoding.UTF8.GetString(pattern);
        _tokens = Compile(pattern);
        _matchesEmpty = pattern.IsEmpty || pattern.SequenceEqual("*"u8);

        var stars = _tokens.Count(t => t.Kind == Kind.Star);
        var literalsOnly = _tokens.All(t => t.Kind is Kind.Literal or Kind.Star);
        if (!literalsOnly) return;
        var n = _tokens.Length;
        if (stars == 0) (_shape, _literal) = (Shape.Literal, Literals(0, n));
        else if (stars == 1 && _tokens[^1].Kind == Kind.Star) (_shape, _literal) = (Shape.Prefix, Literals(0, n - 1));
        else if (stars == 1 && _tokens[0].Kind == Kind.Star) (_shape, _literal) = (Shape.Suffix, Literals(1, n));
        else if (stars == 2 && n >= 2 && _tokens[0].Kind == Kind.Star && _tokens[^1].Kind == Kind.Star) (_shape, _literal) = (Shape.Infix, Literals(1, n - 1));
    }

    public string Pattern { get; }

    /// <summary>True when the pattern matches every non-empty string (it is made of stars only).</summary>
    public bool MatchesAll => _shape == Shape.Prefix && _literal.Length == 0;

    public bool IsMatch(string text) => IsMatch(Encoding.UTF8.GetBytes(text));

    public bool IsMatch(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty) return _matchesEmpty;
        return _shape switch
        {
            Shape.Literal => text.SequenceEqual(_literal),
            Shape.Prefix => text.StartsWith(_literal),
            Shape.Suffix => text.EndsWith(_literal),
            Shape.Infix => text.IndexOf(_literal) >= 0,
            _ => Simulate(text),
        };
    }

    private bool Simulate(ReadOnlySpan<byte> text)
    {
        var tokens = _tokens;
        var n = tokens.Length;
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
                ref readonly var t = ref tokens[i];
                switch (t.Kind)
                {
                    case Kind.Star: next[i] = true; any = true; break;
                    case Kind.Any: next[i + 1] = true; any = true; break;
                    case Kind.Literal when t.Literal == b: next[i + 1] = true; any = true; break;
                    case Kind.Class when t.Set![b]: next[i + 1] = true; any = true; break;
                }
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
                default: // a trailing backslash is a literal one
                    tokens.Add(new Token(Kind.Literal, c));
                    i++;
                    break;
            }
        }
        return tokens.ToArray();
    }

    /// <summary>Follows stringmatchlen's class loop, quirks included (see the class summary).</summary>
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
                // Signed like C's char on x86-64 (see the class summary).
                int start = (sbyte)p[i], end = (sbyte)p[i + 2];
                if (start > end) (start, end) = (end, start);
                for (var b = 0; b < 256; b++)
                    if ((sbyte)b >= start && (sbyte)b <= end) set[b] = true;
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
