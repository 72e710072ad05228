using System.Net;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Tests.Addresses;

namespace Gatehouse.Core.Tests.Policy;

/// <summary>The one relay decision: closed by default, deny before every allow, ranges in both address families.</summary>
public class RelayPolicyTests
{
    // The permissions every row runs against, unless the row's first column names a preset.
    private static readonly Dictionary<string, RelayPermissions> Presets = new()
    {
        ["closed"] = RelayPermissions.Closed,
        ["auth"] = Permissions(authenticated: true),
        ["lan"] = Permissions(allow: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"], deny: ["10.66.0.0/16", "2001:db8:bad::/48"]),
        ["all"] = Permissions(authenticated: true, allow: ["10.0.0.0/8"], locals: ["192.0.2.25", "2001:db8::25"], deny: ["10.66.0.0/16", "198.51.100.0/24"]),
        ["mapped"] = Permissions(allow: ["::ffff:172.16.0.0/108"], deny: ["::ffff:10.66.0.0/112"], locals: ["::ffff:192.0.2.25"]),
        ["everyone"] = Permissions(allow: ["0.0.0.0/0", "::/0"], deny: ["203.0.113.0/24"]),
    };

    // preset | remote | local | user → allowed/refused and the rule that decided.
    public static TheoryData<string, string> Cases => GoldenTable.Rows("""
        # Closed unless something opens it, whoever asks.
        closed   | 10.1.2.3          | 127.0.0.1   | -     → refused no permission
        closed   | 127.0.0.1         | 127.0.0.1   | -     → refused no permission
        closed   | 10.1.2.3          | 127.0.0.1   | alice → refused no permission
        # Authentication opens it only when relay.allow_authenticated says so.
        auth     | 192.0.2.1         | 127.0.0.1   | alice → allowed relay.allow_authenticated
        auth     | 192.0.2.1         | 127.0.0.1   | -     → refused no permission
        lan      | 192.0.2.1         | 127.0.0.1   | alice → refused no permission
        # Client ranges, at their edges, in both families.
        lan      | 10.0.0.0          | 127.0.0.1   | -     → allowed relay.allow_clients
        lan      | 10.255.255.255    | 127.0.0.1   | -     → allowed relay.allow_clients
        lan      | 11.0.0.0          | 127.0.0.1   | -     → refused no permission
        lan      | 9.255.255.255     | 127.0.0.1   | -     → refused no permission
        lan      | 192.0.2.7         | 127.0.0.1   | -     → allowed relay.allow_clients
        lan      | 192.0.2.8         | 127.0.0.1   | -     → refused no permission
        lan      | 2001:db8::1       | ::1         | -     → allowed relay.allow_clients
        lan      | 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff | ::1 | - → allowed relay.allow_clients
        lan      | 2001:db9::1       | ::1         | -     → refused no permission
        lan      | fe80::1%2         | ::1         | -     → refused no permission
        # An IPv4 range does not hold an IPv6 address, but an IPv4-mapped client is its IPv4 address.
        lan      | ::a01:203         | ::1         | -     → refused no permission
        lan      | ::ffff:10.1.2.3   | ::1         | -     → allowed relay.allow_clients
        lan      | ::ffff:11.1.2.3   | ::1         | -     → refused no permission
        # Deny overrides every allow rule, for mapped clients too.
        lan      | 10.66.1.1         | 127.0.0.1   | -     → refused relay.deny_clients
        lan      | ::ffff:10.66.1.1  | 127.0.0.1   | -     → refused relay.deny_clients
        lan      | 2001:db8:bad::1   | ::1         | -     → refused relay.deny_clients
        lan      | 2001:db8:bae::1   | ::1         | -     → allowed relay.allow_clients
        all      | 10.66.1.1         | 192.0.2.25  | alice → refused relay.deny_clients
        all      | 198.51.100.9      | 192.0.2.25  | alice → refused relay.deny_clients
        everyone | 203.0.113.5       | 127.0.0.1   | -     → refused relay.deny_clients
        everyone | 198.51.100.9      | 127.0.0.1   | -     → allowed relay.allow_clients
        everyone | 2001:db8::9       | ::1         | -     → allowed relay.allow_clients
        # The local address the connection arrived on.
        all      | 192.0.2.1         | 192.0.2.25  | -     → allowed relay.allow_local_addresses
        all      | 192.0.2.1         | ::ffff:192.0.2.25 | - → allowed relay.allow_local_addresses
        all      | 192.0.2.1         | 2001:db8::25 | -    → allowed relay.allow_local_addresses
        all      | 192.0.2.1         | 192.0.2.26  | -     → refused no permission
        all      | 192.0.2.1         | 127.0.0.1   | alice → allowed relay.allow_authenticated
        all      | 10.9.9.9          | 127.0.0.1   | -     → allowed relay.allow_clients
        # Ranges and local addresses written in their IPv4-mapped form hold the IPv4 clients they name.
        mapped   | 172.16.0.9        | 127.0.0.1   | -     → allowed relay.allow_clients
        mapped   | ::ffff:172.16.0.9 | 127.0.0.1   | -     → allowed relay.allow_clients
        mapped   | 172.32.0.9        | 127.0.0.1   | -     → refused no permission
        mapped   | 10.66.0.1         | 192.0.2.25  | -     → refused relay.deny_clients
        mapped   | 192.0.2.1         | 192.0.2.25  | -     → allowed relay.allow_local_addresses
        """);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide(string input, string expected)
    {
        var cols = input.Split('|').Select(c => c.Trim()).ToArray();
        var client = new ClientFacts(IPAddress.Parse(cols[1]), IPAddress.Parse(cols[2]), cols[3] == "-" ? null : cols[3]);
        var verdict = RelayPolicy.Decide(Presets[cols[0]], client);
        var rule = expected[(expected.IndexOf(' ', StringComparison.Ordinal) + 1)..];
        Assert.True(expected.StartsWith(verdict.Allowed ? "allowed " : "refused ", StringComparison.Ordinal), $"{input}: {(verdict.Allowed ? "allowed" : "refused")}: {verdict.Reason}");
        if (rule == "no permission") Assert.Contains("has no relay permission", verdict.Reason, StringComparison.Ordinal);
        else Assert.Contains(rule, verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refusal_says_why_in_words_an_administrator_can_act_on()
    {
        var closed = RelayPolicy.Decide(RelayPermissions.Closed, new ClientFacts(IPAddress.Parse("192.0.2.1"), IPAddress.Loopback, "alice"));
        Assert.Equal("client 192.0.2.1 (authenticated as alice, but relay.allow_authenticated is off) has no relay permission; relaying is closed unless the configuration opens it", closed.Reason);
        var denied = RelayPolicy.Decide(Presets["lan"], ClientFacts.Anonymous(IPAddress.Parse("::ffff:10.66.1.1")));
        Assert.Equal("client 10.66.1.1 is in relay.deny_clients (10.66.0.0/16), which overrides every permission", denied.Reason);
    }

    private static RelayPermissions Permissions(bool authenticated = false, string[]? allow = null, string[]? locals = null, string[]? deny = null) =>
        new(authenticated, [.. (allow ?? []).Select(IPNetwork.Parse)], [.. (locals ?? []).Select(IPAddress.Parse)], [.. (deny ?? []).Select(IPNetwork.Parse)]);
}
