using BetterDb.Core.Connections;

namespace BetterDb.Blazor.Ui;

/// <summary>A connection test in progress (<see cref="Result"/> null) or done.</summary>
public sealed record ConnectionTestState(ConnectionTestResult? Result)
{
    public static readonly ConnectionTestState Running = new((ConnectionTestResult?)null);
    public bool IsRunning => Result is null;

    /// <summary>"redis 7.2.4 · standalone · 0.4 ms", or the server's error text.</summary>
    public string Summary => Result switch
    {
        null => "Testing…",
        { Ok: true } r => $"{r.ServerName} {r.ServerVersion} · {r.Mode} · {r.LatencyMs:0.##} ms",
        { } r => r.Error ?? "The test failed.",
    };
}
