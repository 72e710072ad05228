using System.Net;
using Gatehouse.Dns.Tests.Support;
using Gatehouse.Testing;

namespace Gatehouse.Dns.Tests.Real;

/// <summary>One dnsmasq with the zone the tests below resolve against.</summary>
public sealed class DnsmasqZone : IAsyncLifetime
{
    public static readonly string[] Lines =
    [
        "local-ttl=300", // dnsmasq's default of 0 would keep the cache test from caching anything
        "mx-host=two.test,mx2.two.test,20",
        "mx-host=two.test,mx1.two.test,10",
        "host-record=mx1.two.test,192.0.2.1,2001:db8::1",
        "host-record=mx2.two.test,192.0.2.2",
        "mx-host=equal.test,a.equal.test,10",
        "mx-host=equal.test,b.equal.test,10",
        "mx-host=equal.test,c.equal.test,10",
        "host-record=a.equal.test,192.0.2.11",
        "host-record=b.equal.test,192.0.2.12",
        "host-record=c.equal.test,192.0.2.13",
        "host-record=implicit.test,192.0.2.20",
        "dns-rr=nullmx.test,15,000000", // RFC 7505: preference 0, exchange the root
        "host-record=nullmx.test,192.0.2.21",
        "mx-host=cname.test,alias.cname.test,10",
        "cname=alias.cname.test,link.cname.test",
        "cname=link.cname.test,real.cname.test",
        "host-record=real.cname.test,192.0.2.30,2001:db8::30",
        "mx-host=v6.test,v6only.test,10",
        "host-record=v6only.test,2001:db8::60",
        "mx-host=static.test,mx.static.test,10",
        "host-record=mx.static.test,192.0.2.40",
        "mx-host=cached.test,mx1.two.test,10", // an MX host with both A and AAAA: dnsmasq sends NODATA without SOA, which is not cached
        "mx-host=half.test,gone.half.test,10",
        "mx-host=half.test,mx.half.test,20",
        "host-record=mx.half.test,192.0.2.50",
        .. Enumerable.Range(1, 60).Select(i => $"host-record=big.test,10.0.0.{i}"),
    ];

    public Dnsmasq Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await Dnsmasq.StartAsync(Lines);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The resolver and MX selection against a real DNS server, Debian's dnsmasq.</summary>
public sealed class DnsmasqTests(DnsmasqZone zone) : IClassFixture<DnsmasqZone>
{
    // Generous: these answers must come, however busy the machine.
    private static readonly DnsResolverOptions Patient = new() { Timeout = TimeSpan.FromSeconds(10), Attempts = 2 };

    private DnsStubResolver Stub() => new([zone.Server.Endpoint], Patient);

    private MailHostResolver Mail(IDnsResolver? dns = null, Dictionary<string, IReadOnlyList<IPAddress>>? hosts = null, int seed = 1) =>
        new(dns ?? Stub(), hosts, new Random(seed));

    private static string Hosts(MailHostResult r) =>
        string.Join(" ", r.Hosts.Select(h => $"{h.Preference}:{h.Name}=" + string.Join(",", h.Addresses)));

    private string Explain(MailHostResult r) => $"{r.Status}: {r.Detail}\n--- dnsmasq\n{zone.Server.Log}";

    [Fact]
    public void Dnsmasq_is_installed()
    {
        Assert.True(File.Exists(Dnsmasq.Locate()));
    }

    [Fact]
    public async Task Two_preferences()
    {
        var r = await Mail().ResolveDomainAsync("two.test", CancellationToken.None);
        Assert.True(r.Status == MailHostStatus.Ok, Explain(r));
        Assert.Equal("10:mx1.two.test=192.0.2.1,2001:db8::1 20:mx2.two.test=192.0.2.2", Hosts(r));
    }

    [Fact]
    public async Task Equal_preferences_come_in_every_order()
    {
        var dns = new DnsCache(Stub());
        var orders = new HashSet<string>();
        for (var seed = 0; seed < 30; seed++)
        {
            var r = await Mail(dns, seed: seed).ResolveDomainAsync("equal.test", CancellationToken.None);
            Assert.True(r.Status == MailHostStatus.Ok, Explain(r));
            Assert.All(r.Hosts, h => Assert.Equal(10, h.Preference));
            Assert.Equal(["192.0.2.11", "192.0.2.12", "192.0.2.13"], r.Hosts.Select(h => h.Addresses.Single().ToString()).Order());
            orders.Add(string.Join(",", r.Hosts.Select(h => h.Name[0])));
        }
        Assert.Equal(6, orders.Count);
    }

