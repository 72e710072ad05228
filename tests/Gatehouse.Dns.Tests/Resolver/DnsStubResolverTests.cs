using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gatehouse.Dns.Tests.Support;

namespace Gatehouse.Dns.Tests.Resolver;

/// <summary>The stub resolver against an in-process server that sends exactly the datagrams a test wants.</summary>
public class DnsStubResolverTests
{
    // Long enough for a busy machine to answer, where an answer is expected.
    private static readonly DnsResolverOptions Patient = new() { Timeout = TimeSpan.FromSeconds(10), Attempts = 1 };

    // Short, where the test waits for a try to time out.
    private static readonly DnsResolverOptions Impatient = new() { Timeout = TimeSpan.FromMilliseconds(300), Attempts = 1 };

    private static byte[] Answer(byte[] query, string address = "192.0.2.1") =>
        Packet.ResponseTo(query).Answer("host.test", DnsRecordType.A, 60, Packet.A(address)).Build();

    [Fact]
    public async Task Query_goes_out_with_rd_one_question_and_a_random_id_from_a_new_port()
    {
        await using var server = FakeDnsServer.Start(q => [Answer(q)]);
        var resolver = new DnsStubResolver([server.Endpoint], Patient);
        for (var i = 0; i < 20; i++)
        {
            var response = await resolver.QueryAsync("host.test", DnsRecordType.A, CancellationToken.None);
            Assert.Equal(DnsResponseCode.NoError, response.ResponseCode);
            Assert.Equal(IPAddress.Parse("192.0.2.1"), ((AddressData)Assert.Single(response.Answers).Data).Address);
            Assert.Equal(server.Endpoint, response.Server);
            Assert.False(response.OverTcp);
        }
        var queries = server.UdpQueries.ToList();
        Assert.Equal(20, queries.Count);
        foreach (var (query, _) in queries)
        {
            var m = DnsWire.Decode(query);
            Assert.False(m.IsResponse);
            Assert.True(m.RecursionDesired);
            Assert.Equal(new DnsQuestion("host.test", DnsRecordType.A, 1), Assert.Single(m.Questions));
            Assert.Empty(m.Answers);
        }
        // 20 draws from 65536 ids (and from the ephemeral port range) repeat rarely; a fixed value repeats always.
        Assert.True(queries.Select(q => DnsWire.Decode(q.Query).Id).Distinct().Count() >= 15);
        Assert.True(queries.Select(q => q.From.Port).Distinct().Count() >= 15);
    }

