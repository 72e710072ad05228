// Directory benchmark (issue 3): look-ups per second and memory per recipient with 1,000,000 recipients.
//   dotnet run -c Release -- --memory     build the directory once and report build time and bytes per recipient
//   dotnet run -c Release                 BenchmarkDotNet: time of one look-up (pre-parsed and from a mailbox)
using System.Diagnostics;
using BenchmarkDotNet.Running;
using Gatehouse.Bench.Directory;

if (args.Contains("--memory"))
{
    var n = args.SkipWhile(a => a != "--recipients").Skip(1).Select(int.Parse).FirstOrDefault(1_000_000);
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var sw = Stopwatch.StartNew();
    var recipients = DirectoryFixture.Recipients(n);
    var parse = sw.Elapsed;
    var directory = DirectoryFixture.Build(recipients);
    sw.Stop();
    Console.WriteLine($"parse_seconds={parse.TotalSeconds:0.00} index_seconds={(sw.Elapsed - parse).TotalSeconds:0.00}");
    recipients = null;
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var after = GC.GetTotalMemory(forceFullCollection: true);
    Console.WriteLine($"recipients={directory.Count} proxies_per_recipient=2 build_seconds={sw.Elapsed.TotalSeconds:0.00} bytes_per_recipient={(after - before) / (double)directory.Count:0} total_mib={(after - before) / 1048576.0:0}");
    GC.KeepAlive(directory);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(DirectoryLookupBenchmark).Assembly).Run(args);
