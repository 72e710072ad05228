using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Server.Tests.Support;

/// <summary>One SMTP reply as read from the wire: its code and the text of each line after "NNN-" or "NNN ".</summary>
public sealed record WireReply(int Code, IReadOnlyList<string> Lines)
{
    public string Text => Lines[0];

    /// <summary>The queue id of "250 2.0.0 OK queued as ID".</summary>
    public string QueueId
    {
        get
        {
            const string marker = "queued as ";
            var at = Text.IndexOf(marker, StringComparison.Ordinal);
            Assert.True(Code == 250 && at >= 0, $"not a 'queued as' reply: {this}");
            return Text[(at + marker.Length)..].Trim();
        }
    }

    public override string ToString() => string.Join(" | ", Lines.Select(l => $"{Code} {l}"));
}

/// <summary>A deliberately dumb SMTP client for tests: it writes exactly what it is told and reads replies line by line.</summary>
/// <remarks>
/// Tests read like wire transcripts: <c>await c.Send("MAIL FROM:&lt;a@b&gt;"); await c.Expect("250 2.1.0");</c>.
/// Every read has a generous deadline so that a server that stops answering fails the test instead of
/// hanging it. A transcript of both directions is kept and shown in every assertion message.
/// </remarks>
public sealed class SmtpTestClient : IAsyncDisposable
{
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(20);

    private readonly TcpClient _tcp;
    private readonly List<string> _transcript = [];
    private readonly byte[] _buffer = new byte[16 * 1024];
    private Stream _stream;
    private int _start;
    private int _end;

    private SmtpTestClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public string Transcript => string.Join("\n", _transcript);

    public bool IsTls => _stream is SslStream;

