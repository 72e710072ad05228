namespace Gatehouse.Server.Tests.Scenarios.Kit;

/// <summary>The rewriting of an example's files for a scenario run: every scenario port moves consistently, nothing else does.</summary>
public sealed class ExampleCopyTests
{
    private const string Org1 = """
        listeners:
          - {address: 127.0.0.2, port: 2651}
        forward_to: "127.0.0.3:2652"   # Org2's server 456
        admin: {address: 127.0.0.2, port: 2697, token: example-123-token}
        dns_servers: ["127.0.0.53:2653"]
        smtp_port: 2625
        max_message_size: 26MiB
        hosts: {legacy: [10.26.26.11]}
        """;

    private const string Org2 = "listeners:\n  - {address: 127.0.0.3, port: 2652}\n";

    [Fact]
    public void Ports_are_found_once_across_files_and_addresses_are_not_ports() =>
        Assert.Equal([2625, 2651, 2652, 2653, 2697], ExampleCopy.PortsIn([Org1, Org2]));

    [Fact]
    public void A_port_is_moved_the_same_way_in_every_file_and_the_DNS_server_is_replaced_whole()
    {
        var ports = new Dictionary<int, int> { [2625] = 40025, [2651] = 40051, [2652] = 40052, [2653] = 40053, [2697] = 40097 };
        var one = ExampleCopy.Rewrite(Org1, ports, "127.9.9.9:5353");
        var two = ExampleCopy.Rewrite(Org2, ports, "127.9.9.9:5353");
        Assert.Contains("forward_to: \"127.0.0.3:40052\"", one, StringComparison.Ordinal);
        Assert.Contains("port: 40052", two, StringComparison.Ordinal);
        Assert.Contains("dns_servers: [\"127.9.9.9:5353\"]", one, StringComparison.Ordinal);
        Assert.Contains("smtp_port: 40025", one, StringComparison.Ordinal);
        Assert.Contains("max_message_size: 26MiB", one, StringComparison.Ordinal);
        Assert.Contains("[10.26.26.11]", one, StringComparison.Ordinal);
        Assert.Contains("address: 127.0.0.2, port: 40051", one, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_record_lines_of_an_example_dnsmasq_conf_are_kept() =>
        Assert.Equal(["local=/example.net/", "mx-host=example.net,mx.example.net,10", "host-record=mx.example.net,127.0.0.10"], ExampleCopy.DnsRecords(
        [
            "# comment", "port=2653", "listen-address=127.0.0.53", "bind-interfaces", "no-resolv", "no-hosts", "keep-in-foreground", "log-queries", "log-facility=-", "",
            "local=/example.net/", "mx-host=example.net,mx.example.net,10", "  host-record=mx.example.net,127.0.0.10  ",
        ]));

    [Fact]
    public void Free_ports_are_never_handed_out_twice() =>
        Assert.Equal(50, Enumerable.Range(0, 50).Select(_ => ExampleCopy.FreePort()).Distinct().Count());
}
