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
/// The patterns Redis reads in one of these unusual ways that a user rarely means (an unclosed or empty class, a trailing
/// backslash) are matched exactly so and described in <see cref="Warnings"/>, so a filter can say why it finds nothing.
/// <para>
/// Hand-written because Redis's own matcher backtracks on <c>*</c> (exponential before 7.0.9, and still a recursion per
/// star) and no .NET glob library follows these rules. Here a run of stars is one star, and the pattern is cut at its
/// stars into fixed-length segments: the first must match at the start, the last at the end, and each one between
/// at its leftmost place after the one before (a segment has a fixed length, so the leftmost place never loses a match
/// a later one would find). Nothing is tried twice: a match costs at most O(input × longest segment), however many
/// stars the pattern has, and a segment of plain bytes is found with a vectorised search.
/// </para>
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

    /// <summary>The tokens between two stars (or an end of the pattern and a star): each matches exactly one byte.</summary>
    private sealed class Segment
    {
        public Segment(Token[] tokens)
        {
            Tokens = tokens;
            if (tokens.All(t => t.Kind == Kind.Literal)) Literal = tokens.Select(t => t.Literal).ToArray();
        }

        public Token[] Tokens { get; }
        /// <summary>The segment's bytes when it is made of literal bytes only (then it is found with IndexOf).</summary>
        public byte[]? Literal { get; }
        public int Length => Tokens.Length;

        public bool MatchesAt(ReadOnlySpan<byte> text, int at)
        {
            if (Literal is not null) return text.Slice(at, Literal.Length).SequenceEqual(Literal);
            var tokens = Tokens;
            for (var i = 0; i < tokens.Length; i++)
            {
                var b = text[at + i];
                ref readonly var t = ref tokens[i];
                var ok = t.Kind switch
                {
                    Kind.Literal => t.Literal == b,
                    Kind.Any => true,
                    _ => t.Set![b],
                };
                if (!ok) return false;
            }
            return true;
        }

        /// <summary>The leftmost place at or after <paramref name="from"/> where the segment matches, or -1.</summary>
        public int Find(ReadOnlySpan<byte> text, int from)
        {
            if (Literal is not null)
            {
                var i = text[from..].IndexOf(Literal);
                return i < 0 ? -1 : from + i;
            }
            var last = text.Length - Tokens.Length;
            var first = Tokens[0];
            for (var at = from; at <= last; at++)
            {
                if (first.Kind == Kind.Literal)
                {
                    // Skip to the next place the first byte can match.
                    var next = text[at..(last + 1)].IndexOf(first.Literal);
                    if (next < 0) return -1;
                    at += next;
                }
                if (MatchesAt(text, at)) return at;
            }
            return -1;
        }
    }

    private readonly bool _matchesEmpty;
    private readonly bool _hasStar;
    private readonly Segment _head;           // before the first star (the whole pattern when there is none)
    private readonly Segment[] _middle;       // between stars
    private readonly Segment _tail;           // after the last star
    private readonly int _minLength;          // bytes any match needs
    private readonly List<string> _warnings = [];

    public RedisGlob(string pattern) : this(Encoding.UTF8.GetBytes(pattern), pattern) { }

    public RedisGlob(ReadOnlySpan<byte> pattern) : this(pattern, null) { }

    private RedisGlob(ReadOnlySpan<byte> pattern, string? text)
    {
        Pattern = text ?? Encoding.UTF8.GetString(pattern);
        _matchesEmpty = pattern.IsEmpty || pattern.SequenceEqual("*"u8);

        var tokens = Compile(pattern);
        var segments = new List<Segment>();
        var current = new List<Token>();
        foreach (var t in tokens)
        {
            if (t.Kind != Kind.Star)
            {
                current.Add(t);
                continue;
            }
            segments.Add(new Segment([.. current]));
            current.Clear();
        }
        segments.Add(new Segment([.. current]));
        _hasStar = segments.Count > 1;
        _head = segments[0];
        _tail = segments[^1];
        _middle = _hasStar ? segments.Skip(1).Take(segments.Count - 2).Where(s => s.Length > 0).ToArray() : [];
        _minLength = segments.Sum(s => s.Length);
    }

    public string Pattern { get; }

    /// <summary>
    /// How Redis reads parts of this pattern that a user rarely means (an unclosed or empty class, a trailing backslash);
    /// the match follows Redis all the same. Empty for an ordinary pattern.
    /// </summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>True when the pattern matches every non-empty string (it is made of stars only).</summary>
    public bool MatchesAll => _hasStar && _minLength == 0;

    public bool IsMatch(string text) => IsMatch(Encoding.UTF8.GetBytes(text));

    public bool IsMatch(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty) return _matchesEmpty;
        if (text.Length < _minLength) return false;
        if (!_hasStar) return text.Length == _head.Length && _head.MatchesAt(text, 0);
        if (!_head.MatchesAt(text, 0)) return false;
        var pos = _head.Length;
        // The tail is anchored at the end: the segments between must fit before it.
        var tailAt = text.Length - _tail.Length;
        foreach (var segment in _middle)
        {
            var at = segment.Find(text[..tailAt], pos);
            if (at < 0) return false;
            pos = at + segment.Length;
        }
        return tailAt >= pos && _tail.MatchesAt(text, tailAt);
    }

    private Token[] Compile(ReadOnlySpan<byte> p)
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
                case (byte)'\\':
                    _warnings.Add($"The trailing \\ at position {Position(p, i)} escapes nothing: Redis matches it as a literal backslash. Write \\\\ to say so.");
                    tokens.Add(new Token(Kind.Literal, c));
                    i++;
                    break;
                default:
                    tokens.Add(new Token(Kind.Literal, c));
                    i++;
                    break;
            }
        }
        return tokens.ToArray();
    }

    /// <summary>Follows stringmatchlen's class loop, quirks included (see the class summary).</summary>
    private Token CompileClass(ReadOnlySpan<byte> p, ref int i)
    {
        var open = i;
        i++; // '['
        var negate = i < p.Length && p[i] == (byte)'^';
        if (negate) i++;
        var set = new bool[256];
        var members = 0;
        var closed = false;
        while (true)
        {
            var left = p.Length - i;
            if (left >= 2 && p[i] == (byte)'\\')
            {
                set[p[i + 1]] = true;
                members++;
                i += 2;
            }
            else if (left == 0)
            {
                break; // unclosed: the class ends with the pattern
            }
            else if (p[i] == (byte)']')
            {
                i++;
                closed = true;
                break;
            }
            else if (left >= 3 && p[i + 1] == (byte)'-')
            {
                // Signed like C's char on x86-64 (see the class summary).
                int start = (sbyte)p[i], end = (sbyte)p[i + 2];
                if (start > end) (start, end) = (end, start);
                for (var b = 0; b < 256; b++)
                    if ((sbyte)b >= start && (sbyte)b <= end) set[b] = true;
                members++;
                i += 3;
            }
            else
            {
                set[p[i]] = true;
                members++;
                i++;
            }
        }
        var at = Position(p, open);
        var reads = members > 0 ? null : negate ? "a negated empty class: it matches any one byte" : "an empty class: it matches nothing, so the pattern matches no key";
        if (!closed)
            _warnings.Add(reads is null
                ? $"The [ at position {at} opens a class that is never closed: Redis reads it as ending with the pattern. Write \\[ to match a literal [."
                : $"The [ at position {at} opens a class that is never closed: Redis reads it as {reads}. Write \\[ to match a literal [.");
        else if (reads is not null)
            _warnings.Add($"The class at position {at} holds nothing: Redis reads it as {reads}. Write \\] inside a class to match ].");
        if (negate)
            for (var b = 0; b < 256; b++) set[b] = !set[b];
        return new Token(Kind.Class, set: set);
    }

    /// <summary>1-based character position (not byte) of the pattern byte at <paramref name="index"/>, as a user counts.</summary>
    private static int Position(ReadOnlySpan<byte> pattern, int index) => Encoding.UTF8.GetCharCount(pattern[..index]) + 1;
}
