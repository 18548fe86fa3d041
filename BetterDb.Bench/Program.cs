using BetterDb.Bench;

// Benchmarks for README's performance section. Run from the repository root:
//   dotnet run -c Release --project BetterDb.Bench -- ingest [--corpus FILE]
//   dotnet run -c Release --project BetterDb.Bench -- live [--requests N] [--rounds R]
//   dotnet run -c Release --project BetterDb.Bench -- query [--corpus FILE]   (analysis and exports)
var command = args.FirstOrDefault() ?? "help";
var options = BenchOptions.Parse(args.Skip(1).ToArray());
return command switch
{
    "ingest" => await IngestBench.RunAsync(options),
    "live" => await LiveBench.RunAsync(options),
    "query" => await QueryBench.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: BetterDb.Bench ingest [--corpus FILE] | live [--requests N] [--rounds R] | query [--corpus FILE]");
    return 2;
}
