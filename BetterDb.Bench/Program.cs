using BetterDb.Bench;

// Benchmarks for README's performance section. Run from the repository root:
//   dotnet run -c Release --project BetterDb.Bench -- ingest [--corpus FILE] [--warmup W] [--rounds R] [--codec NAME] [--storage sqlite|postgres --pg CONNECTIONSTRING]
//       (--storage postgres: a database of its own on that server, created, migrated and dropped by the run;
//       scripts/postgres-dev.sh starts a local server and prints its connection string)
//   dotnet run -c Release --project BetterDb.Bench -- live [--rounds R] [--warmup W] [--scale F] [--regimes a,b] [--tls]
//       [--app NAME=PATH[,NAME=PATH...]]   (what a capture costs the server, per traffic shape, against
//       redis-cli monitor; regimes: unpipelined, 200-clients, P4, P16, 4KB-values, mixed; the app runs from
//       its built dll, by default BetterDb.Blazor/bin/Release/net10.0/BetterDb.Blazor.dll: build it first)
//   dotnet run -c Release --project BetterDb.Bench -- query [--corpus FILE] [--storage sqlite|postgres --pg CONNECTIONSTRING]   (analysis and exports)
//   dotnet run -c Release --project BetterDb.Bench -- diff [--lines N] [--rounds R]   (capture-vs-capture diff of two N-line sessions)
//   dotnet run -c Release --project BetterDb.Bench -- replay [--corpus FILE] [--rounds R] [--connections original,1,4]
//       (the corpus replayed as fast as possible into a private redis-server, beside redis-benchmark on it)
var command = args.FirstOrDefault() ?? "help";
var options = BenchOptions.Parse(args.Skip(1).ToArray());
try
{
    return command switch
    {
        "ingest" => await IngestBench.RunAsync(options),
        "live" => await LiveBench.RunAsync(options),
        "query" => await QueryBench.RunAsync(options),
        "diff" => await DiffBench.RunAsync(options),
        "replay" => await ReplayBench.RunAsync(options),
        _ => Usage(),
    };
}
catch (BenchUsageException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("usage: BetterDb.Bench ingest [--corpus FILE] [--warmup W] [--rounds R] [--codec NAME] [--storage sqlite|postgres --pg CONN] | live [--rounds R] [--warmup W] [--scale F] [--regimes a,b] [--tls] [--app NAME=PATH,...] | query [--corpus FILE] [--storage sqlite|postgres --pg CONN] | diff [--lines N] [--rounds R] | replay [--corpus FILE] [--rounds R] [--connections original,1,4]");
    return 2;
}
