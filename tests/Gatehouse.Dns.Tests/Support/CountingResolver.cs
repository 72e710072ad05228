using System.Collections.Concurrent;

namespace Gatehouse.Dns.Tests.Support;

/// <summary>Passes queries on and remembers them, so a test can see what reached the network.</summary>
internal sealed class CountingResolver(IDnsResolver inner) : IDnsResolver
{
    public ConcurrentQueue<DnsResponse> Responses { get; } = new();

    public int Count => Responses.Count;

    public async Task<DnsResponse> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var response = await inner.QueryAsync(name, type, cancellationToken);
        Responses.Enqueue(response);
        return response;
    }
}
