using Gatehouse.Core.Directory;
using Gatehouse.Core.Resolution;
using Gatehouse.Core.Routing;

namespace Gatehouse.Server.Tests.Routing;

/// <summary>
/// The five seeds' fixed behaviour, decided by the function the SMTP server calls at RCPT, on the very
/// files in <c>examples/</c> that the READMEs walk an administrator through: if an example drifts from
/// what its README shows, a case here fails.
/// </summary>
/// <remarks>
/// Columns: <c>server | address | client | auth | down → reply | action | connector | next hop | wire address</c>
/// (see <see cref="SeedRouteTable"/>). The internal network of the examples is 127.0.1.0/24; 192.0.2.1 (the
/// default) is a client on the Internet.
/// </remarks>
public class SeedRoutingTests
{
    // Q152919: a contact homed in site B, with an outside SMTP target. It is resolved on the first server
    // and routed from there with its SMTP address; site B being down never strands it.
    public static TheoryData<string, string, string> Q152919 => SeedRouteTable.Rows("q152919-home-site-down/org.yaml", """
        # Normally site B's connector is cheaper (1 + site connector 10 = 11 < 20): the message goes to
        # site B already addressed to the contact's SMTP target, not to the contact.
        a1 | pat@contoso.com      | - | - | -            → 250 | RelayToServer    | internet-b | b1                 | SMTP:pat@partner.example
        a1 | PAT@CONTOSO.COM      | - | - | -            → 250 | RelayToServer    | internet-b | b1                 | SMTP:pat@partner.example
        # The seed: site B's server is down. Site A's own connector carries the mail.
        a1 | pat@contoso.com      | - | - | b1           → 250 | SendViaConnector | internet-a | mx:partner.example | SMTP:pat@partner.example
        a1 | pat@contoso.com      | - | - | internet-b   → 250 | SendViaConnector | internet-a | mx:partner.example | SMTP:pat@partner.example
        a1 | pat@contoso.com      | - | - | a-to-b       → 250 | SendViaConnector | internet-a | mx:partner.example | SMTP:pat@partner.example
        # Nothing up: accepted and held, still with the resolved address.
        a1 | pat@contoso.com      | - | - | b1,internet-a → 250 | Hold            | -          | -                  | SMTP:pat@partner.example
        # In the contact's home site, and from there with its own connector down.
        b1 | pat@contoso.com      | - | - | -            → 250 | SendViaConnector | internet-b | mx:partner.example | SMTP:pat@partner.example
        b1 | pat@contoso.com      | - | - | a1           → 250 | SendViaConnector | internet-b | mx:partner.example | SMTP:pat@partner.example
        b1 | pat@contoso.com      | - | - | internet-b   → 250 | RelayToServer    | internet-a | a1                 | SMTP:pat@partner.example
        # The second hop: a1 hands b1 the resolved address, which b1 relays for a1 (and for nobody outside).
        b1 | pat@partner.example  | 127.0.0.2 | - | -    → 250 | SendViaConnector | internet-b | mx:partner.example | SMTP:pat@partner.example
        b1 | pat@partner.example  | - | - | -            → 550 5.7.1
        # Mailboxes go to their home server; one in a site that cannot be reached waits.
        a1 | alice@contoso.com    | - | - | -            → 250 | DeliverLocal     | -          | -                  | SMTP:alice@contoso.com
        a1 | bob@contoso.com      | - | - | -            → 250 | RelayToServer    | a-to-b     | b1                 | SMTP:bob@contoso.com
        a1 | bob@contoso.com      | - | - | b1           → 250 | Hold             | -          | -                  | SMTP:bob@contoso.com
        a1 | nobody@contoso.com   | - | - | -            → 550 5.1.1
        """);

