// Directory benchmark (issue 3): look-ups per second and memory per recipient with 1,000,000 recipients.
//   dotnet run -c Release --project bench/Gatehouse.Bench.Directory -- --memory     build the directory once and report build time and bytes per recipient
//   dotnet run -c Release --project bench/Gatehouse.Bench.Directory -- --filter "*"   BenchmarkDotNet: time of one look-up (pre-parsed and from a mailbox)
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
    // A quick look-up rate on one thread, as a cross-check of the BenchmarkDotNet figure; 4096 probe
    // addresses, like a server's recently parsed RCPTs, stay in cache while the directory does not.
    var probes = Enumerable.Range(0, 4096).Select(k => (k * 7919) % directory.Count)
        .Select(i => Gatehouse.Core.Addresses.TypedAddress.Create(Gatehouse.Core.Addresses.AddressType.Smtp, $"First{i}.Last{i}@Example.COM")).ToArray();
    var found = 0;
    var lookups = Stopwatch.StartNew();
    const int rounds = 5_000_000;
    for (var k = 0; k < rounds; k++)
    {
        if (directory.Find(probes[k & 4095]) is not null) found++;
    }
    lookups.Stop();
    Console.WriteLine($"lookups={rounds} found={found} lookups_per_second={rounds / lookups.Elapsed.TotalSeconds:0}");
    GC.KeepAlive(directory);
    return;
}
if (args.Contains("--route"))
{
    // A quick rate of route decisions on one thread, as a cross-check of the BenchmarkDotNet figures.
    var b = new RouteDecisionBenchmark();
    b.Setup();
    foreach (var (name, run) in new (string, Func<object>)[] { ("mailbox", b.Mailbox), ("outside", b.Outside) })
    {
        for (var k = 0; k < 100_000; k++) run();
        var t = Stopwatch.StartNew();
        const int n = 1_000_000;
        for (var k = 0; k < n; k++) run();
        Console.WriteLine($"route_{name}_ns={t.Elapsed.TotalNanoseconds / n:0}");
    }
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(DirectoryLookupBenchmark).Assembly).Run(args);
