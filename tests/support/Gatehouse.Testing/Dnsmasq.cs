using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Testing;

/// <summary>A real dnsmasq answering DNS queries from records a test gives, on a random loopback address and port.</summary>
/// <remarks>
/// <para>
/// Start one per test with <see cref="StartAsync"/> and dispose it at the end (it is killed). The
/// records are dnsmasq configuration lines, for example <c>mx-host=example.test,mx1.example.test,10</c>,
/// <c>host-record=mx1.example.test,192.0.2.1,2001:db8::1</c>, <c>cname=alias.example.test,mx1.example.test</c>,
/// <c>dns-rr=nullmx.test,15,000000</c> (any RR as hex RDATA: here a null MX) or
/// <c>server=/fwd.test/127.0.0.1#5353</c> (forward a zone to another test server).
/// Every name under <c>test</c> that no line defines is NXDOMAIN (<c>--local=/test/</c>); a name outside
/// it gets REFUSED, as no upstream server is configured. dnsmasq answers authoritatively for its own
/// records, serves UDP and TCP on the same port, and, since the client offers no EDNS, truncates UDP
/// answers over 512 octets with TC set.
/// </para>
/// <para>
/// Each instance gets its own random 127.x.y.z address so parallel tests and other people's test runs
/// cannot collide. It runs without changing user (<c>--user=</c>), which works both as root and not,
/// reads no /etc/hosts, /etc/resolv.conf or /etc/dnsmasq.conf, and logs queries to <see cref="Log"/>.
/// A missing dnsmasq, or one that fails to start or to answer, throws with the reason and dnsmasq's
/// output, which fails the test rather than skipping it.
/// </para>
/// </remarks>
public sealed class Dnsmasq : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _log;
    private readonly DirectoryInfo _directory;
    private int _stopped;

    private Dnsmasq(Process process, StringBuilder log, DirectoryInfo directory, IPEndPoint endpoint)
    {
        _process = process;
        _log = log;
        _directory = directory;
        Endpoint = endpoint;
    }

    /// <summary>Where dnsmasq listens, on UDP and TCP.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>What dnsmasq has written so far (start-up messages and one line per query); useful in a failure message.</summary>
    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>The path of the dnsmasq binary; throws with installation advice when there is none.</summary>
    public static string Locate()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        // /usr/sbin is often missing from a non-root PATH, and that is where Debian puts dnsmasq.
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"]))
        {
            var candidate = Path.Combine(dir, "dnsmasq");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException(
            "dnsmasq is not installed (looked in PATH, /usr/sbin, /sbin and /usr/local/sbin). The DNS tests need a real DNS server: " +
            "install the Debian package dnsmasq-base (apt-get install dnsmasq-base), or run ./test.sh.");
    }

    /// <summary>Starts dnsmasq with the given configuration lines and waits until it answers a query.</summary>
    public static async Task<Dnsmasq> StartAsync(IEnumerable<string> configLines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configLines);
        var lines = configLines.ToList();
        foreach (var line in lines)
        {
            if (line.Contains('\n') || line.Contains('\r')) throw new ArgumentException($"A configuration line has a line break: \"{line}\".", nameof(configLines));
        }
        var binary = Locate();
        // A port the probe found free can be taken before dnsmasq binds it; then try another address.
        for (var attempt = 1; ; attempt++)
        {
            var endpoint = FreeEndpoint();
            var directory = Directory.CreateTempSubdirectory("gatehouse-dnsmasq-");
            var started = await TryStartAsync(binary, lines, endpoint, directory, cancellationToken).ConfigureAwait(false);
            if (started.Server is not null) return started.Server;
            if (Directory.Exists(directory.FullName)) directory.Delete(recursive: true);
            if (attempt == 3 || !started.Log.Contains("Address already in use", StringComparison.Ordinal))
                throw new InvalidOperationException($"dnsmasq did not start on {endpoint}: {started.Reason}\n--- dnsmasq output\n{started.Log}");
        }
    }

    private static async Task<(Dnsmasq? Server, string Reason, string Log)> TryStartAsync(
        string binary, List<string> lines, IPEndPoint endpoint, DirectoryInfo directory, CancellationToken cancellationToken)
    {
        var conf = Path.Combine(directory.FullName, "dnsmasq.conf");
        await File.WriteAllLinesAsync(conf, lines, cancellationToken).ConfigureAwait(false);
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            "--keep-in-foreground",
            "--conf-file=" + conf,
            "--port=" + endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--listen-address=" + endpoint.Address,
            "--bind-interfaces",
            "--no-resolv",
            "--no-hosts",
            "--no-poll",
            "--pid-file=",
            "--user=", // empty: stay the user we are; as root the default would switch to nobody
            "--local=/test/",
            "--log-queries",
            "--log-facility=-",
        ];
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var log = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log) log.Append(e.Data).Append('\n');
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log) log.Append(e.Data).Append('\n');
        };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new Dnsmasq(process, log, directory, endpoint);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false); // let the readers drain
                var reason = $"it exited with code {process.ExitCode}";
                process.Dispose();
                return (null, reason, server.Log);
            }
            if (await AnswersAsync(endpoint, cancellationToken).ConfigureAwait(false)) return (server, "", "");
            if (deadline.Elapsed > StartTimeout)
            {
                var output = server.Log;
                await server.StopAsync().ConfigureAwait(false);
                return (null, $"it did not answer a query within {StartTimeout.TotalSeconds:0} s", output);
            }
        }
    }

    private static async Task<bool> AnswersAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        // A hand-made query for "ready.test" A: this library must not depend on the DNS code it helps to test.
        var id = (ushort)Random.Shared.Next(0x10000);
        byte[] query = [0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, .. "ready"u8, 4, .. "test"u8, 0, 0, 1, 0, 1];
        BinaryPrimitives.WriteUInt16BigEndian(query, id);
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(200));
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            await socket.SendAsync(query, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var buffer = new byte[512];
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            return n >= 12 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (SocketException)
        {
            // Port unreachable until dnsmasq has bound its socket.
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>A random 127.x.y.z address and a port free on it for both UDP and TCP.</summary>
    private static IPEndPoint FreeEndpoint()
    {
        for (var tries = 0; ; tries++)
        {
            var address = new IPAddress([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(2, 255)]);
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(address, 0));
                var endpoint = (IPEndPoint)udp.LocalEndPoint!;
                using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(endpoint);
                return endpoint;
            }
            catch (SocketException) when (tries < 20)
            {
                // the TCP port was taken on this address: draw again
            }
        }
    }

    private async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // it exited in the meantime
        }
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // a process that ignores SIGKILL for 10 s is the kernel's problem; do not hang the test run on it
        }
        _process.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // a leftover temporary directory is harmless
        }
    }

    /// <summary>Kills dnsmasq and removes its configuration.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
