using System.Net;
using Gatehouse.Dns.Tests.Support;

namespace Gatehouse.Dns.Tests.Mail;

/// <summary>MX selection against a scripted resolver; the same paths against a real dnsmasq are in <see cref="Real.DnsmasqTests"/>.</summary>
public class MailHostResolverTests
{
    private static readonly DnsResponse TimedOut = DnsResponse.NoAnswer("x", DnsRecordType.A, "server 127.0.0.1:53 timed out");

    private static MailHostResolver Resolver(ScriptedDns dns, Dictionary<string, IReadOnlyList<IPAddress>>? hosts = null, int seed = 1) =>
        new(dns, hosts, new Random(seed));

    private static string Hosts(MailHostResult r) =>
        string.Join(" ", r.Hosts.Select(h => $"{h.Preference}:{h.Name}=" + string.Join(",", h.Addresses)));

    [Fact]
    public async Task Mx_hosts_in_preference_order_with_their_addresses()
    {
        var dns = new ScriptedDns()
            .Mx("example.test", 20, "mx2.example.test").Mx("example.test", 10, "mx1.example.test")
            .A("mx1.example.test", "192.0.2.1").Aaaa("mx1.example.test", "2001:db8::1")
            .Aaaa("mx2.example.test", "2001:db8::2").A("mx2.example.test", "192.0.2.2", "192.0.2.3");
        var r = await Resolver(dns).ResolveDomainAsync("example.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.Ok, r.Status);
        Assert.Equal("10:mx1.example.test=192.0.2.1,2001:db8::1 20:mx2.example.test=192.0.2.2,192.0.2.3,2001:db8::2", Hosts(r));
        Assert.Equal("", r.Detail);
    }

    [Fact]
    public async Task Equal_preferences_are_shuffled_by_the_random_and_lower_ones_stay_first()
    {
        var dns = new ScriptedDns()
            .Mx("example.test", 5, "first.example.test").A("first.example.test", "192.0.2.9")
            .Mx("example.test", 10, "a.example.test").Mx("example.test", 10, "b.example.test").Mx("example.test", 10, "c.example.test")
            .A("a.example.test", "192.0.2.1").A("b.example.test", "192.0.2.2").A("c.example.test", "192.0.2.3");
        var orders = new HashSet<string>();
        for (var seed = 0; seed < 40; seed++)
        {
            var r = await Resolver(dns, seed: seed).ResolveDomainAsync("example.test", CancellationToken.None);
            Assert.Equal("first.example.test", r.Hosts[0].Name);
            Assert.Equal(4, r.Hosts.Count);
            orders.Add(string.Join(",", r.Hosts.Skip(1).Select(h => h.Name[0])));
        }
        Assert.Equal(6, orders.Count); // every order of three occurs
        var again1 = await Resolver(dns, seed: 7).ResolveDomainAsync("example.test", CancellationToken.None);
        var again2 = await Resolver(dns, seed: 7).ResolveDomainAsync("example.test", CancellationToken.None);
        Assert.Equal(Hosts(again1), Hosts(again2));
    }

    [Fact]
    public async Task A_host_listed_twice_keeps_its_lowest_preference()
    {
        var dns = new ScriptedDns()
            .Mx("example.test", 30, "mx.example.test").Mx("example.test", 20, "other.example.test").Mx("example.test", 10, "MX.example.test.")
            .A("mx.example.test", "192.0.2.1").A("other.example.test", "192.0.2.2");
        var r = await Resolver(dns).ResolveDomainAsync("example.test", CancellationToken.None);
        Assert.Equal("10:mx.example.test=192.0.2.1 20:other.example.test=192.0.2.2", Hosts(r));
        Assert.Equal(1, dns.Count("mx.example.test", DnsRecordType.A));
    }

    [Fact]
    public async Task Null_mx_means_no_mail()
    {
        var dns = new ScriptedDns().Mx("nullmx.test", 0, "").A("nullmx.test", "192.0.2.1");
        var r = await Resolver(dns).ResolveDomainAsync("nullmx.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.NullMx, r.Status);
        Assert.Empty(r.Hosts);
        Assert.Equal("nullmx.test publishes a null MX: it does not accept mail", r.Detail);
        Assert.Single(dns.Queries); // no implicit MX lookup
    }

    [Fact]
    public async Task Null_mx_among_others_is_ignored()
    {
        var dns = new ScriptedDns().Mx("mixed.test", 0, "").Mx("mixed.test", 10, "mx.mixed.test").A("mx.mixed.test", "192.0.2.1");
        var r = await Resolver(dns).ResolveDomainAsync("mixed.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.Ok, r.Status);
        Assert.Equal("10:mx.mixed.test=192.0.2.1", Hosts(r));
    }

    [Fact]
    public async Task No_mx_records_means_the_domain_is_its_own_mx()
    {
        var dns = new ScriptedDns().A("plain.test", "192.0.2.5").Aaaa("plain.test", "2001:db8::5");
        var r = await Resolver(dns).ResolveDomainAsync("plain.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.Ok, r.Status);
        Assert.Equal("0:plain.test=192.0.2.5,2001:db8::5", Hosts(r));
    }

    [Fact]
    public async Task Domain_that_is_an_alias_without_mx_uses_the_aliases_addresses()
    {
        var dns = new ScriptedDns().Cname("www.test", "web.test").A("web.test", "192.0.2.6");
        var r = await Resolver(dns).ResolveDomainAsync("www.test", CancellationToken.None);
        Assert.Equal("0:www.test=192.0.2.6", Hosts(r));
    }

    [Fact]
    public async Task Domain_that_is_an_alias_with_mx_uses_the_targets_mx()
    {
        var dns = new ScriptedDns().Cname("alias.test", "real.test").Mx("real.test", 10, "mx.real.test").A("mx.real.test", "192.0.2.8");
        var r = await Resolver(dns).ResolveDomainAsync("alias.test", CancellationToken.None);
        Assert.Equal("10:mx.real.test=192.0.2.8", Hosts(r));
    }

    [Fact]
    public async Task Nxdomain_is_permanent()
    {
        var r = await Resolver(new ScriptedDns()).ResolveDomainAsync("nosuch.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.NoSuchDomain, r.Status);
        Assert.Equal("MX lookup for nosuch.test: NXDOMAIN (the domain does not exist)", r.Detail);
    }

    [Fact]
    public async Task Timeout_is_temporary_and_says_which_query()
    {
        var dns = new ScriptedDns().Override("example.com", DnsRecordType.MX, TimedOut);
        var r = await Resolver(dns).ResolveDomainAsync("example.com", CancellationToken.None);
        Assert.Equal(MailHostStatus.TemporaryFailure, r.Status);
        Assert.Equal("MX lookup for example.com: server 127.0.0.1:53 timed out", r.Detail);
    }

    [Theory]
    [InlineData(DnsResponseCode.ServFail, "SERVFAIL")]
    [InlineData(DnsResponseCode.Refused, "REFUSED")]
    [InlineData(DnsResponseCode.FormErr, "FORMERR")]
    public async Task Server_failure_is_temporary(DnsResponseCode rcode, string text)
    {
        var dns = new ScriptedDns().Override("example.com", DnsRecordType.MX, ScriptedDns.Response("example.com", DnsRecordType.MX, rcode));
        var r = await Resolver(dns).ResolveDomainAsync("example.com", CancellationToken.None);
        Assert.Equal(MailHostStatus.TemporaryFailure, r.Status);
        Assert.Equal($"MX lookup for example.com: {text} from 127.0.0.1:53", r.Detail);
    }

    [Fact]
    public async Task Mx_host_without_addresses_is_skipped_and_named()
    {
        var dns = new ScriptedDns()
            .Mx("example.test", 10, "dead.example.test").Mx("example.test", 20, "slow.example.test").Mx("example.test", 30, "ok.example.test")
            .Mx("example.test", 40, "empty.example.test").Mx("example.test", 50, "hal\\032f.example.test")
            .Add("empty.example.test", DnsRecordType.TXT, new RawData(new byte[] { 1, 65 }))
            .Override("slow.example.test", DnsRecordType.A, TimedOut).Override("slow.example.test", DnsRecordType.AAAA, TimedOut)
            .A("ok.example.test", "192.0.2.1");
        var r = await Resolver(dns).ResolveDomainAsync("example.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.Ok, r.Status);
        Assert.Equal("30:ok.example.test=192.0.2.1", Hosts(r));
        Assert.Equal(
            "skipped MX \"hal\\032f.example.test\": character '\\' is not allowed in a domain name; " +
            "skipped MX dead.example.test: NXDOMAIN (no such host); " +
            "skipped MX slow.example.test: A lookup for slow.example.test: server 127.0.0.1:53 timed out; AAAA lookup for slow.example.test: server 127.0.0.1:53 timed out; " +
            "skipped MX empty.example.test: no A or AAAA records",
            r.Detail);
    }

    [Fact]
    public async Task No_mx_host_with_an_address_is_temporary()
    {
        var dns = new ScriptedDns().Mx("example.test", 10, "a.example.test").Mx("example.test", 20, "b.example.test")
            .Override("b.example.test", DnsRecordType.A, TimedOut);
        var r = await Resolver(dns).ResolveDomainAsync("example.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.TemporaryFailure, r.Status);
        Assert.StartsWith("no MX host of example.test has an address; skipped MX a.example.test: NXDOMAIN", r.Detail, StringComparison.Ordinal);
        Assert.Contains("A lookup for b.example.test: server 127.0.0.1:53 timed out", r.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_mx_host_nxdomain_is_still_temporary_as_in_postfix()
    {
        var dns = new ScriptedDns().Mx("example.test", 10, "a.example.test").Mx("example.test", 20, "b.example.test");
        var r = await Resolver(dns).ResolveDomainAsync("example.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.TemporaryFailure, r.Status);
        Assert.StartsWith("no MX host of example.test has an address (every MX host name is NXDOMAIN; deferred, as Postfix does)", r.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Implicit_mx_without_addresses_is_temporary()
    {
        var dns = new ScriptedDns().Add("txt.test", DnsRecordType.TXT, new RawData(new byte[] { 1, 65 }));
        var r = await Resolver(dns).ResolveDomainAsync("txt.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.TemporaryFailure, r.Status);
        Assert.Equal("txt.test has no MX records and no usable address (implicit MX): no A or AAAA records", r.Detail);
    }

    [Fact]
    public async Task Cname_chain_of_an_mx_host_is_followed()
    {
        var dns = new ScriptedDns().Mx("example.test", 10, "alias.example.test")
            .Cname("alias.example.test", "link.example.test").Cname("link.example.test", "real.example.test")
            .A("real.example.test", "192.0.2.4").Aaaa("real.example.test", "2001:db8::4");
        var r = await Resolver(dns).ResolveDomainAsync("example.test", CancellationToken.None);
        Assert.Equal("10:alias.example.test=192.0.2.4,2001:db8::4", Hosts(r));
        Assert.Equal(1, dns.Count("alias.example.test", DnsRecordType.A));
        Assert.Equal(0, dns.Count("real.example.test", DnsRecordType.A));
    }

    [Fact]
    public async Task Cname_chain_cut_short_by_the_server_is_asked_again()
    {
        var dns = new ScriptedDns { ChaseCnames = false }
            .Cname("alias.test", "link.test").Cname("link.test", "real.test").A("real.test", "192.0.2.4");
        var r = await Resolver(dns).ResolveHostAsync("alias.test", CancellationToken.None);
        Assert.Equal("0:alias.test=192.0.2.4", Hosts(r));
        Assert.Equal(1, dns.Count("link.test", DnsRecordType.A));
        Assert.Equal(1, dns.Count("real.test", DnsRecordType.A));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Cname_loop_is_detected(bool chase)
    {
        var dns = new ScriptedDns { ChaseCnames = chase }.Cname("a.test", "b.test").Cname("b.test", "c.test").Cname("c.test", "A.test.");
        var r = await Resolver(dns).ResolveHostAsync("a.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.TemporaryFailure, r.Status);
        Assert.Contains("CNAME loop at a.test", r.Detail, StringComparison.Ordinal);
        Assert.True(dns.Queries.Count <= 6);
    }

    [Theory]
    [InlineData(8, MailHostStatus.Ok)]
    [InlineData(9, MailHostStatus.TemporaryFailure)]
    public async Task Cname_chain_is_followed_up_to_eight_links(int links, MailHostStatus status)
    {
        var dns = new ScriptedDns();
        for (var i = 0; i < links; i++) dns.Cname($"c{i}.test", $"c{i + 1}.test");
        dns.A($"c{links}.test", "192.0.2.1");
        var r = await Resolver(dns).ResolveHostAsync("c0.test", CancellationToken.None);
        Assert.Equal(status, r.Status);
        if (status != MailHostStatus.Ok) Assert.Contains("CNAME chain longer than 8", r.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Records_of_other_owners_in_the_answer_are_not_used()
    {
        var dns = new ScriptedDns().Override("mx.test", DnsRecordType.A, ScriptedDns.Response("mx.test", DnsRecordType.A, DnsResponseCode.NoError,
            [new DnsRecord("evil.test", DnsRecordType.A, 1, 60, new AddressData(IPAddress.Parse("203.0.113.1")))]));
        var r = await Resolver(dns).ResolveHostAsync("mx.test", CancellationToken.None);
        Assert.Equal(MailHostStatus.TemporaryFailure, r.Status);
    }

    [Fact]
    public async Task Static_entry_for_the_domain_wins_over_dns()
    {
        var dns = new ScriptedDns().Mx("example.test", 10, "mx.example.test").A("mx.example.test", "192.0.2.1");
        var hosts = new Dictionary<string, IReadOnlyList<IPAddress>> { ["Example.Test."] = [IPAddress.Parse("2001:db8::9"), IPAddress.Parse("198.51.100.9")] };
        var r = await Resolver(dns, hosts).ResolveDomainAsync("example.test", CancellationToken.None);
        Assert.Equal("0:example.test=198.51.100.9,2001:db8::9", Hosts(r));
        Assert.Empty(dns.Queries);
    }

    [Fact]
    public async Task Static_entry_for_an_mx_host_wins_over_dns()
    {
        var dns = new ScriptedDns().Mx("example.test", 10, "mx.example.test").A("mx.example.test", "192.0.2.1");
        var hosts = new Dictionary<string, IReadOnlyList<IPAddress>> { ["mx.example.test"] = [IPAddress.Parse("198.51.100.1")] };
        var r = await Resolver(dns, hosts).ResolveDomainAsync("example.test", CancellationToken.None);
        Assert.Equal("10:mx.example.test=198.51.100.1", Hosts(r));
        Assert.Equal(0, dns.Count("mx.example.test", DnsRecordType.A));
    }

    [Fact]
    public async Task Names_are_normalised_before_the_query()
    {
        var dns = new ScriptedDns().Mx("example.test", 10, "mx.example.test").A("mx.example.test", "192.0.2.1")
            .Mx("xn--bcher-kva.test", 10, "mx.example.test");
        Assert.Equal(MailHostStatus.Ok, (await Resolver(dns).ResolveDomainAsync("Example.TEST.", CancellationToken.None)).Status);
        Assert.Equal(MailHostStatus.Ok, (await Resolver(dns).ResolveDomainAsync("xn--bcher-kva.test", CancellationToken.None)).Status);
        Assert.Equal(MailHostStatus.Ok, (await Resolver(dns).ResolveDomainAsync("B\u00fccher.test", CancellationToken.None)).Status);
        Assert.Equal(["example.test", "xn--bcher-kva.test", "xn--bcher-kva.test"], dns.Queries.Where(q => q.Type == DnsRecordType.MX).Select(q => q.Name));
    }

    [Theory]
    [InlineData("", "invalid domain \"\": empty domain name")]
    [InlineData(".", "invalid domain \".\": the root is not a mail domain")]
    [InlineData("a..test", "invalid domain \"a..test\": empty label")]
    [InlineData("a.test..", "invalid domain \"a.test..\": empty label")]
    [InlineData("-x.test@", "invalid domain \"-x.test@\": character '@' is not allowed in a domain name")]
    [InlineData("a b.test", "invalid domain \"a b.test\": character U+0020 is not allowed in a domain name")]
    [InlineData("[192.0.2.300]", "invalid address literal \"[192.0.2.300]\"")]
    [InlineData("[IPv6:192.0.2.1]", "invalid address literal \"[IPv6:192.0.2.1]\"")]
    public async Task Invalid_domain_is_permanent_without_a_query(string domain, string detail)
    {
        var dns = new ScriptedDns();
        var r = await Resolver(dns).ResolveDomainAsync(domain, CancellationToken.None);
        Assert.Equal(MailHostStatus.NoSuchDomain, r.Status);
        Assert.Equal(detail, r.Detail);
        Assert.Empty(dns.Queries);
    }

    [Fact]
    public async Task Over_long_labels_and_names_are_invalid()
    {
        var dns = new ScriptedDns();
        var label64 = await Resolver(dns).ResolveDomainAsync(new string('a', 64) + ".test", CancellationToken.None);
        Assert.Equal("invalid domain \"" + new string('a', 64) + ".test\": label longer than 63 characters", label64.Detail);
        var name254 = string.Join('.', Enumerable.Repeat(new string('a', 49), 5)) + ".abcd"; // 5*50 + 4 = 254
        var tooLong = await Resolver(dns).ResolveDomainAsync(name254, CancellationToken.None);
        Assert.Equal(MailHostStatus.NoSuchDomain, tooLong.Status);
        Assert.EndsWith("domain name longer than 253 characters", tooLong.Detail, StringComparison.Ordinal);
        Assert.Empty(dns.Queries);
        var name253 = await Resolver(dns).ResolveDomainAsync(name254[1..] + ".", CancellationToken.None);
        Assert.Equal(MailHostStatus.NoSuchDomain, name253.Status); // valid, so asked: NXDOMAIN
        Assert.Single(dns.Queries);
    }

    [Fact]
    public async Task Address_literal_as_a_domain_needs_no_lookup()
    {
        var dns = new ScriptedDns();
        var r = await Resolver(dns).ResolveDomainAsync("[192.0.2.1]", CancellationToken.None);
        Assert.Equal("0:192.0.2.1=192.0.2.1", Hosts(r));
        Assert.Empty(dns.Queries);
    }

    // One line per case: the host as configured, and the resulting host list or the status.
    [Theory]
    [InlineData("192.0.2.1", "0:192.0.2.1=192.0.2.1")]
    [InlineData("[192.0.2.1]", "0:192.0.2.1=192.0.2.1")]
    [InlineData("[IPv6:2001:db8::1]", "0:2001:db8::1=2001:db8::1")]
    [InlineData("[ipv6:2001:DB8:0:0:0:0:0:1]", "0:2001:db8::1=2001:db8::1")]
    [InlineData("[2001:db8::1]", "0:2001:db8::1=2001:db8::1")]
    [InlineData("2001:db8::1", "0:2001:db8::1=2001:db8::1")]
    [InlineData("::ffff:192.0.2.1", "0:::ffff:192.0.2.1=::ffff:192.0.2.1")]
    [InlineData("relay.test", "0:relay.test=192.0.2.25,2001:db8::25")]
    [InlineData("RELAY.test.", "0:relay.test=192.0.2.25,2001:db8::25")]
    [InlineData("[relay.test]", "0:relay.test=192.0.2.25,2001:db8::25")]
    [InlineData("static.test", "0:static.test=198.51.100.7")]
    [InlineData("nosuch.test", "NoSuchDomain")]
    [InlineData("[192.0.2.256]", "NoSuchDomain")]
    [InlineData("[192.0.2]", "NoSuchDomain")]
    [InlineData("[IPv6:2001:db8::zz]", "NoSuchDomain")]
    [InlineData("[IPv6:fe80::1%eth0]", "NoSuchDomain")]
    [InlineData("2001:db8::1%2", "NoSuchDomain")]
    [InlineData("[]", "NoSuchDomain")]
    [InlineData("relay.test:25", "NoSuchDomain")]
    [InlineData("timeout.test", "TemporaryFailure")]
    public async Task Resolve_host(string host, string expected)
    {
        var dns = new ScriptedDns().A("relay.test", "192.0.2.25").Aaaa("relay.test", "2001:db8::25").A("static.test", "192.0.2.99")
            .Override("timeout.test", DnsRecordType.A, TimedOut).Override("timeout.test", DnsRecordType.AAAA, TimedOut);
        var hosts = new Dictionary<string, IReadOnlyList<IPAddress>> { ["static.test"] = [IPAddress.Parse("198.51.100.7")] };
        var r = await Resolver(dns, hosts).ResolveHostAsync(host, CancellationToken.None);
        Assert.Equal(expected, r.Status == MailHostStatus.Ok ? Hosts(r) : r.Status.ToString());
        Assert.DoesNotContain(dns.Queries, q => q.Type == DnsRecordType.MX);
    }

    [Fact]
    public async Task Host_detail_says_why()
    {
        var dns = new ScriptedDns().Override("timeout.test", DnsRecordType.A, TimedOut).Add("txt.test", DnsRecordType.TXT, new RawData(new byte[] { 1, 65 }));
        var resolver = Resolver(dns);
        Assert.Equal("nosuch.test: NXDOMAIN (no such host)", (await resolver.ResolveHostAsync("nosuch.test", CancellationToken.None)).Detail);
        Assert.Equal("txt.test: no A or AAAA records", (await resolver.ResolveHostAsync("txt.test", CancellationToken.None)).Detail);
        Assert.Equal("A lookup for timeout.test: server 127.0.0.1:53 timed out", (await resolver.ResolveHostAsync("timeout.test", CancellationToken.None)).Detail);
    }

    [Fact]
    public void Static_table_is_checked()
    {
        var dns = new ScriptedDns();
        Assert.Throws<ArgumentException>(() => new MailHostResolver(dns, new Dictionary<string, IReadOnlyList<IPAddress>> { ["a..b"] = [IPAddress.Loopback] }));
        Assert.Throws<ArgumentException>(() => new MailHostResolver(dns, new Dictionary<string, IReadOnlyList<IPAddress>> { ["a.b"] = [] }));
    }
}
