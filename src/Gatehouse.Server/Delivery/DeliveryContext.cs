using System.Net;
using Gatehouse.Server.Smtp;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Delivery;

/// <summary>What the delivery agents share: the configuration in force, host look-up, health reports and the clock.</summary>
internal sealed class DeliveryContext(SmtpServices services, TargetFinder targets, Action<Destination, bool> reportHealth)
{
    public ServerSnapshot Current => services.Current;

    public TargetFinder Targets { get; } = targets;

    public ILogger Logger => services.Logger;

    public TimeProvider Time => services.Time;

    public void ReportHealth(Destination d, bool success) => reportHealth(d, success);

    /// <summary>True when <paramref name="endpoint"/> is one of this server's own listeners: sending there would loop.</summary>
    public bool IsSelf(IPEndPoint endpoint) => services.LocalEndpoints.Any(l =>
        l.Port == endpoint.Port && (l.Address.Equals(endpoint.Address) || ((l.Address.Equals(IPAddress.Any) || l.Address.Equals(IPAddress.IPv6Any)) && Hosting.HostAddresses.IsLocal(endpoint.Address))));
}