    // Q237927: relaying off refuses every IMCEASMTP- one-off and every other spelling of an outside
    // address, from any client; relaying for one range relays them from inside only; the other site's
    // mailboxes stay reachable.
    public static TheoryData<string, string, string> Q237927Off => SeedRouteTable.Rows("q237927-encapsulated-relay/no-relay.yaml", """
        hq1 | IMCEASMTP-user+40ext.com@contoso.com           | -          | - | - → 550 5.7.1
        hq1 | IMCEASMTP-user+40ext.com@contoso.com           | 127.0.1.10 | - | - → 550 5.7.1
        hq1 | IMCEASMTP-user+40ext.com@contoso.com           | 127.0.0.3  | - | - → 550 5.7.1
        hq1 | imceasmtp-user+40ext.com@CONTOSO.COM           | 127.0.1.10 | - | - → 550 5.7.1
        hq1 | IMCEASMTP-IMCEASMTP-user+2B40ext+2Ecom+40contoso+2Ecom@contoso.com | 127.0.1.10 | - | - → 550 5.7.1
        hq1 | [SMTP:user@ext.com]                            | 127.0.1.10 | - | - → 550 5.7.1
        hq1 | user@ext.com                                   | 127.0.1.10 | - | - → 550 5.7.1
        hq1 | user%ext.com@contoso.com                       | 127.0.1.10 | - | - → 550 5.7.1
        hq1 | ext.com!user@contoso.com                       | 127.0.1.10 | - | - → 550 5.7.1
        hq1 | "user@ext.com"@contoso.com                     | 127.0.1.10 | - | - → 550 5.7.1
        hq1 | <@contoso.com:user@ext.com>                    | 127.0.1.10 | - | - → 550 5.7.1
        hq1 | user@[192.0.2.99]                              | 127.0.1.10 | - | - → 550 5.7.1
        br1 | IMCEASMTP-user+40ext.com@contoso.com           | 127.0.1.10 | - | - → 550 5.7.1
        # Directory recipients are delivered, in either site.
        hq1 | alice@contoso.com                              | -          | - | - → 250 | DeliverLocal  | -            | -   | SMTP:alice@contoso.com
        hq1 | bob@contoso.com                                | -          | - | - → 250 | RelayToServer | hq-to-branch | br1 | SMTP:bob@contoso.com
        hq1 | IMCEASMTP-bob+40contoso.com@contoso.com        | -          | - | - → 250 | RelayToServer | hq-to-branch | br1 | SMTP:IMCEASMTP-bob+40contoso.com@contoso.com
        hq1 | postmaster@contoso.com                         | -          | - | - → 250 | DeliverLocal  | -            | -   | -
        hq1 | nobody@contoso.com                             | -          | - | - → 550 5.1.1
        """);

