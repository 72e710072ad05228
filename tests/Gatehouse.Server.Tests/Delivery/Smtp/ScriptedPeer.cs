using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Delivery.Smtp;

/// <summary>An in-process SMTP server that follows a script, for replies no real server sends: split, garbage, none at all.</summary>
/// <remarks>
/// The script runs once per accepted connection and reads like a transcript:
/// <c>await s.Send("220 hi"); await s.Expect("EHLO ");</c>. What both sides said is kept in
/// <see cref="Transcript"/> for assertion messages. Script failures are rethrown by
/// <see cref="DisposeAsync"/>, so a test also fails when the client said something unexpected.
/// </remarks>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    private readonly TcpListener _listener;
    private readonly Func<PeerSession, Task> _script;
    private readonly List<Task> _sessions = [];
    private readonly List<string> _transcript = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private ScriptedPeer(TcpListener listener, Func<PeerSession, Task> script)
    {
        _listener = listener;
        _script = script;
        _accepting = AcceptAsync();
    }

    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    public int Connections { get; private set; }

    public string Transcript
    {
        get
        {
            lock (_transcript) return string.Join("\n", _transcript);
        }
    }

    public static ScriptedPeer Start(Func<PeerSession, Task> script)
    {
        var listener = new TcpListener(new IPEndPoint(Loopback.FreeEndpoint().Address, 0));
        listener.Start();
        return new ScriptedPeer(listener, script);
    }

    internal void Record(string line)
    {
        lock (_transcript) _transcript.Add(line);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Connections++;
            Record($"-- connection {Connections}");
            var session = new PeerSession(this, socket, _stop.Token);
            lock (_sessions) _sessions.Add(Task.Run(async () =>
            {
                await using (session) await _script(session);
            }));
        }
    }

    /// <summary>Waits for every session's script to end (within <see cref="ReadTimeout"/>) and fails with its error.</summary>
    public async Task FinishAsync()
    {
        Task[] sessions;
        lock (_sessions) sessions = [.. _sessions];
        try
        {
            await Task.WhenAll(sessions).WaitAsync(ReadTimeout);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"the peer's script failed: {e}\n{Transcript}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] sessions;
        lock (_sessions) sessions = [.. _sessions];
        await Task.WhenAll(sessions.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(ReadTimeout);
        _stop.Dispose();
    }
}

/// <summary>One connection to a <see cref="ScriptedPeer"/>.</summary>
internal sealed class PeerSession : IAsyncDisposable
{
    private readonly ScriptedPeer _peer;
    private readonly Socket _socket;
    private readonly CancellationToken _stop;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public PeerSession(ScriptedPeer peer, Socket socket, CancellationToken stop)
    {
        _peer = peer;
        _socket = socket;
        _stop = stop;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Sends one reply line; CRLF is added.</summary>
    public Task Send(string line) => SendRaw(line + "\r\n");

    /// <summary>Sends text exactly as given.</summary>
    public async Task SendRaw(string text)
    {
        _peer.Record("S: " + text.TrimEnd('\n').TrimEnd('\r').Replace("\r\n", "\\r\\n", StringComparison.Ordinal));
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text), _stop);
    }

    /// <summary>Reads one command line (without CRLF); null when the client closed the connection.</summary>
    public async Task<string?> ReadLine()
    {
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                var len = lf - _start;
                if (len > 0 && _buffer[lf - 1] == '\r') len--;
                var line = Encoding.UTF8.GetString(_buffer, _start, len);
                _start = lf + 1;
                _peer.Record("C: " + line);
                return line;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop);
            cts.CancelAfter(ScriptedPeer.ReadTimeout);
            int n;
            try
            {
                n = await _stream.ReadAsync(_buffer.AsMemory(_end), cts.Token);
            }
            catch (IOException)
            {
                n = 0;
            }
            if (n == 0) return null;
            _end += n;
        }
    }

    /// <summary>True when a whole line is already buffered: the client sent it without waiting for our reply.</summary>
    public bool HasBufferedLine => Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start) >= 0;

    /// <summary>Reads a line and checks that it starts with <paramref name="prefix"/> (case-sensitive).</summary>
    public async Task<string> Expect(string prefix)
    {
        var line = await ReadLine();
        Assert.True(line is not null, $"expected '{prefix}' but the client closed the connection\n{_peer.Transcript}");
        Assert.True(line.StartsWith(prefix, StringComparison.Ordinal), $"expected '{prefix}' but got '{line}'\n{_peer.Transcript}");
        return line;
    }

    /// <summary>Reads DATA content up to the final dot; returns it as sent (still dot-stuffed).</summary>
    public async Task<string> ReadContent()
    {
        var sb = new StringBuilder();
        while (true)
        {
            var line = await ReadLine();
            Assert.True(line is not null, $"the client closed the connection in the middle of DATA\n{_peer.Transcript}");
            if (line == ".") return sb.ToString();
            sb.Append(line).Append("\r\n");
        }
    }

    /// <summary>The usual start: greeting and a multi-line EHLO reply with these extensions.</summary>
    public async Task Greet(params string[] extensions)
    {
        await Send("220 peer.test ESMTP scripted");
        await Expect("EHLO ");
        var lines = new List<string> { "peer.test" };
        lines.AddRange(extensions);
        for (var i = 0; i < lines.Count; i++) await Send((i == lines.Count - 1 ? "250 " : "250-") + lines[i]);
    }

    /// <summary>TLS as the server, with a fresh self-signed certificate; whatever was buffered before is dropped.</summary>
    public async Task StartTls()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=peer.test", key, HashAlgorithmName.SHA256);
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // A PKCS#12 round trip gives a certificate whose key the TLS stack can use on every platform.
        using var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop);
        cts.CancelAfter(ScriptedPeer.ReadTimeout);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, cts.Token);
        _stream = tls;
        _start = _end = 0;
        _peer.Record("-- TLS");
    }

    /// <summary>The EHLO after TLS: only 8BITMIME.</summary>
    public async Task Greet8BitOnly()
    {
        await Expect("EHLO ");
        await SendRaw("250-peer.test\r\n250 8BITMIME\r\n");
    }

    /// <summary>Waits until the client goes away, answering nothing.</summary>
    public async Task Silence()
    {
        while (await ReadLine() is not null)
        {
        }
    }

    /// <summary>Closes the connection with a TCP reset, as a crashed server would.</summary>
    public void Abort()
    {
        _peer.Record("-- reset");
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
    }
}
