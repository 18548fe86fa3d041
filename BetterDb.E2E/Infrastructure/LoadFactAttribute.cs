namespace BetterDb.E2E.Infrastructure;

/// <summary>
/// A measurement that saturates redis-server and the machine: it runs only when
/// <c>BETTERDB_LOAD=1</c>, and is reported as skipped otherwise.
/// </summary>
public sealed class LoadFactAttribute : FactAttribute
{
    public const string Variable = "BETTERDB_LOAD";

    public LoadFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
            Skip = $"load measurement: set {Variable}=1 to run it";
    }
}