    /// <param name="localAddress">When given, the connection comes from this address (port chosen by the kernel), so a test can play a client inside or outside a relay range.</param>
    public static async Task<SmtpTestClient> ConnectAsync(IPEndPoint endpoint, bool implicitTls = false, IPAddress? localAddress = null)
    {
        var tcp = new TcpClient(endpoint.AddressFamily) { NoDelay = true };
        try
        {
            if (localAddress is not null) tcp.Client.Bind(new IPEndPoint(localAddress, 0));
            using var cts = new CancellationTokenSource(ReadTimeout);
            await tcp.ConnectAsync(endpoint, cts.Token);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
        var client = new SmtpTestClient(tcp);
        if (implicitTls) await client.UpgradeToTls();
        return client;
    }

    /// <summary>Sends one command line; CRLF is added.</summary>
    public Task Send(string line)
    {
        _transcript.Add("C: " + line);
        return WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
    }

    /// <summary>Sends text exactly as given (UTF-8, no line ending added).</summary>
    public Task SendRaw(string text) => SendRaw(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends octets exactly as given, in one write.</summary>
    public Task SendRaw(byte[] bytes)
    {
        _transcript.Add("C: (raw) " + Escape(Encoding.UTF8.GetString(bytes)));
        return WriteAsync(bytes);
    }

    private async Task WriteAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(ReadTimeout);
        await _stream.WriteAsync(bytes, cts.Token);
        await _stream.FlushAsync(cts.Token);
    }

    /// <summary>Reads one reply and checks it begins with <paramref name="expected"/>, e.g. "250 2.1.0" or "421".</summary>
    /// <remarks>The code must match on every line; the rest of <paramref name="expected"/> is a prefix of the first line's text.</remarks>
    public async Task<WireReply> Expect(string expected)
    {
        var reply = await ReadReply();
        var code = int.Parse(expected.AsSpan(0, 3), System.Globalization.CultureInfo.InvariantCulture);
        var rest = expected.Length > 4 ? expected[4..] : "";
        if (reply is null) Assert.Fail($"expected '{expected}' but the server closed the connection\n{Transcript}");
        if (reply.Code != code || !reply.Text.StartsWith(rest, StringComparison.Ordinal))
        {
            Assert.Fail($"expected '{expected}' but got '{reply}'\n{Transcript}");
        }
        return reply;
    }

    /// <summary>Reads one whole (possibly multi-line) reply, or null when the server closed the connection first.</summary>
    public async Task<WireReply?> ReadReply()
    {
        var lines = new List<string>();
        var code = 0;
        while (true)
        {
            var line = await ReadLine();
            if (line is null)
            {
                if (lines.Count > 0) Assert.Fail($"connection closed in the middle of a reply\n{Transcript}");
                return null;
            }
            _transcript.Add("S: " + line);
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), System.Globalization.CultureInfo.InvariantCulture, out var c) || (line.Length > 3 && line[3] is not (' ' or '-')))
            {
                Assert.Fail($"malformed reply line '{line}'\n{Transcript}");
                return null;
            }
            if (lines.Count > 0 && c != code) Assert.Fail($"reply code changed within a multi-line reply\n{Transcript}");
            code = c;
            lines.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length == 3 || line[3] == ' ') return new WireReply(code, lines);
        }
    }

    /// <summary>Checks that the server closes the connection without saying anything more.</summary>
    public async Task ExpectClosed()
    {
        var reply = await ReadReply();
        if (reply is not null) Assert.Fail($"expected the connection to be closed but got '{reply}'\n{Transcript}");
    }

    /// <summary>EHLO with the usual name; returns the extension lines.</summary>
    public async Task<IReadOnlyList<string>> Ehlo(string name = "client.test")
    {
        await Send("EHLO " + name);
        var reply = await Expect("250");
        return reply.Lines;
    }

    /// <summary>STARTTLS, then the handshake, then EHLO again (RFC 3207 §4.2); returns the new extension lines.</summary>
    public async Task<IReadOnlyList<string>> StartTls()
    {
        await Send("STARTTLS");
        await Expect("220 2.0.0");
        await UpgradeToTls();
        return await Ehlo();
    }

    /// <summary>Runs the TLS handshake on the current connection, accepting any server certificate.</summary>
    public async Task UpgradeToTls()
    {
        // Bytes the client had read beyond the 220 would belong to the clear-text session: there must be none.
        Assert.True(_start == _end, $"unread clear-text bytes before the TLS handshake\n{Transcript}");
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var cts = new CancellationTokenSource(ReadTimeout);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "gatehouse.test",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, cts.Token);
        _stream = tls;
        _transcript.Add($"-- TLS {tls.SslProtocol}");
    }

    /// <summary>AUTH PLAIN with an initial response (RFC 4616).</summary>
    public Task AuthPlain(string user, string password) =>
        Send("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}")));

    /// <summary>MAIL, RCPT for each recipient, DATA and the content; returns the queue id of the 250.</summary>
    /// <remarks><paramref name="content"/> is the message as it is to be stored; dot-stuffing and the final dot are added here.</remarks>
    public async Task<string> SendMessage(string from, IReadOnlyList<string> to, string content)
    {
        await Send($"MAIL FROM:<{from}>");
        await Expect("250 2.1.0");
        foreach (var r in to)
        {
            await Send($"RCPT TO:<{r}>");
            await Expect("250 2.1.5");
        }
        await Send("DATA");
        await Expect("354");
        var stuffed = string.Join("\r\n", content.Split("\r\n").Select(l => l.StartsWith('.') ? "." + l : l));
        await SendRaw(stuffed + (stuffed.EndsWith("\r\n", StringComparison.Ordinal) ? "" : "\r\n") + ".\r\n");
        return (await Expect("250 2.0.0")).QueueId;
    }

    private async Task<string?> ReadLine()
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
                return line;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) Assert.Fail($"reply line longer than {_buffer.Length} octets\n{Transcript}");
            int n;
            try
            {
                using var cts = new CancellationTokenSource(ReadTimeout);
                n = await _stream.ReadAsync(_buffer.AsMemory(_end), cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no reply within {ReadTimeout.TotalSeconds:0} s\n{Transcript}");
                throw;
            }
            catch (IOException)
            {
                n = 0; // a reset is as good as a close for these tests
            }
            if (n == 0)
            {
                if (_end > _start) _transcript.Add("S: (partial) " + Escape(Encoding.UTF8.GetString(_buffer, _start, _end - _start)));
                return null;
            }
            _end += n;
        }
    }

    /// <summary>Closes the connection with a TCP reset instead of a FIN, like a client that crashed.</summary>
    public void Abort()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Client.Close();
    }

    private static string Escape(string s) => s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
        }
        _tcp.Dispose();
    }
}
