using BenchmarkDotNet.Attributes;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Resolution;

namespace Gatehouse.Bench.Directory;

/// <summary>One look-up in a directory of 1,000,000 recipients: by a parsed address, and the whole resolution of an RCPT mailbox.</summary>
[MemoryDiagnoser]
public class DirectoryLookupBenchmark
{
    private const int Probes = 4096;
    private RecipientDirectory _directory = null!;
    private TypedAddress[] _addresses = null!;
    private Mailbox[] _mailboxes = null!;
    private ResolverContext _context = null!;
    private int _i;

    [Params(1_000_000)]
    public int Recipients { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = DirectoryFixture.Build(DirectoryFixture.Recipients(Recipients));
        var rng = new Random(42);
        _addresses = new TypedAddress[Probes];
        _mailboxes = new Mailbox[Probes];
        for (var k = 0; k < Probes; k++)
        {
            var i = rng.Next(Recipients);
            // Mixed case: the look-up must ignore it.
            _addresses[k] = TypedAddress.Create(AddressType.Smtp, $"First{i}.Last{i}@Example.COM");
            _mailboxes[k] = new Mailbox($"user{i}", "example.com");
        }
        _context = new ResolverContext(d => d == "example.com", _directory, SenderRoutingOptions.Default);
    }

    [Benchmark(Description = "Find(TypedAddress)")]
    public DirectoryRecipient? Find() => _directory.Find(_addresses[_i++ & (Probes - 1)]);

    [Benchmark(Description = "Resolve(RCPT mailbox)")]
    public Destination Resolve() => AddressResolver.Resolve(_mailboxes[_i++ & (Probes - 1)], _context);
}
