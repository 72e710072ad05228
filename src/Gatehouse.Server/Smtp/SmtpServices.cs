using System.Security.Cryptography.X509Certificates;
using Gatehouse.Core.Queue;
using Gatehouse.Server.Hosting;
using Gatehouse.Spool;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Smtp;

/// <summary>What every SMTP connection of a server shares: the current configuration snapshot, the spool and the counters.</summary>
public sealed class SmtpServices
{
    private ServerSnapshot _current;

    public SmtpServices(ServerSnapshot snapshot, MessageSpool spool, X509Certificate2? certificate, ILogger logger, ServerMetrics metrics, TimeProvider time)
    {
        _current = snapshot;
        Spool = spool;
        Certificate = certificate;
        Logger = logger;
        Metrics = metrics;
        Time = time;
        Limiter = new ConnectionLimiter(snapshot.Limits.MaxConnections, snapshot.Limits.MaxConnectionsPerClient);
        QueueIds = new QueueIdGenerator(time, Random.Shared.Next());
    }

    /// <summary>The snapshot new sessions start with.</summary>
    public ServerSnapshot Current => Volatile.Read(ref _current);

    public MessageSpool Spool { get; }

    public X509Certificate2? Certificate { get; }

    public ILogger Logger { get; }

    public ServerMetrics Metrics { get; }

    public TimeProvider Time { get; }

    public ConnectionLimiter Limiter { get; }

    public QueueIdGenerator QueueIds { get; }

    /// <summary>The delivery scheduler that takes each committed message; null when delivery is not running (tests of the receive path).</summary>
    public Delivery.QueueManager? Queue { get; set; }

    /// <summary>Where tracking events go (the SQLite tracking log, or nowhere when tracking is off).</summary>
    public Core.Tracking.ITrackingSink Tracking { get; set; } = Core.Tracking.NoTracking.Instance;

    /// <summary>The bound SMTP endpoints of this server (to recognise a next hop that is ourselves).</summary>
    public IReadOnlyList<System.Net.IPEndPoint> LocalEndpoints { get; set; } = [];

    /// <summary>Makes <paramref name="next"/> the snapshot of every session that starts from now on.</summary>
    public void Swap(ServerSnapshot next)
    {
        Limiter.SetLimits(next.Limits.MaxConnections, next.Limits.MaxConnectionsPerClient);
        Volatile.Write(ref _current, next);
    }
}