    public static TheoryData<string, string, string> Q237927Range => SeedRouteTable.Rows("q237927-encapsulated-relay/org.yaml", """
        # From the internal network: relayed, by the decapsulated address.
        hq1 | IMCEASMTP-user+40ext.com@contoso.com           | 127.0.1.10 | - | - → 250 | SendViaConnector | internet | mx:ext.com | SMTP:user@ext.com
        hq1 | imceasmtp-user+40ext.com@CONTOSO.COM           | 127.0.1.10 | - | - → 250 | SendViaConnector | internet | mx:ext.com | SMTP:user@ext.com
        hq1 | [SMTP:user@ext.com]                            | 127.0.1.10 | - | - → 250 | SendViaConnector | internet | mx:ext.com | SMTP:user@ext.com
        hq1 | user@ext.com                                   | 127.0.1.10 | - | - → 250 | SendViaConnector | internet | mx:ext.com | SMTP:user@ext.com
        hq1 | <@contoso.com:user@ext.com>                    | 127.0.1.10 | - | - → 250 | SendViaConnector | internet | mx:ext.com | SMTP:user@ext.com
        hq1 | user@[192.0.2.99]                              | 127.0.1.10 | - | - → 250 | SendViaConnector | internet | mx:[192.0.2.99] | SMTP:user@[192.0.2.99]
        # The seed's "IMS used as a site connector": the branch server's address is on the list, so it may relay.
        hq1 | IMCEASMTP-user+40ext.com@contoso.com           | 127.0.0.3  | - | - → 250 | SendViaConnector | internet | mx:ext.com | SMTP:user@ext.com
        br1 | IMCEASMTP-user+40ext.com@contoso.com           | 127.0.1.10 | - | - → 250 | RelayToServer    | internet | hq1        | SMTP:user@ext.com
        # Sender-specified routing is never honoured, even for a client that may relay.
        hq1 | user%ext.com@contoso.com                       | 127.0.1.10 | - | - → 550 5.1.1
        hq1 | ext.com!user@contoso.com                       | 127.0.1.10 | - | - → 550 5.1.1
        hq1 | "user@ext.com"@contoso.com                     | 127.0.1.10 | - | - → 550 5.1.1
        # From outside the range: refused, whatever the spelling.
        hq1 | IMCEASMTP-user+40ext.com@contoso.com           | -          | - | - → 550 5.7.1
        hq1 | IMCEASMTP-user+40ext.com@contoso.com           | 127.0.2.10 | - | - → 550 5.7.1
        hq1 | IMCEASMTP-user+40ext.com@contoso.com           | ::ffff:192.0.2.1 | - | - → 550 5.7.1
        hq1 | IMCEASMTP-user+40ext.com@contoso.com           | -          | mallory | - → 550 5.7.1
        hq1 | [SMTP:user@ext.com]                            | -          | - | - → 550 5.7.1
        hq1 | user%ext.com@contoso.com                       | -          | - | - → 550 5.7.1
        hq1 | ext.com!user@contoso.com                       | -          | - | - → 550 5.7.1
        hq1 | "user@ext.com"@contoso.com                     | -          | - | - → 550 5.7.1
        hq1 | <@contoso.com:user@ext.com>                    | -          | - | - → 550 5.7.1
        hq1 | user@[192.0.2.99]                              | -          | - | - → 550 5.7.1
        # An IPv4-mapped IPv6 client inside the range is the same client.
        hq1 | IMCEASMTP-user+40ext.com@contoso.com           | ::ffff:127.0.1.10 | - | - → 250 | SendViaConnector | internet | mx:ext.com | SMTP:user@ext.com
        # The other site's mailbox is still reachable, from anyone.
        hq1 | bob@contoso.com                                | -          | - | - → 250 | RelayToServer    | hq-to-branch | br1 | SMTP:bob@contoso.com
        br1 | alice@contoso.com                              | -          | - | - → 250 | RelayToServer    | branch-to-hq | hq1 | SMTP:alice@contoso.com
        """);

    // Q183801: an SMTPOUT one-off with no SMTPOUT address space is refused with a reason; with the
    // address space and the outbound type map it leaves as SMTP.
    public static TheoryData<string, string, string> Q183801Without => SeedRouteTable.Rows("q183801-smtpout/without.yaml", """
        imc1 | [SMTPOUT:user@internal.domain.com]           | 127.0.1.10 | - | - → 550 5.4.4
        imc1 | IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@domain.com | 127.0.1.10 | - | - → 550 5.4.4
        # An outside client never learns about address types: it may not relay at all.
        imc1 | [SMTPOUT:user@internal.domain.com]           | -          | - | - → 550 5.7.1
        imc1 | user@internal.domain.com                     | 127.0.1.10 | - | - → 250 | SendViaConnector | internet | mx:internal.domain.com | SMTP:user@internal.domain.com
        """);

