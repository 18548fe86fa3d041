using System.Text;
using BetterDb.Core.Analysis;

namespace BetterDb.Tests.Query;

/// <summary>The bounded counter behind top keys, prefixes and clients: exact up to its capacity, then lossy with a stated bound.</summary>
public sealed class HeavyHittersTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Exact_until_capacity_with_short_and_long_items_alike()
    {
        var counter = new HeavyHitters(100_000);
        var items = Enumerable.Range(0, 50_000).Select(i => i % 2 == 0 ? $"k{i}" : $"a-rather-long-key-name-beyond-the-inline-bytes:{i}").ToArray();
        for (var round = 1; round <= 3; round++)
            foreach (var (item, i) in items.Select((x, i) => (x, i)))
                if (i % round == 0) counter.Add(B(item));
        Assert.True(counter.IsExact);
        Assert.Equal(items.Length, counter.Distinct);
        Assert.Equal(3, counter.CountAt(counter.IndexOf(B(items[0]))));
        Assert.Equal(1, counter.CountAt(counter.IndexOf(B(items[1]))));
        Assert.Equal(2, counter.CountAt(counter.IndexOf(B(items[2]))));
        Assert.Equal(items[30_001], Encoding.UTF8.GetString(counter.ItemAt(counter.IndexOf(B(items[30_001])))));
        Assert.Equal(-1, counter.IndexOf(B("absent")));
        Assert.Equal(-1, counter.IndexOf([]));
        counter.Add([]);
        Assert.Equal(1, counter.CountAt(counter.IndexOf([])));
    }

    [Fact]
    public void Batched_adds_equal_one_by_one_adds()
    {
        var text = B(string.Concat(Enumerable.Range(0, 5000).Select(i => $"user:{i % 777}|")));
        var ranges = new List<Range>();
        for (int start = 0, bar; (bar = Array.IndexOf(text, (byte)'|', start)) >= 0; start = bar + 1) ranges.Add(new Range(start, bar));
        var batched = new HeavyHitters(1000);
        batched.AddMany(text, ranges.ToArray());
        var single = new HeavyHitters(1000);
        foreach (var r in ranges) single.Add(text.AsSpan()[r]);
        Assert.Equal(single.Top(1000).Select(t => (Encoding.UTF8.GetString(t.Item), t.Count)), batched.Top(1000).Select(t => (Encoding.UTF8.GetString(t.Item), t.Count)));
        Assert.Equal(777, batched.Distinct);
    }

    [Fact]
    public void Beyond_capacity_heavy_items_survive_and_counts_stay_within_the_stated_error()
    {
        var counter = new HeavyHitters(1_000);
        var truth = new Dictionary<string, long>();
        var random = new Random(7);
        for (var i = 0; i < 200_000; i++)
        {
            // A few heavy keys among a long tail of keys seen once or twice.
            var key = i % 4 == 0 ? $"hot:{i / 4 % 10}" : $"cold:{random.Next(50_000)}";
            counter.Add(B(key));
            truth[key] = truth.GetValueOrDefault(key) + 1;
        }
        Assert.False(counter.IsExact);
        Assert.True(counter.Distinct <= 1_000);
        var top = counter.Top(10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"hot:{i}").Order(), top.Select(t => Encoding.UTF8.GetString(t.Item)).Order());
        foreach (var (item, count) in top)
        {
            var exact = truth[Encoding.UTF8.GetString(item)];
            Assert.InRange(count, exact, exact + counter.MaxError); // never below; above by at most the error
        }
    }

    [Fact]
    public void Merging_adds_counts_and_ties_are_ordered_by_bytes()
    {
        var a = new HeavyHitters(100);
        var b = new HeavyHitters(100);
        foreach (var k in new[] { "b", "a", "c", "c" }) a.Add(B(k));
        foreach (var k in new[] { "a", "b", "d" }) b.Add(B(k));
        a.Merge(b);
        Assert.Equal([("a", 2L), ("b", 2L), ("c", 2L), ("d", 1L)], a.Top(10).Select(t => (Encoding.UTF8.GetString(t.Item), t.Count)));
    }
}