    [Fact]
    public async Task Datagrams_that_do_not_match_the_query_are_ignored()
    {
        await using var server = FakeDnsServer.Start(q =>
        {
            var good = Answer(q, "192.0.2.7");
            var wrongId = Answer(q, "203.0.113.1");
            wrongId[0] ^= 0x55;
            var notResponse = Answer(q, "203.0.113.2");
            notResponse[2] &= 0x7F;
            var otherName = Packet.ResponseTo(DnsWire.EncodeQuery(DnsWire.Decode(q).Id, "evil.test", DnsRecordType.A))
                .Answer("host.test", DnsRecordType.A, 60, Packet.A("203.0.113.3")).Build();
            var otherType = Packet.ResponseTo(DnsWire.EncodeQuery(DnsWire.Decode(q).Id, "host.test", DnsRecordType.AAAA)).Build();
            var noQuestion = (byte[])good.Clone();
            noQuestion[5] = 0;
            var malformed = good[..20];
            return [wrongId, notResponse, otherName, otherType, noQuestion, malformed, good];
        });
        var resolver = new DnsStubResolver([server.Endpoint], Patient);
        var response = await resolver.QueryAsync("host.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(IPAddress.Parse("192.0.2.7"), ((AddressData)Assert.Single(response.Answers).Data).Address);
    }

    [Fact]
    public async Task Only_non_matching_datagrams_is_a_timeout()
    {
        await using var server = FakeDnsServer.Start(q =>
        {
            var wrongId = Answer(q);
            wrongId[1] ^= 0x01;
            return [wrongId];
        });
        // Long enough for the bad datagram to arrive on a busy machine: the detail mentions it.
        var resolver = new DnsStubResolver([server.Endpoint], Impatient with { Timeout = TimeSpan.FromSeconds(1.5) });
        var response = await resolver.QueryAsync("host.test", DnsRecordType.A, CancellationToken.None);
        Assert.Null(response.ResponseCode);
        Assert.Null(response.Message);
        Assert.Equal($"server {server.Endpoint} timed out (ignored a datagram that did not match the query)", response.Detail);
    }

    [Fact]
    public async Task Echo_of_the_name_in_another_case_matches()
    {
        await using var server = FakeDnsServer.Start(q =>
            [Packet.ResponseTo(DnsWire.EncodeQuery(DnsWire.Decode(q).Id, "HOST.Test", DnsRecordType.A)).Build()]);
        var resolver = new DnsStubResolver([server.Endpoint], Patient);
        var response = await resolver.QueryAsync("host.test.", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(DnsResponseCode.NoError, response.ResponseCode);
    }

    [Fact]
    public async Task A_server_that_times_out_is_followed_by_the_next()
    {
        await using var silent = FakeDnsServer.Silent();
        await using var good = FakeDnsServer.Start(q => [Answer(q)]);
        // The timeout is per try, so it is also how long the second server has: long enough for a busy machine.
        var resolver = new DnsStubResolver([silent.Endpoint, good.Endpoint], new DnsResolverOptions { Timeout = TimeSpan.FromSeconds(1.5), Attempts = 2 });
        var clock = Stopwatch.StartNew();
        var response = await resolver.QueryAsync("host.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(good.Endpoint, response.Server);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.4), $"answered after {clock.Elapsed}, before the first server's timeout");
        Assert.Single(silent.UdpQueries);
        Assert.Single(good.UdpQueries);
    }

    [Fact]
    public async Task No_answer_from_any_server_after_every_attempt()
    {
        await using var one = FakeDnsServer.Silent();
        await using var two = FakeDnsServer.Silent();
        var resolver = new DnsStubResolver([one.Endpoint, two.Endpoint], Impatient with { Attempts = 2 });
        var response = await resolver.QueryAsync("host.test", DnsRecordType.MX, CancellationToken.None);
        Assert.Null(response.Message);
        Assert.Equal($"server {one.Endpoint} timed out; server {two.Endpoint} timed out", response.Detail);
        Assert.Equal(response.Detail, response.Describe());
        Assert.Equal(2, one.UdpQueries.Count);
        Assert.Equal(2, two.UdpQueries.Count);
    }

    [Fact]
    public async Task Closed_port_is_reported_as_refused()
    {
        IPEndPoint closed;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closed = (IPEndPoint)probe.LocalEndPoint!;
        }
        var resolver = new DnsStubResolver([closed], Patient);
        var clock = Stopwatch.StartNew();
        var response = await resolver.QueryAsync("host.test", DnsRecordType.A, CancellationToken.None);
        Assert.Null(response.Message);
        Assert.Equal($"server {closed} refused the connection (nothing listening)", response.Detail);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), "an ICMP port unreachable should not wait for the timeout");
    }

