using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Resolution;

namespace Gatehouse.Core.Routing;

/// <summary>The reverse-path a message carries when it leaves through an internet connector (seed Q183801's SiteDomain).</summary>
/// <remarks>
/// <para>A sender that the directory knows leaves as its primary SMTP address, so replies come back to
/// it. A non-SMTP sender that arrived encapsulated (<c>IMCEAEX-_O=ORG_..._CN=JDOE@ourdomain</c>, or any
/// other type) leaves as its primary SMTP address when the directory holds it, else
/// IMCEA-encapsulated at the connector's site domain, so that a reply decapsulates back to the
/// original address. Any other sender (an outside address being relayed, the null sender) is left as
/// it is.</para>
/// <para>Pure; never throws.</para>
/// </remarks>
public static class ReversePathRewriter
{
    public static (Mailbox? ReversePath, string Explanation) ForConnector(Mailbox? sender, ConnectorConfig connector, ResolverContext context)
    {
        if (sender is null) return (null, "null reverse-path: left as <>");
        var typed = TypedAddress.FromMailbox(sender);
        if (sender.Domain.Length > 0 && context.IsAcceptedDomain(sender.Domain) && Imcea.Decode(sender.LocalPart) is { Status: ImceaStatus.Decapsulated, Address: { } hidden })
        {
            typed = hidden;
        }
        var recipient = context.Directory.Find(typed);
        if (recipient?.PrimaryAddress(AddressType.Smtp)?.Mailbox is { } primary)
        {
            return primary == sender
                ? (sender, $"sender is {recipient.Kind} '{recipient.Alias}'; its primary SMTP address is the reverse-path")
                : (primary, $"sender {typed} is {recipient.Kind} '{recipient.Alias}': leaves as its primary SMTP address {primary.ToWire()}");
        }
        if (typed.Mailbox is { } smtp)
        {
            return (smtp, smtp == sender ? "sender left as it is" : $"encapsulated SMTP sender leaves decapsulated as {smtp.ToWire()}");
        }
        if (connector.SiteDomain is { } siteDomain && Imcea.TryEncapsulate(typed, siteDomain, out var encapsulated, out _))
        {
            return (encapsulated, $"{typed.Type} sender {typed.Value} has no SMTP address: encapsulated at site domain {siteDomain} as {encapsulated.ToWire()}, so replies come back to it");
        }
        return (sender, $"{typed.Type} sender has no SMTP address and connector {connector.Name} has no site_domain: left encapsulated as {sender.ToWire()}");
    }
}
