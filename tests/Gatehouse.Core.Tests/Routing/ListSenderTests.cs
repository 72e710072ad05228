using System.Net;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Directory;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Routing;

namespace Gatehouse.Core.Tests.Routing;

/// <summary>Distribution lists with accept_from: who may send to them, checked at RCPT.</summary>
public class ListSenderTests
{
    private static readonly RoutingTable Table = Build();

    private static RoutingTable Build()
    {
        ProxyAddress P(string s) => ProxyAddress.TryParse(s, out var p, out var e) ? p : throw new FormatException(e);
        var server = new ServerConfig("gate", "gate.contoso.com", "/tmp", [new ListenerConfig("inbound", IPAddress.Loopback, 25, ListenerRole.Inbound, 0)], new TlsConfig(null, null), null);
        var directory = RecipientDirectory.Build(
        [
            new MailboxRecipient("jdoe", "John", [P("SMTP:jdoe@contoso.com"), P("EX:/O=CONTOSO/OU=HQ/CN=RECIPIENTS/CN=JDOE")], "gate"),
            new MailboxRecipient("ann", "Ann", [P("SMTP:ann@contoso.com")], "gate"),
            new MailboxRecipient("bob", "Bob", [P("SMTP:bob@contoso.com")], "gate"),
            new DistributionListRecipient("managers", "Managers", [P("SMTP:managers@contoso.com")], ["ann"]),
            new DistributionListRecipient("board", "Board", [P("SMTP:board@contoso.com")], ["jdoe", "ann"], AcceptFrom: ["jdoe", "managers"]),
            new DistributionListRecipient("all", "All", [P("SMTP:all@contoso.com")], ["jdoe", "ann", "bob"]),
        ], [], out var problems);
        Assert.Empty(problems);
        var limits = new SmtpLimits(1 << 20, 100, 2048, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), 1000, 50, 20, BareLineEndings.Reject, TimeSpan.FromSeconds(10));
        var config = new GatehouseConfig("Contoso", ["contoso.com"], [server], [], limits, SpoolSync.Syncfs, new LoggingConfig("warning", "text"), null)
        {
            Directory = directory,
            Domains = [new AcceptedDomain("contoso.com", AcceptedDomainKind.Authoritative, null, false)],
        };
        return RoutingTable.Build(config, server, RoutingHealth.AllUp);
    }

    [Theory]
    [InlineData("board@contoso.com", "jdoe@contoso.com", true)]
    [InlineData("board@contoso.com", "JDOE@contoso.com", true)]
    [InlineData("board@contoso.com", "ann@contoso.com", true)] // a member of managers, which accept_from names
    [InlineData("board@contoso.com", "IMCEAEX-_O=CONTOSO_OU=HQ_CN=RECIPIENTS_CN=JDOE@contoso.com", true)]
    [InlineData("board@contoso.com", "bob@contoso.com", false)]
    [InlineData("board@contoso.com", "outsider@example.net", false)]
    [InlineData("board@contoso.com", null, false)] // the null sender: a bounce to a restricted list is refused
    [InlineData("all@contoso.com", "outsider@example.net", true)] // no accept_from: anyone
    [InlineData("all@contoso.com", null, true)]
    public void Only_accepted_senders_reach_a_restricted_list(string to, string? from, bool accepted)
    {
        Assert.True(SmtpPathParser.TryParseMailbox(to, true, out var rcpt, out _));
        Mailbox? sender = null;
        if (from is not null) Assert.True(SmtpPathParser.TryParseMailbox(from, true, out sender, out _));
        var client = new ClientFacts(IPAddress.Parse("192.0.2.1"), IPAddress.Loopback, null);
        foreach (var explain in new[] { true, false })
        {
            var v = RecipientRouter.Route(Table, rcpt, client, explain: explain, sender: sender);
            Assert.Equal(accepted, v.Accepted);
            if (!accepted) Assert.Equal("550 5.7.1 Not authorized to send to this list", v.Refusal!.ToString());
        }
    }
}
