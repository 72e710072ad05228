using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Server.Tests.Support;

/// <summary>Hands out loopback endpoints that no other test is likely to want.</summary>
/// <remarks>
/// Tests run in parallel and other engineers' test runs share the machine, so each endpoint gets its
/// own random 127.x.y.z address as well as a port the kernel just said was free: a port taken again
/// in the window between release and bind would also need the same address to collide.
/// </remarks>
public static class Loopback
{
    public static IPEndPoint FreeEndpoint()
    {
        var address = new IPAddress([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(2, 255)]);
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}
