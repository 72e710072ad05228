using System.Globalization;
using System.Net;
using Gatehouse.Core.Protocol;
using Gatehouse.Dns;
using Gatehouse.Server.Smtp;

namespace Gatehouse.Server.Delivery;

/// <summary>The hosts and addresses to try for a destination, in order, or the reply that ends the attempt (null MX, no such domain, DNS failure).</summary>
/// <remarks>Static host entries (<c>delivery.hosts</c>) win over DNS; MX order and implicit MX are the resolver's (RFC 5321 §5.1, RFC 7505).</remarks>
internal sealed class TargetFinder(MailHostResolver resolver)
{
    public async Task<(IReadOnlyList<(string Host, IPEndPoint Endpoint)> Targets, SmtpReply? Refusal)> FindAsync(Destination d, ServerSnapshot snapshot, CancellationToken ct)
    {
        var config = snapshot.Config;
        var transport = d.Connector is { } name && config.Connectors.FirstOrDefault(c => c.Name == name) is { } connector ? connector.Transport : null;
        switch (d.Kind)
        {
            case DestinationKind.Server:
                {
                    var server = config.FindServer(d.Name);
                    if (server?.InboundListener is not { } listener)
                    {
                        return ([], SmtpReply.Of(451, "4.4.4", $"Server {d.Name} has no inbound listener in the configuration"));
                    }
                    if (!listener.Address.Equals(IPAddress.Any) && !listener.Address.Equals(IPAddress.IPv6Any))
                    {
                        return ([(server.Hostname, new IPEndPoint(listener.Address, listener.Port))], null);
                    }
                    return await HostAsync(server.Hostname, listener.Port, ct).ConfigureAwait(false);
                }
            case DestinationKind.Mx:
                {
                    var port = transport?.Port ?? config.Delivery.SmtpPort;
                    var r = await resolver.ResolveDomainAsync(d.Name, ct).ConfigureAwait(false);
                    return r.Status switch
                    {
                        MailHostStatus.Ok => (Expand(r, port), null),
                        MailHostStatus.NullMx => ([], SmtpReply.Of(550, "5.1.10", $"Recipient domain {d.Name} does not accept mail (null MX, RFC 7505)")),
                        MailHostStatus.NoSuchDomain => ([], SmtpReply.Of(550, "5.1.2", $"Recipient domain {d.Name} does not exist ({r.Detail})")),
                        _ => ([], SmtpReply.Of(451, "4.4.3", $"DNS look-up for {d.Name} failed: {r.Detail}")),
                    };
                }
            case DestinationKind.Host or DestinationKind.Lmtp:
                {
                    var (host, port) = SplitHostPort(d.Name, d.Kind == DestinationKind.Lmtp ? 24 : transport?.Port ?? config.Delivery.SmtpPort);
                    return await HostAsync(host, port, ct).ConfigureAwait(false);
                }
            default:
                return ([], SmtpReply.Of(451, "4.3.5", $"Destination {d.Key} is not reached over SMTP"));
        }
    }

    private async Task<(IReadOnlyList<(string, IPEndPoint)>, SmtpReply?)> HostAsync(string host, int port, CancellationToken ct)
    {
        var r = await resolver.ResolveHostAsync(host, ct).ConfigureAwait(false);
        return r.Status == MailHostStatus.Ok
            ? (Expand(r, port), null)
            : ([], SmtpReply.Of(451, "4.4.3", $"Could not find the address of {host}: {r.Detail}"));
    }

    private static List<(string, IPEndPoint)> Expand(MailHostResult r, int port) =>
        r.Hosts.SelectMany(h => h.Addresses.Select(a => (h.Name, new IPEndPoint(a, port)))).ToList();

    /// <summary>Splits <c>host</c>, <c>host:port</c>, <c>[v6]</c> or <c>[v6]:port</c> (the configuration checked the form).</summary>
    public static (string Host, int Port) SplitHostPort(string text, int defaultPort)
    {
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            var port = close + 2 < text.Length ? int.Parse(text.AsSpan(close + 2), CultureInfo.InvariantCulture) : defaultPort;
            return (text[..(close + 1)], port);
        }
        var colon = text.LastIndexOf(':');
        return colon < 0 ? (text, defaultPort) : (text[..colon], int.Parse(text.AsSpan(colon + 1), CultureInfo.InvariantCulture));
    }
}