    [Fact]
    public async Task Implicit_mx_from_the_domains_address()
    {
        var r = await Mail().ResolveDomainAsync("implicit.test", CancellationToken.None);
        Assert.True(r.Status == MailHostStatus.Ok, Explain(r));
        Assert.Equal("0:implicit.test=192.0.2.20", Hosts(r));
    }

    [Fact]
    public async Task Null_mx_is_served_and_read_as_no_mail()
    {
        var response = await Stub().QueryAsync("nullmx.test", DnsRecordType.MX, CancellationToken.None);
        Assert.Equal(new MxData(0, ""), Assert.Single(response.Answers).Data);
        var r = await Mail().ResolveDomainAsync("nullmx.test", CancellationToken.None);
        Assert.True(r.Status == MailHostStatus.NullMx, Explain(r));
        Assert.Empty(r.Hosts);
    }

    [Fact]
    public async Task Nxdomain_is_no_such_domain()
    {
        var r = await Mail().ResolveDomainAsync("nosuch.test", CancellationToken.None);
        Assert.True(r.Status == MailHostStatus.NoSuchDomain, Explain(r));
        Assert.Equal("MX lookup for nosuch.test: NXDOMAIN (the domain does not exist)", r.Detail);
    }

    [Fact]
    public async Task Cname_chain_of_an_mx_host()
    {
        var r = await Mail().ResolveDomainAsync("cname.test", CancellationToken.None);
        Assert.True(r.Status == MailHostStatus.Ok, Explain(r));
        Assert.Equal("10:alias.cname.test=192.0.2.30,2001:db8::30", Hosts(r));
    }

    [Fact]
    public async Task Ipv6_only_mx_host()
    {
        var r = await Mail().ResolveDomainAsync("v6.test", CancellationToken.None);
        Assert.True(r.Status == MailHostStatus.Ok, Explain(r));
        Assert.Equal("10:v6only.test=2001:db8::60", Hosts(r));
    }

    [Fact]
    public async Task Mx_host_that_does_not_exist_is_skipped()
    {
        var r = await Mail().ResolveDomainAsync("half.test", CancellationToken.None);
        Assert.True(r.Status == MailHostStatus.Ok, Explain(r));
        Assert.Equal("20:mx.half.test=192.0.2.50", Hosts(r));
        Assert.Equal("skipped MX gone.half.test: NXDOMAIN (no such host)", r.Detail);
    }

    [Fact]
    public async Task Answer_over_512_octets_is_truncated_and_asked_again_over_tcp()
    {
        var response = await Stub().QueryAsync("big.test", DnsRecordType.A, CancellationToken.None);
        Assert.True(response.OverTcp, "the answer should have come over TCP");
        Assert.Equal(60, response.Answers.Count);
        Assert.Equal(
            Enumerable.Range(1, 60).Select(i => $"10.0.0.{i}").Order(),
            response.Answers.Select(a => ((AddressData)a.Data).Address.ToString()).Order());

        var r = await Mail().ResolveHostAsync("big.test", CancellationToken.None);
        Assert.True(r.Status == MailHostStatus.Ok, Explain(r));
        Assert.Equal(60, Assert.Single(r.Hosts).Addresses.Count);
    }

    [Fact]
    public async Task Small_answer_stays_on_udp()
    {
        var response = await Stub().QueryAsync("mx1.two.test", DnsRecordType.A, CancellationToken.None);
        Assert.False(response.OverTcp);
        Assert.Equal(zone.Server.Endpoint, response.Server);
        Assert.True(response.Message!.Authoritative);
    }

