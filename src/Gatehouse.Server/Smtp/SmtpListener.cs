using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Protocol;
using Gatehouse.Server.Logging;

namespace Gatehouse.Server.Smtp;

/// <summary>Accepts TCP connections on one configured address and runs an <see cref="SmtpConnection"/> for each.</summary>
/// <remarks>
/// Plain sockets rather than Kestrel: STARTTLS swaps the stream under a live session, and the
/// connection limits answer with an SMTP 421 before any session exists (docs/architecture.md).
/// </remarks>
internal sealed class SmtpListener : IAsyncDisposable
{
    private readonly ListenerConfig _config;
    private readonly SmtpServices _services;
    private readonly Socket _socket;
    private readonly CancellationToken _stopping;
    private readonly CancellationToken _hardStop;
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();
    private Task? _acceptLoop;

    public SmtpListener(ListenerConfig config, SmtpServices services, CancellationToken stopping, CancellationToken hardStop)
    {
        _config = config;
        _services = services;
        _stopping = stopping;
        _hardStop = hardStop;
        _socket = new Socket(config.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (config.Address.AddressFamily == AddressFamily.InterNetworkV6 && config.Address.Equals(IPAddress.IPv6Any)) _socket.DualMode = true;
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(new IPEndPoint(config.Address, config.Port));
        _socket.Listen(1024);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public string Name => _config.Name;

    public IPEndPoint Endpoint => LocalEndPoint;

    public void Start() => _acceptLoop = AcceptLoopAsync();

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // a connection reset before accept, or a transient shortage: keep listening
            }
            client.NoDelay = true;
            var task = HandleAsync(client);
            _sessions.TryAdd(task, 0);
            _ = task.ContinueWith(t => _sessions.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task HandleAsync(Socket client)
    {
        await Task.Yield();
        IPAddress remote;
        try
        {
            remote = ((IPEndPoint)client.RemoteEndPoint!).Address;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            client.Dispose();
            return;
        }
        var verdict = _services.Limiter.TryAcquire(remote);
        if (verdict != ConnectionLimiter.Verdict.Accepted)
        {
            var reply = verdict == ConnectionLimiter.Verdict.TooManyTotal ? Replies.TooManyConnections : Replies.TooManyConnectionsFromHost;
            _services.Metrics.Refused(verdict == ConnectionLimiter.Verdict.TooManyTotal ? "connections" : "connections_per_client");
            Log.ConnectionRefused(_services.Logger, remote.ToString(), reply.Text);
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.SendAsync(System.Text.Encoding.ASCII.GetBytes(reply.ToWire()), SocketFlags.None, cts.Token).ConfigureAwait(false);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            client.Dispose();
            return;
        }
        _services.Metrics.SessionOpened();
        try
        {
            var connection = new SmtpConnection(client, _config, _services, _stopping, _hardStop);
            await using (connection.ConfigureAwait(false))
            {
                await connection.RunAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // RunAsync handles its own failures; this is the last guard so one session never takes the listener down.
            Log.SessionFailed(_services.Logger, remote.ToString(), e);
        }
        finally
        {
            _services.Limiter.Release(remote);
            _services.Metrics.SessionClosed();
        }
    }

    /// <summary>Stops accepting; returns when every session has ended.</summary>
    public async Task StopAsync()
    {
        _socket.Close();
        if (_acceptLoop is not null) await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_sessions.Keys).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}