    [Fact]
    public async Task Servfail_moves_on_to_the_next_server()
    {
        await using var failing = FakeDnsServer.Start(q =>
        {
            var p = Packet.ResponseTo(q);
            p.Rcode = DnsResponseCode.ServFail;
            return [p.Build()];
        });
        await using var good = FakeDnsServer.Start(q => [Answer(q)]);
        var resolver = new DnsStubResolver([failing.Endpoint, good.Endpoint], Patient);
        var response = await resolver.QueryAsync("host.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(DnsResponseCode.NoError, response.ResponseCode);
        Assert.Equal(good.Endpoint, response.Server);
    }

    [Theory]
    [InlineData(DnsResponseCode.ServFail, "SERVFAIL")]
    [InlineData(DnsResponseCode.Refused, "REFUSED")]
    public async Task Servfail_or_refused_from_every_server_is_returned(DnsResponseCode rcode, string text)
    {
        await using var server = FakeDnsServer.Start(q =>
        {
            var p = Packet.ResponseTo(q);
            p.Rcode = rcode;
            return [p.Build()];
        });
        var resolver = new DnsStubResolver([server.Endpoint], Patient with { Attempts = 2 });
        var response = await resolver.QueryAsync("host.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(rcode, response.ResponseCode);
        Assert.Equal($"{text} from {server.Endpoint}", response.Describe());
        Assert.Equal(2, server.UdpQueries.Count);
    }

    [Fact]
    public async Task Nxdomain_ends_the_search()
    {
        await using var first = FakeDnsServer.Start(q =>
        {
            var p = Packet.ResponseTo(q);
            p.Rcode = DnsResponseCode.NxDomain;
            return [p.Build()];
        });
        await using var second = FakeDnsServer.Start(q => [Answer(q)]);
        var resolver = new DnsStubResolver([first.Endpoint, second.Endpoint], Patient);
        var response = await resolver.QueryAsync("host.test", DnsRecordType.A, CancellationToken.None);
        Assert.Equal(DnsResponseCode.NxDomain, response.ResponseCode);
        Assert.Empty(second.UdpQueries);
    }

    [Fact]
    public async Task Truncated_answer_is_asked_again_over_tcp()
    {
        await using var server = FakeDnsServer.Start(
            q =>
            {
                // TC set, one record claimed and none sent: only the header and question count.
                var p = Packet.ResponseTo(q);
                p.Truncated = true;
                var bytes = p.Build();
                bytes[7] = 1;
                return [bytes];
            },
            q =>
            {
                var p = Packet.ResponseTo(q);
                for (var i = 1; i <= 60; i++) p.Answer("host.test", DnsRecordType.A, 60, Packet.A($"10.0.0.{i}"));
                return p.Build();
            });
        var resolver = new DnsStubResolver([server.Endpoint], Patient);
        var response = await resolver.QueryAsync("host.test", DnsRecordType.A, CancellationToken.None);
        Assert.True(response.OverTcp);
        Assert.Equal(60, response.Answers.Count);
        Assert.Equal(server.Endpoint, response.Server);
        Assert.Single(server.UdpQueries);
        var tcpQuery = DnsWire.Decode(Assert.Single(server.TcpQueries));
        Assert.Equal(new DnsQuestion("host.test", DnsRecordType.A, 1), Assert.Single(tcpQuery.Questions));
        Assert.Equal($"NOERROR from {server.Endpoint} over TCP", response.Describe());
    }

    [Fact]
    public async Task Truncated_answer_without_tcp_is_a_failure_of_that_server()
    {
        await using var server = FakeDnsServer.Start(q =>
        {
            var p = Packet.ResponseTo(q);
            p.Truncated = true;
            return [p.Build()];
        });
        var resolver = new DnsStubResolver([server.Endpoint], Patient);
        var response = await resolver.QueryAsync("host.test", DnsRecordType.A, CancellationToken.None);
        Assert.Null(response.Message);
        Assert.Equal($"server {server.Endpoint} truncated its UDP answer; over TCP it refused the connection (nothing listening)", response.Detail);
    }

    [Fact]
    public async Task Tcp_answer_for_another_question_is_refused()
    {
        await using var server = FakeDnsServer.Start(
            q =>
            {
                var p = Packet.ResponseTo(q);
                p.Truncated = true;
                return [p.Build()];
            },
            q => Packet.ResponseTo(DnsWire.EncodeQuery(DnsWire.Decode(q).Id, "other.test", DnsRecordType.A)).Build());
        var resolver = new DnsStubResolver([server.Endpoint], Patient);
        var response = await resolver.QueryAsync("host.test", DnsRecordType.A, CancellationToken.None);
        Assert.Null(response.Message);
        Assert.EndsWith("over TCP it sent an answer that did not match the query", response.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_throws()
    {
        await using var silent = FakeDnsServer.Silent();
        var resolver = new DnsStubResolver([silent.Endpoint], Patient);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resolver.QueryAsync("host.test", DnsRecordType.A, cancel.Token));
    }

    [Fact]
    public async Task A_name_that_cannot_be_sent_is_the_callers_bug()
    {
        await using var server = FakeDnsServer.Start(q => [Answer(q)]);
        var resolver = new DnsStubResolver([server.Endpoint], Patient);
        await Assert.ThrowsAsync<ArgumentException>(() => resolver.QueryAsync("a..b", DnsRecordType.A, CancellationToken.None));
        Assert.Empty(server.UdpQueries);
    }

    [Fact]
    public void Options_are_checked()
    {
        IPEndPoint[] one = [new(IPAddress.Loopback, 53)];
        Assert.Throws<ArgumentException>(() => new DnsStubResolver([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DnsStubResolver(one, new DnsResolverOptions { Attempts = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DnsStubResolver(one, new DnsResolverOptions { Timeout = TimeSpan.Zero }));
    }
}