    [Fact]
    public async Task Static_host_wins_over_dns()
    {
        var counting = new CountingResolver(Stub());
        var hosts = new Dictionary<string, IReadOnlyList<IPAddress>>
        {
            ["mx.static.test"] = [IPAddress.Parse("198.51.100.1")],
            ["two.test"] = [IPAddress.Parse("198.51.100.2")],
        };
        var r = await Mail(counting, hosts).ResolveDomainAsync("static.test", CancellationToken.None);
        Assert.True(r.Status == MailHostStatus.Ok, Explain(r));
        Assert.Equal("10:mx.static.test=198.51.100.1", Hosts(r));
        Assert.Equal(1, counting.Count); // the MX query only
        var two = await Mail(counting, hosts).ResolveDomainAsync("two.test", CancellationToken.None);
        Assert.Equal("0:two.test=198.51.100.2", Hosts(two));
        Assert.Equal(1, counting.Count);
    }

    [Fact]
    public async Task Cache_answers_the_second_lookup_without_a_query()
    {
        var counting = new CountingResolver(Stub());
        var mail = Mail(new DnsCache(counting));
        var first = await mail.ResolveDomainAsync("cached.test", CancellationToken.None);
        Assert.True(first.Status == MailHostStatus.Ok, Explain(first));
        Assert.Equal("10:mx1.two.test=192.0.2.1,2001:db8::1", Hosts(first));
        Assert.Equal(3, counting.Count); // MX, then A and AAAA of the host
        var second = await mail.ResolveDomainAsync("CACHED.test.", CancellationToken.None);
        Assert.Equal(Hosts(first), Hosts(second));
        Assert.Equal(3, counting.Count);
    }

    [Fact]
    public async Task Name_outside_the_zone_is_refused_and_temporary()
    {
        var r = await Mail().ResolveDomainAsync("example.org", CancellationToken.None);
        Assert.True(r.Status == MailHostStatus.TemporaryFailure, Explain(r));
        Assert.Equal($"MX lookup for example.org: REFUSED from {zone.Server.Endpoint}", r.Detail);
    }

    [Fact]
    public async Task Silent_server_is_a_temporary_failure_after_the_timeout()
    {
        await using var silent = FakeDnsServer.Silent();
        var stub = new DnsStubResolver([silent.Endpoint], new DnsResolverOptions { Timeout = TimeSpan.FromMilliseconds(300), Attempts = 2 });
        var r = await Mail(stub).ResolveDomainAsync("two.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.TemporaryFailure, r.Status);
        Assert.Equal($"MX lookup for two.test: server {silent.Endpoint} timed out", r.Detail);
        Assert.Equal(2, silent.UdpQueries.Count);
    }

    [Fact]
    public async Task Silent_first_server_then_dnsmasq()
    {
        await using var silent = FakeDnsServer.Silent();
        var stub = new DnsStubResolver([silent.Endpoint, zone.Server.Endpoint], new DnsResolverOptions { Timeout = TimeSpan.FromSeconds(1.5), Attempts = 2 });
        var response = await stub.QueryAsync("two.test", DnsRecordType.MX, CancellationToken.None);
        Assert.Equal(zone.Server.Endpoint, response.Server);
        Assert.Equal(2, response.Answers.Count);
    }

    [Fact]
    public async Task Servfail_from_upstream_is_a_temporary_failure()
    {
        // dnsmasq forwards fail.test to an upstream that answers SERVFAIL, and passes that on.
        await using var upstream = FakeDnsServer.Start(q =>
        {
            var p = Packet.ResponseTo(q);
            p.Rcode = DnsResponseCode.ServFail;
            return [p.Build()];
        });
        await using var server = await Dnsmasq.StartAsync([$"server=/fail.test/{upstream.Endpoint.Address}#{upstream.Endpoint.Port}"]);
        var r = await Mail(new DnsStubResolver([server.Endpoint], Patient)).ResolveDomainAsync("fail.test", CancellationToken.None);
        Assert.True(r.Status == MailHostStatus.TemporaryFailure, $"{r.Status}: {r.Detail}\n{server.Log}");
        Assert.Equal($"MX lookup for fail.test: SERVFAIL from {server.Endpoint}", r.Detail);
        Assert.NotEmpty(upstream.UdpQueries);
    }

    [Fact]
    public async Task Start_failure_reports_dnsmasqs_own_words()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Dnsmasq.StartAsync(["no-such-option=1"]));
        Assert.Contains("bad option", e.Message, StringComparison.Ordinal);
    }
}
