using System.Security.Cryptography.X509Certificates;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Protocol;
using Gatehouse.Core.Routing;
using Gatehouse.Core.Queue;
using Gatehouse.Core.Security;
using Gatehouse.Server.Hosting;
using Gatehouse.Spool;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Smtp;

/// <summary>What every SMTP connection of a server shares: the configuration snapshot, the spool and the counters.</summary>
public sealed class SmtpServices
{
    private readonly Dictionary<string, string> _users;

    public SmtpServices(GatehouseConfig config, ServerConfig server, MessageSpool spool, X509Certificate2? certificate, ILogger logger, ServerMetrics metrics, TimeProvider time)
    {
        Config = config;
        Server = server;
        Spool = spool;
        Certificate = certificate;
        Logger = logger;
        Metrics = metrics;
        Time = time;
        Limiter = new ConnectionLimiter(config.Limits.MaxConnections, config.Limits.MaxConnectionsPerClient);
        Routing = RoutingTable.Build(config, server, RoutingHealth.AllUp);
        QueueIds = new QueueIdGenerator(time, Random.Shared.Next());
        _users = config.Users.ToDictionary(u => u.Name, u => u.PasswordHash, StringComparer.Ordinal);
        // Unknown users are checked against a hash of the same cost as the real ones, so that
        // response time does not tell which user names exist.
        var iterations = config.Users.Select(u => PasswordHash.IterationsOf(u.PasswordHash)).DefaultIfEmpty(PasswordHash.DefaultIterations).Max();
        _dummyHash = PasswordHash.Create("unused-" + Guid.NewGuid(), iterations);
    }

    public GatehouseConfig Config { get; }

    public ServerConfig Server { get; }

    public SmtpLimits Limits => Config.Limits;

    public MessageSpool Spool { get; }

    public X509Certificate2? Certificate { get; }

    public ILogger Logger { get; }

    public ServerMetrics Metrics { get; }

    public TimeProvider Time { get; }

    public ConnectionLimiter Limiter { get; }

    /// <summary>This server's routing table; delivery health will feed it once delivery exists.</summary>
    public RoutingTable Routing { get; }

    /// <summary>The RCPT decision: exactly what <c>gatehouse route</c> prints for the same inputs.</summary>
    public SmtpReply? CheckRecipient(Mailbox recipient, ClientFacts client)
    {
        var verdict = RecipientRouter.Route(Routing, recipient, client);
        return verdict.Refusal;
    }

    public QueueIdGenerator QueueIds { get; }

    public bool HasUsers => _users.Count > 0;

    public bool VerifyCredentials(string user, string password) =>
        _users.TryGetValue(user, out var hash)
            ? PasswordHash.Verify(password, hash)
            // Spend the same time on unknown users so that timing does not tell which names exist.
            : PasswordHash.Verify(password, _dummyHash) && false;

    private readonly string _dummyHash;
}