    public static TheoryData<string, string, string> Q183801With => SeedRouteTable.Rows("q183801-smtpout/with.yaml", """
        imc1 | [SMTPOUT:user@internal.domain.com]           | 127.0.1.10 | - | - → 250 | SendViaConnector | internet | host:127.0.0.5:2635 | SMTP:user@internal.domain.com
        imc1 | IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@domain.com | 127.0.1.10 | - | - → 250 | SendViaConnector | internet | host:127.0.0.5:2635 | SMTP:user@internal.domain.com
        imc1 | [SMTPOUT:someone@partner.example]            | 127.0.1.10 | - | - → 250 | SendViaConnector | internet | mx:partner.example  | SMTP:someone@partner.example
        imc1 | [SMTPOUT:user@internal.domain.com]           | 127.0.1.10 | - | internet → 250 | Hold         | -        | -                   | SMTPOUT:user@internal.domain.com
        imc1 | [SMTPOUT:user@internal.domain.com]           | -          | - | - → 550 5.7.1
        # Other types still have no connector.
        imc1 | [X400:c=US;a= ;p=Other;s=Smith]              | 127.0.1.10 | - | - → 550 5.4.4
        imc1 | [FAX:+15551234]                              | 127.0.1.10 | - | - → 550 5.4.4
        """);

    // Q264330: the quoted IMCEA address at a forwarded domain with authenticated-only relay.
    public static TheoryData<string, string, string> Q264330 => SeedRouteTable.Rows("q264330-quoted-imcea-relay/org.yaml", """
        # The seed's address. Unauthenticated: refused, nothing queued.
        ims1 | "IMCEA user@domain2.com"@localdomain1.com    | -          | -     | - → 550 5.7.1
        ims1 | "IMCEA user@domain2.com"@LocalDomain1.COM    | -          | -     | - → 550 5.7.1
        # As the article prints it, with a space before the @: not an RCPT path at all.
        ims1 | "IMCEA user@domain2.com" @localdomain1.com   | -          | -     | - → 501
        # Authenticated: accepted, and it goes where localdomain1.com goes, address unchanged; never to domain2.com.
        ims1 | "IMCEA user@domain2.com"@localdomain1.com    | -          | alice | - → 250 | SendViaConnector | accepted-domain localdomain1.com | host:127.0.0.4:2644 | SMTP:"IMCEA user@domain2.com"@localdomain1.com
        # The variants: quoting, percent, bang, encapsulation, source route.
        ims1 | "user@domain2.com"@localdomain1.com          | -          | -     | - → 550 5.7.1
        ims1 | user%domain2.com@localdomain1.com            | -          | -     | - → 550 5.7.1
        ims1 | domain2.com!user@localdomain1.com            | -          | -     | - → 550 5.7.1
        ims1 | IMCEASMTP-user+40domain2.com@localdomain1.com | -         | -     | - → 550 5.7.1
        ims1 | IMCEASMTP-user+40domain2.com@localdomain.com | -          | -     | - → 550 5.7.1
        ims1 | "IMCEASMTP-user+40domain2.com"@localdomain1.com | -       | -     | - → 550 5.7.1
        ims1 | <@localdomain1.com:user@domain2.com>         | -          | -     | - → 550 5.7.1
        ims1 | user@domain2.com                             | -          | -     | - → 550 5.7.1
        ims1 | user@domain2.com                             | 127.0.1.10 | -     | - → 550 5.7.1
        # Authenticated clients may relay: the unhonoured forms still go to the forwarding host as written,
        # a decapsulated address goes where it says.
        ims1 | user%domain2.com@localdomain1.com            | -          | alice | - → 250 | SendViaConnector | accepted-domain localdomain1.com | host:127.0.0.4:2644 | SMTP:user%domain2.com@localdomain1.com
        ims1 | IMCEASMTP-user+40domain2.com@localdomain1.com | -         | alice | - → 250 | SendViaConnector | internet | mx:domain2.com | SMTP:user@domain2.com
        ims1 | user@domain2.com                             | -          | alice | - → 250 | SendViaConnector | internet | mx:domain2.com | SMTP:user@domain2.com
        # The forwarded domain itself needs no relay permission: it is ours to accept.
        ims1 | someone@localdomain1.com                     | -          | -     | - → 250 | SendViaConnector | accepted-domain localdomain1.com | host:127.0.0.4:2644 | SMTP:someone@localdomain1.com
        ims1 | alice@localdomain.com                        | -          | -     | - → 250 | DeliverLocal     | -        | -              | SMTP:alice@localdomain.com
        ims1 | nobody@localdomain.com                       | -          | -     | - → 550 5.1.1
        # A decapsulated address is routed by its own domain, not by the domain it was wrapped in.
        ims1 | IMCEASMTP-x+40localdomain1.com@localdomain.com | -        | -     | - → 250 | SendViaConnector | accepted-domain localdomain1.com | host:127.0.0.4:2644 | SMTP:x@localdomain1.com
        ims1 | IMCEASMTP-nobody+40localdomain.com@localdomain1.com | -   | -     | - → 550 5.1.1
        """);

