using System.Net;
using Gatehouse.Dns.Tests.Support;

namespace Gatehouse.Dns.Tests.Resolver;

public class DnsCacheTests
{
    private readonly FakeTime _time = new();

    private static DnsRecord Record(string name, uint ttl, string address = "192.0.2.1") =>
        new(name, DnsRecordType.A, 1, ttl, new AddressData(IPAddress.Parse(address)));

    private static DnsRecord Soa(uint ttl, uint minimum) =>
        new("test", DnsRecordType.SOA, 1, ttl, new SoaData("ns.test", "hostmaster.test", 1, 3600, 600, 86400, minimum));

    private async Task<int> QueriesAfter(DnsCache cache, ScriptedDns dns, string name, DnsRecordType type = DnsRecordType.A)
    {
        await cache.QueryAsync(name, type, CancellationToken.None);
        return dns.Queries.Count;
    }

    [Fact]
    public async Task Positive_answer_is_kept_for_the_smallest_ttl_of_the_answer()
    {
        var dns = new ScriptedDns().Override("a.test", DnsRecordType.A,
            ScriptedDns.Response("a.test", DnsRecordType.A, DnsResponseCode.NoError, [Record("a.test", 300), Record("a.test", 60, "192.0.2.2")]));
        var cache = new DnsCache(dns, timeProvider: _time);
        var first = await cache.QueryAsync("a.test", DnsRecordType.A, CancellationToken.None);
        Assert.Same(first, await cache.QueryAsync("a.test", DnsRecordType.A, CancellationToken.None));
        Assert.Single(dns.Queries);
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(1, await QueriesAfter(cache, dns, "a.test"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, await QueriesAfter(cache, dns, "a.test"));
        Assert.Equal(2, await QueriesAfter(cache, dns, "a.test"));
    }

    [Fact]
    public async Task Name_case_and_trailing_dot_share_an_entry_and_types_do_not()
    {
        var dns = new ScriptedDns().A("a.test", "192.0.2.1");
        var cache = new DnsCache(dns, timeProvider: _time);
        Assert.Equal(1, await QueriesAfter(cache, dns, "a.test"));
        Assert.Equal(1, await QueriesAfter(cache, dns, "A.Test."));
        Assert.Equal(2, await QueriesAfter(cache, dns, "a.test", DnsRecordType.AAAA));
    }

    [Fact]
    public async Task Ttl_is_capped_at_the_maximum()
    {
        var dns = new ScriptedDns().Override("a.test", DnsRecordType.A,
            ScriptedDns.Response("a.test", DnsRecordType.A, DnsResponseCode.NoError, [Record("a.test", 86400)]));
        var cache = new DnsCache(dns, new DnsCacheOptions { MaxTtl = TimeSpan.FromMinutes(10) }, _time);
        Assert.Equal(1, await QueriesAfter(cache, dns, "a.test"));
        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(1, await QueriesAfter(cache, dns, "a.test"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, await QueriesAfter(cache, dns, "a.test"));
    }

    [Fact]
    public async Task Default_cap_is_one_hour()
    {
        var cache = new DnsCache(new ScriptedDns(), timeProvider: _time);
        var response = ScriptedDns.Response("a.test", DnsRecordType.A, DnsResponseCode.NoError, [Record("a.test", 604800)]);
        Assert.Equal(TimeSpan.FromHours(1), cache.Lifetime(response));
    }

    // One line per case: RCODE, whether the answer has a record (TTL 600), the SOA TTL and MINIMUM (0 = no SOA), and the seconds kept.
    [Theory]
    [InlineData(DnsResponseCode.NoError, true, 0u, 0u, 600)]
    [InlineData(DnsResponseCode.NxDomain, false, 900u, 120u, 120)] // RFC 2308 §5: the smaller of TTL and MINIMUM
    [InlineData(DnsResponseCode.NxDomain, false, 90u, 120u, 90)]
    [InlineData(DnsResponseCode.NxDomain, false, 86400u, 86400u, 300)] // capped at five minutes
    [InlineData(DnsResponseCode.NoError, false, 900u, 60u, 60)] // NODATA
    [InlineData(DnsResponseCode.NxDomain, false, 0u, 0u, 0)] // no SOA: not kept
    [InlineData(DnsResponseCode.NoError, false, 0u, 0u, 0)]
    [InlineData(DnsResponseCode.ServFail, false, 900u, 60u, 0)]
    [InlineData(DnsResponseCode.ServFail, true, 0u, 0u, 0)]
    [InlineData(DnsResponseCode.Refused, false, 0u, 0u, 0)]
    [InlineData(DnsResponseCode.FormErr, false, 0u, 0u, 0)]
    public void Lifetime(DnsResponseCode rcode, bool answer, uint soaTtl, uint soaMinimum, int seconds)
    {
        var cache = new DnsCache(new ScriptedDns(), timeProvider: _time);
        var response = ScriptedDns.Response("a.test", DnsRecordType.A, rcode,
            answer ? [Record("a.test", 600)] : [],
            soaTtl > 0 ? [Soa(soaTtl, soaMinimum)] : []);
        Assert.Equal(TimeSpan.FromSeconds(seconds), cache.Lifetime(response));
    }

    [Fact]
    public async Task Negative_answer_is_kept_for_the_soa_minimum()
    {
        var dns = new ScriptedDns().Override("gone.test", DnsRecordType.MX,
            ScriptedDns.Response("gone.test", DnsRecordType.MX, DnsResponseCode.NxDomain, authority: [Soa(3600, 30)]));
        var cache = new DnsCache(dns, timeProvider: _time);
        Assert.Equal(DnsResponseCode.NxDomain, (await cache.QueryAsync("gone.test", DnsRecordType.MX, CancellationToken.None)).ResponseCode);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(1, await QueriesAfter(cache, dns, "gone.test", DnsRecordType.MX));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, await QueriesAfter(cache, dns, "gone.test", DnsRecordType.MX));
    }

    [Fact]
    public async Task Failures_are_not_kept()
    {
        var dns = new ScriptedDns()
            .Override("slow.test", DnsRecordType.A, DnsResponse.NoAnswer("slow.test", DnsRecordType.A, "server 127.0.0.1:53 timed out"))
            .Override("broken.test", DnsRecordType.A, ScriptedDns.Response("broken.test", DnsRecordType.A, DnsResponseCode.ServFail));
        var cache = new DnsCache(dns, timeProvider: _time);
        Assert.Equal(1, await QueriesAfter(cache, dns, "slow.test"));
        Assert.Equal(2, await QueriesAfter(cache, dns, "slow.test"));
        Assert.Equal(3, await QueriesAfter(cache, dns, "broken.test"));
        Assert.Equal(4, await QueriesAfter(cache, dns, "broken.test"));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task Ttl_zero_is_not_kept()
    {
        var dns = new ScriptedDns { Ttl = 0 }.A("a.test", "192.0.2.1");
        var cache = new DnsCache(dns, timeProvider: _time);
        Assert.Equal(1, await QueriesAfter(cache, dns, "a.test"));
        Assert.Equal(2, await QueriesAfter(cache, dns, "a.test"));
    }

    [Fact]
    public async Task Full_cache_drops_expired_entries_first()
    {
        var dns = new ScriptedDns();
        for (var i = 0; i < 10; i++) dns.A($"h{i}.test", "192.0.2.1");
        dns.Override("short.test", DnsRecordType.A, ScriptedDns.Response("short.test", DnsRecordType.A, DnsResponseCode.NoError, [Record("short.test", 10)]));
        var cache = new DnsCache(dns, new DnsCacheOptions { MaxEntries = 10 }, _time);
        await cache.QueryAsync("short.test", DnsRecordType.A, CancellationToken.None);
        for (var i = 0; i < 9; i++) await cache.QueryAsync($"h{i}.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(10, cache.Count);
        _time.Advance(TimeSpan.FromSeconds(10));
        await cache.QueryAsync("h9.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(10, cache.Count); // only the expired entry went
        var before = dns.Queries.Count;
        for (var i = 0; i < 10; i++) await cache.QueryAsync($"h{i}.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(before, dns.Queries.Count);
    }

    [Fact]
    public async Task Full_cache_drops_the_oldest_entries()
    {
        var dns = new ScriptedDns();
        for (var i = 0; i < 11; i++) dns.A($"h{i}.test", "192.0.2.1");
        var cache = new DnsCache(dns, new DnsCacheOptions { MaxEntries = 10 }, _time);
        for (var i = 0; i < 11; i++) await cache.QueryAsync($"h{i}.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(10, cache.Count); // h0 went to make room for h10
        var before = dns.Queries.Count;
        await cache.QueryAsync("h10.test", DnsRecordType.A, CancellationToken.None);
        await cache.QueryAsync("h1.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(before, dns.Queries.Count);
        await cache.QueryAsync("h0.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(before + 1, dns.Queries.Count);
        Assert.True(cache.Count <= 10);
    }

    [Fact]
    public async Task Stays_within_its_bound_under_many_names()
    {
        var dns = new ScriptedDns();
        for (var i = 0; i < 500; i++) dns.A($"h{i}.test", "192.0.2.1");
        var cache = new DnsCache(dns, new DnsCacheOptions { MaxEntries = 100 }, _time);
        for (var i = 0; i < 500; i++)
        {
            await cache.QueryAsync($"h{i}.test", DnsRecordType.A, CancellationToken.None);
            Assert.True(cache.Count <= 100);
        }
    }
}
