using System.Diagnostics;

namespace BetterDb.Testing;

/// <summary>Waits for a condition by asking again every few milliseconds, instead of sleeping a fixed time.</summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Evaluates <paramref name="probe"/> until <paramref name="done"/> holds; throws with the last value on timeout.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null,
        TimeSpan? interval = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var sw = Stopwatch.StartNew();
        T last;
        while (true)
        {
            last = await probe();
            if (done(last)) return last;
            if (sw.Elapsed > limit) break;
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(25));
        }
        throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}; last value: {Describe(last)}");
    }

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), ok => ok, what, timeout, TimeSpan.FromMilliseconds(5));

    private static string Describe(object? value) => value switch
    {
        null => "null",
        System.Collections.ICollection c => $"{c.Count} items",
        _ => value.ToString() ?? "",
    };
}
