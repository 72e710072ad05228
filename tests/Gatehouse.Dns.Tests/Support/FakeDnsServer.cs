using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Dns.Tests.Support;

/// <summary>An in-process DNS server whose replies the test writes: any datagrams, in any order, or none at all.</summary>
/// <remarks>
/// UDP and, when a TCP handler is given, TCP on the same random loopback endpoint. Without a TCP handler
/// nothing listens on TCP, so a connection is refused.
/// </remarks>
internal sealed class FakeDnsServer : IAsyncDisposable
{
    private readonly Socket _udp;
    private readonly Socket? _tcp;
    private readonly Func<byte[], IEnumerable<byte[]>> _onUdp;
    private readonly Func<byte[], byte[]?>? _onTcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    private FakeDnsServer(Func<byte[], IEnumerable<byte[]>> onUdp, Func<byte[], byte[]?>? onTcp)
    {
        _onUdp = onUdp;
        _onTcp = onTcp;
        var address = new IPAddress([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(2, 255)]);
        _udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(new IPEndPoint(address, 0));
        Endpoint = (IPEndPoint)_udp.LocalEndPoint!;
        if (onTcp is not null)
        {
            _tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _tcp.Bind(Endpoint);
            _tcp.Listen();
        }
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>Every UDP query received, with the endpoint it came from.</summary>
    public ConcurrentQueue<(byte[] Query, IPEndPoint From)> UdpQueries { get; } = new();

    public ConcurrentQueue<byte[]> TcpQueries { get; } = new();

    /// <summary>Starts a server; <paramref name="onUdp"/> returns the datagrams to send back to a UDP query, <paramref name="onTcp"/> the answer to a TCP one (null: close).</summary>
    public static FakeDnsServer Start(Func<byte[], IEnumerable<byte[]>> onUdp, Func<byte[], byte[]?>? onTcp = null)
    {
        var server = new FakeDnsServer(onUdp, onTcp);
        server._loops.Add(Task.Run(server.UdpLoopAsync));
        if (server._tcp is not null) server._loops.Add(Task.Run(server.TcpLoopAsync));
        return server;
    }

    /// <summary>A server that reads queries and never answers.</summary>
    public static FakeDnsServer Silent() => Start(_ => []);

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[65535];
        try
        {
            while (true)
            {
                var r = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                var query = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
                var from = (IPEndPoint)r.RemoteEndPoint;
                UdpQueries.Enqueue((query, from));
                foreach (var datagram in _onUdp(query)) await _udp.SendToAsync(datagram, SocketFlags.None, from, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task TcpLoopAsync()
    {
        try
        {
            while (true)
            {
                var client = await _tcp!.AcceptAsync(_stop.Token);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            try
            {
                var prefix = new byte[2];
                await ReadAsync(client, prefix);
                var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                await ReadAsync(client, query);
                TcpQueries.Enqueue(query);
                var answer = _onTcp!(query);
                if (answer is null) return;
                var framed = new byte[answer.Length + 2];
                BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)answer.Length);
                answer.CopyTo(framed, 2);
                // Two writes, so the client must put the length and the message together itself.
                await client.SendAsync(framed.AsMemory(0, 1), SocketFlags.None, _stop.Token);
                await Task.Delay(20, _stop.Token);
                await client.SendAsync(framed.AsMemory(1), SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or EndOfStreamException)
            {
            }
        }
    }

    private async Task ReadAsync(Socket socket, byte[] buffer)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stop.Token);
            if (n == 0) throw new EndOfStreamException();
            filled += n;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _tcp?.Dispose();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }
}
