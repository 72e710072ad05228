using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Protocol;
using Gatehouse.Core.Routing;
using Gatehouse.Core.Security;

namespace Gatehouse.Server.Smtp;

/// <summary>One immutable configuration snapshot as a running server uses it: swapped whole on reload, read once per session.</summary>
/// <remarks>A session keeps the snapshot it started with, so a reload never changes the rules in the middle of a transaction.</remarks>
public sealed class ServerSnapshot
{
    private readonly Dictionary<string, string> _users;
    private readonly string _dummyHash;

    private ServerSnapshot(ServerSnapshot other, RoutingHealth health)
    {
        Config = other.Config;
        Server = other.Server;
        Routing = RoutingTable.Build(Config, Server, health, other.Routing.HostAddresses);
        VerifiesRecipients = other.VerifiesRecipients;
        _users = other._users;
        _dummyHash = other._dummyHash;
    }

    public ServerSnapshot(GatehouseConfig config, ServerConfig server, RoutingHealth health)
    {
        Config = config;
        Server = server;
        Routing = RoutingTable.Build(config, server, health, Hosting.HostAddresses.Current());
        VerifiesRecipients = config.Domains.Any(d => d.VerifyRecipients);
        _users = config.Users.ToDictionary(u => u.Name, u => u.PasswordHash, StringComparer.Ordinal);
        // Unknown users are checked against a hash of the same cost as the real ones, so that
        // response time does not tell which user names exist.
        var iterations = config.Users.Select(u => PasswordHash.IterationsOf(u.PasswordHash)).DefaultIfEmpty(PasswordHash.DefaultIterations).Max();
        _dummyHash = PasswordHash.Create("unused-" + Guid.NewGuid(), iterations);
    }

    /// <summary>The relay facts of a client: another server of the organization is <see cref="ClientFacts.Internal"/>.</summary>
    public ClientFacts Facts(System.Net.IPAddress remote, System.Net.IPAddress local, string? authenticatedUser) => Routing.Facts(remote, local, authenticatedUser);

    /// <summary>The same configuration with another health input (a next hop marked down or up).</summary>
    public ServerSnapshot WithHealth(RoutingHealth health) => new(this, health);

    public GatehouseConfig Config { get; }

    public ServerConfig Server { get; }

    public SmtpLimits Limits => Config.Limits;

    /// <summary>This server's routing table.</summary>
    public RoutingTable Routing { get; }

    public bool HasUsers => _users.Count > 0;

    /// <summary>True when some forwarded domain asks its host about recipients at RCPT time (read at every RCPT, so worked out once).</summary>
    public bool VerifiesRecipients { get; }

    /// <summary>The forwarding host to ask about <paramref name="recipient"/> before accepting it, or null when none is to be asked.</summary>
    public string? VerificationHost(Mailbox recipient, ClientFacts client, Mailbox? sender)
    {
        var verdict = RecipientRouter.Route(Routing, recipient, client, explain: false, sender: sender);
        if (verdict.Refusal is not null || verdict.Route is not { Action: RouteAction.SendViaConnector, NextHop: { } hop, WireAddress.Mailbox: { } wire }) return null;
        if (!hop.StartsWith("host:", StringComparison.Ordinal) || Config.FindAcceptedDomain(wire.Domain) is not { VerifyRecipients: true, ForwardTo: { } forward }) return null;
        // Only mail that goes to the domain's own forwarding host: a contact's target elsewhere is not this host's to judge.
        return hop[5..].Equals(forward, StringComparison.OrdinalIgnoreCase) ? forward : null;
    }

    /// <summary>The RCPT decision: exactly what <c>gatehouse route</c> prints for the same inputs.</summary>
    /// <param name="relayDenied">Told the verdict when the recipient is refused because the client may not relay (for the tracking log).</param>
    public SmtpReply? CheckRecipient(Mailbox recipient, ClientFacts client, Mailbox? sender, Action<RecipientVerdict>? relayDenied = null)
    {
        var verdict = RecipientRouter.Route(Routing, recipient, client, explain: false, sender: sender);
        if (verdict.Relay is { Allowed: false }) relayDenied?.Invoke(verdict);
        return verdict.Refusal;
    }

    public bool VerifyCredentials(string user, string password) =>
        _users.TryGetValue(user, out var hash)
            ? PasswordHash.Verify(password, hash)
            : PasswordHash.Verify(password, _dummyHash) && false;
}