    // Q201127: Org1 takes mail for all three domains and forwards two of them to Org2's server by address.
    public static TheoryData<string, string, string> Q201127Org1 => SeedRouteTable.Rows("q201127-two-organizations/org1.yaml", """
        123 | bill@microsoft.com                            | - | - | - → 250 | DeliverLocal     | -                                    | -                   | SMTP:bill@microsoft.com
        123 | hans@microsoft-europe.com                     | - | - | - → 250 | SendViaConnector | accepted-domain microsoft-europe.com | host:127.0.0.3:2652 | SMTP:hans@microsoft-europe.com
        123 | Hans@Microsoft-Europe.COM                     | - | - | - → 250 | SendViaConnector | accepted-domain microsoft-europe.com | host:127.0.0.3:2652 | SMTP:Hans@microsoft-europe.com
        123 | amara@microsoft-africa.com                    | - | - | - → 250 | SendViaConnector | accepted-domain microsoft-africa.com | host:127.0.0.3:2652 | SMTP:amara@microsoft-africa.com
        # Org1 does not know Org2's users: all of them go on, and Org2 decides.
        123 | nobody@microsoft-africa.com                   | - | - | - → 250 | SendViaConnector | accepted-domain microsoft-africa.com | host:127.0.0.3:2652 | SMTP:nobody@microsoft-africa.com
        123 | nobody@microsoft.com                          | - | - | - → 550 5.1.1
        # Subdomains are not accepted unless configured, and Org1 relays for nobody.
        123 | hans@sub.microsoft-europe.com                 | - | - | - → 550 5.7.1
        123 | someone@elsewhere.example                     | - | - | - → 550 5.7.1
        123 | hans%microsoft-europe.com@microsoft.com       | - | - | - → 550 5.7.1
        """);

    public static TheoryData<string, string, string> Q201127Org2 => SeedRouteTable.Rows("q201127-two-organizations/org2.yaml", """
        456 | hans@microsoft-europe.com                     | 127.0.0.2 | - | - → 250 | DeliverLocal | - | - | SMTP:hans@microsoft-europe.com
        456 | amara@microsoft-africa.com                    | 127.0.0.2 | - | - → 250 | DeliverLocal | - | - | SMTP:amara@microsoft-africa.com
        456 | nobody@microsoft-africa.com                   | 127.0.0.2 | - | - → 550 5.1.1
        # Org2 removed microsoft.com: Org1's domain is outside here, and Org2 relays for nobody, Org1 included.
        456 | bill@microsoft.com                            | 127.0.0.2 | - | - → 550 5.7.1
        """);

    [Theory]
    [MemberData(nameof(Q152919))]
    public void Q152919_a_contact_never_waits_for_its_home_site(string file, string input, string expected) => Check(file, input, expected);

    [Theory]
    [MemberData(nameof(Q237927Off))]
    public void Q237927_relaying_off_refuses_encapsulated_one_offs(string file, string input, string expected) => Check(file, input, expected);

