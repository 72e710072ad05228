using System.Net;
using System.Net.NetworkInformation;

namespace Gatehouse.Server.Hosting;

/// <summary>The addresses of this host's network interfaces, which a listener on every address (0.0.0.0, ::) answers on.</summary>
public static class HostAddresses
{
    /// <summary>Every unicast address of every interface, loopback included; empty when the system will not say.</summary>
    public static IReadOnlyCollection<IPAddress> Current()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(u => u.Address)
                .ToHashSet();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }

    /// <summary>True for a loopback address or an address of one of this host's interfaces.</summary>
    public static bool IsLocal(IPAddress a) => IPAddress.IsLoopback(a) || Current().Contains(a);
}
