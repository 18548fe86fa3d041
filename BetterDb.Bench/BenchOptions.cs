using System.Diagnostics;

namespace BetterDb.Bench;

internal sealed record BenchOptions(Dictionary<string, string> Values)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
            if (args[i].StartsWith("--", StringComparison.Ordinal))
                values[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        return new BenchOptions(values);
    }

    public string? Get(string key) => Values.GetValueOrDefault(key);
    public int GetInt(string key, int fallback) => int.TryParse(Get(key), out var v) ? v : fallback;

    /// <summary>The shared benchmark corpus (see shared/RECIPES.md), made once and cached in /tmp.</summary>
    public string Corpus()
    {
        if (Get("corpus") is { } given) return given;
        var path = Path.Combine(Path.GetTempPath(), "betterdb-monitor-corpus.txt");
        if (File.Exists(path) && new FileInfo(path).Length > 0) return path;
        var script = FindUp(Path.Combine("shared", "scripts", "make-monitor-corpus.sh"))
                     ?? throw new FileNotFoundException("shared/scripts/make-monitor-corpus.sh not found beside the repository; pass --corpus FILE");
        Console.WriteLine($"making the corpus with {script} ...");
        using var p = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { script, path } })!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("make-monitor-corpus.sh failed");
        return path;
    }

    private static string? FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>Options the bench cannot run with: the message is printed alone, without a stack trace.</summary>
internal sealed class BenchUsageException(string message) : Exception(message);