    [Theory]
    [MemberData(nameof(Q237927Range))]
    public void Q237927_relaying_for_one_range_is_decided_on_the_decapsulated_address(string file, string input, string expected) => Check(file, input, expected);

    [Theory]
    [MemberData(nameof(Q183801Without))]
    public void Q183801_without_an_SMTPOUT_address_space(string file, string input, string expected) => Check(file, input, expected);

    [Theory]
    [MemberData(nameof(Q183801With))]
    public void Q183801_with_an_SMTPOUT_address_space_and_type_map(string file, string input, string expected) => Check(file, input, expected);

    [Theory]
    [MemberData(nameof(Q264330))]
    public void Q264330_quoted_IMCEA_at_a_forwarded_domain_relays_only_for_authenticated_clients(string file, string input, string expected) => Check(file, input, expected);

    [Theory]
    [MemberData(nameof(Q201127Org1))]
    public void Q201127_org1_forwards_two_domains_to_org2(string file, string input, string expected) => Check(file, input, expected);

    [Theory]
    [MemberData(nameof(Q201127Org2))]
    public void Q201127_org2_accepts_its_own_domains(string file, string input, string expected) => Check(file, input, expected);

    [Fact]
    public void Q183801_the_refusal_names_the_address_type_no_connector_carries()
    {
        SeedRouteTable.Run("q183801-smtpout/without.yaml", "imc1 | [SMTPOUT:user@internal.domain.com] | 127.0.1.10 | - | -", out var v);
        Assert.Contains("SMTPOUT", v!.Refusal!.Text, StringComparison.Ordinal);
        Assert.Contains(v.Trace, line => line.Contains("no connector has an address space for SMTPOUT", StringComparison.Ordinal));
    }

    [Fact]
    public void Q152919_the_trace_shows_the_contact_resolved_on_the_first_server_and_the_skipped_route()
    {
        SeedRouteTable.Run("q152919-home-site-down/org.yaml", "a1 | pat@contoso.com | - | - | b1", out var v);
        Assert.Contains(v!.Trace, l => l.StartsWith("resolve: contact-target: pat -> SMTP:pat@partner.example", StringComparison.Ordinal));
        Assert.Contains(v.Trace, l => l.Contains("internet-b", StringComparison.Ordinal) && l.Contains("skipped, server b1 is down", StringComparison.Ordinal));
        Assert.Null(v.Relay);
    }

    [Fact]
    public void Q264330_the_refusal_says_the_relay_rule()
    {
        SeedRouteTable.Run("q264330-quoted-imcea-relay/org.yaml", "ims1 | \"IMCEA user@domain2.com\"@localdomain1.com | - | - | -", out var v);
        Assert.Equal(DestinationKind.SenderRouted, v!.Destination.Kind);
        Assert.False(v.Relay!.Allowed);
        Assert.Contains("not authenticated", v.Relay.Reason, StringComparison.Ordinal);
    }

    private static void Check(string file, string input, string expected)
    {
        var actual = SeedRouteTable.Run(file, input, out var verdict);
        Assert.True(expected == actual, $"{file}: {input}\n  expected: {expected}\n  actual:   {actual}\n  " + string.Join("\n  ", verdict?.Trace ?? []));
        if (verdict is null) return;

        // Whatever leaves the organization held a relay permission, unless the organization published it as a contact.
        var config = SeedRouteTable.Load(file);
        var r = verdict.Route;
        var leaves = r.WireAddress?.Mailbox is { } m && config.FindAcceptedDomain(m.Domain) is null
            && r.Action is RouteAction.SendViaConnector or RouteAction.RelayToServer or RouteAction.Hold;
        if (leaves && verdict.Destination.Recipient is not ContactRecipient) Assert.True(verdict.Relay?.Allowed == true, $"{input} leaves without a relay permission");
    }
}
