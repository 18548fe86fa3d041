using System.Runtime.CompilerServices;

[assembly: CollectionBehavior(MaxParallelThreads = 4)]

namespace BetterDb.Testing;

internal static class TestAssemblySetup
{
    /// <summary>
    /// Start-up of hosts, multiplexers and bunit renderers blocks pool threads for a moment; with the
    /// default minimum (one per core) timer callbacks such as the writer's flush then wait for the pool
    /// to grow (0.5 s steps), which would make timing assertions about the app measure the test run instead.
    /// </summary>
    [ModuleInitializer]
    internal static void RaiseThreadPoolMinimum()
    {
        ThreadPool.GetMinThreads(out var worker, out var io);
        ThreadPool.SetMinThreads(Math.Max(worker, 32), Math.Max(io, 32));
    }
}
