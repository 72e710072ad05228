using System.Buffers;
using Gatehouse.Core.Configuration;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Gatehouse.Core.Content;
using Gatehouse.Core.Envelope;
using Gatehouse.Core.Protocol;
using Gatehouse.Smtp.Client;

namespace Gatehouse.Server.Delivery.Smtp;

/// <summary>One outbound SMTP or LMTP connection: connect, greeting, EHLO, STARTTLS, AUTH, then any number of transactions.</summary>
/// <remarks>
/// <para>The I/O shell around the sans-I/O pieces of <see cref="Gatehouse.Smtp.Client"/>: it owns the
/// socket, TLS (<see cref="SslStream"/>), reading (<see cref="PipeReader"/>, replies parsed by
/// <see cref="ReplyReader"/>) and one timeout per stage (RFC 5321 §4.5.3.2). It does not choose hosts,
/// retry, or decide what a reply means for the queue.</para>
/// <para>Session (RFC 5321 §3.1–3.3, RFC 3207, RFC 4954, RFC 2033): EHLO, or HELO when EHLO gets a 5xx;
/// LHLO for LMTP. STARTTLS as <see cref="OutboundTls"/> says, then EHLO again with the old capabilities
/// thrown away, as are any bytes that arrived after the 220. An opportunistic handshake that fails
/// is retried once on a new connection without TLS. AUTH PLAIN, else LOGIN, only over TLS; a server
/// that offers no AUTH at all is used without it, as Postfix does.</para>
/// <para>Transactions (<see cref="SendAsync"/>): MAIL, RCPT and DATA in one write under PIPELINING
/// (RFC 2920), lock-step otherwise; no DATA when every RCPT failed; RSET after a transaction that
/// MAIL opened and the dot did not close. Content is read from the spool and dot-stuffed as it
/// streams (<see cref="DotStuffer"/>), except when the peer lacks 8BITMIME: then the message is read
/// into memory, bounded by its own size, and converted by <see cref="SevenBitDowngrade"/> (RFC 6152 §3).
/// BINARYMIME messages are refused with 5.6.3: sending them needs BDAT, which is not implemented, and
/// Gatehouse's server never accepts BODY=BINARYMIME.</para>
/// <para>How it fails: <see cref="ConnectAsync"/> throws only <see cref="SmtpDeliveryException"/>, or
/// <see cref="OperationCanceledException"/> when its token is cancelled. <see cref="SendAsync"/>
/// returns what the peer did as outcomes — a lost connection, a timeout or a protocol error gives the
/// unfinished recipients 4.4.2 or 4.5.0 with FromRemote false and leaves the connection unusable. It
/// throws only for cancellation and for an <see cref="IOException"/> from the message content (the
/// spool's problem, not the peer's), which also leaves the connection unusable once DATA has begun.</para>
/// </remarks>
public sealed class SmtpClientConnection : IAsyncDisposable
{
    private const int ContentChunk = 64 * 1024;

    private readonly Socket _socket;
    private readonly SmtpClientOptions _options;
    private readonly SmtpClientTimeouts _timeouts;
    private readonly ReplyReader _replies = new();
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private Stream _stream;
    private PipeReader _reader;
    private bool _broken;
    private bool _disposed;
    private int _busy;

    private SmtpClientConnection(Socket socket, IPEndPoint remote, string remoteName, SmtpClientOptions options)
    {
        _socket = socket;
        _options = options;
        _timeouts = options.Timeouts ?? SmtpClientTimeouts.Rfc5321;
        RemoteEndPoint = remote;
        RemoteName = remoteName;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = CreateReader(_stream);
    }

    /// <summary>The name connected to (the MX host), for "reported by" and diagnostics.</summary>
    public string RemoteName { get; }

    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The text of the server's 220 greeting (its first line).</summary>
    public string Greeting { get; private set; } = "";

    public bool IsTls { get; private set; }

    /// <summary>The TLS protocol in use, e.g. "Tls13"; null without TLS.</summary>
    public SslProtocols? TlsProtocol => (_stream as SslStream)?.SslProtocol;

    /// <summary>What the server announced in its last EHLO/LHLO reply; <see cref="Capabilities.None"/> after HELO.</summary>
    public Capabilities Capabilities { get; private set; } = Capabilities.None;

    /// <summary>Whether another transaction may be sent on this connection.</summary>
    public bool IsUsable => !_broken && !_disposed;

    private string Peer => $"{RemoteName}[{RemoteEndPoint.Address}]";

    private static PipeReader CreateReader(Stream s) =>
        PipeReader.Create(s, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));

    /// <summary>Connects and runs the session up to the first transaction.</summary>
    public static async Task<SmtpClientConnection> ConnectAsync(IPEndPoint remote, string remoteName, SmtpClientOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            return await ConnectOnceAsync(remote, remoteName, options, options.Tls, ct).ConfigureAwait(false);
        }
        catch (SmtpDeliveryException e) when (options.Tls == OutboundTls.Opportunistic && e.TlsHandshakeFailed)
        {
            // Opportunistic TLS must not make mail undeliverable: a server whose TLS is broken still gets it in clear text.
            return await ConnectOnceAsync(remote, remoteName, options, OutboundTls.None, ct).ConfigureAwait(false);
        }
    }

    private static async Task<SmtpClientConnection> ConnectOnceAsync(IPEndPoint remote, string remoteName, SmtpClientOptions options, OutboundTls tls, CancellationToken ct)
    {
        var timeouts = options.Timeouts ?? SmtpClientTimeouts.Rfc5321;
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var peer = $"{remoteName}[{remote.Address}]:{remote.Port}";
        try
        {
            if (options.LocalAddress is { } local)
            {
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                }
                catch (SocketException e)
                {
                    throw Made(451, "4.3.0", $"cannot bind to local address {local} to connect to {peer}: {e.Message}", e);
                }
            }
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeouts.Connect);
            try
            {
                await socket.ConnectAsync(remote, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw Made(451, "4.4.1", $"connect to {peer}: Connection timed out");
            }
            catch (SocketException e)
            {
                var why = e.SocketErrorCode == SocketError.ConnectionRefused ? "Connection refused" : e.Message;
                throw Made(451, "4.4.1", $"connect to {peer}: {why}", e);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new SmtpClientConnection(socket, remote, remoteName, options);
        try
        {
            await connection.OpenSessionAsync(tls, ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task OpenSessionAsync(OutboundTls tls, CancellationToken ct)
    {
        var greeting = await ReadReplyAsync(Stage.Greeting, _timeouts.Greeting, ct).ConfigureAwait(false);
        if (greeting.Code != 220) throw new SmtpDeliveryException(greeting, fromRemote: true);
        Greeting = greeting.Lines[0];
        await HelloAsync(ct).ConfigureAwait(false);
        if (tls != OutboundTls.None)
        {
            if (Capabilities.StartTls)
            {
                await StartTlsAsync(tls, ct).ConfigureAwait(false);
            }
            else if (tls == OutboundTls.Required)
            {
                throw Made(451, "4.7.4", $"TLS is required, but was not offered by host {Peer}");
            }
        }
        if (_options.Credentials is { } credentials) await AuthenticateAsync(credentials, ct).ConfigureAwait(false);
    }

    private async Task HelloAsync(CancellationToken ct)
    {
        if (_options.Lmtp)
        {
            var lhlo = await CommandAsync(ClientCommands.Lhlo(_options.HeloName), Stage.Hello, _timeouts.Ehlo, ct).ConfigureAwait(false);
            if (lhlo.Code != 250) throw new SmtpDeliveryException(lhlo, fromRemote: true);
            Capabilities = Capabilities.FromEhlo(lhlo);
            return;
        }
        var ehlo = await CommandAsync(ClientCommands.Ehlo(_options.HeloName), Stage.Hello, _timeouts.Ehlo, ct).ConfigureAwait(false);
        if (ehlo.Code == 250)
        {
            Capabilities = Capabilities.FromEhlo(ehlo);
            return;
        }
        // RFC 5321 §3.2: a server that does not know EHLO says 500 or 502; HELO then, without extensions.
        if (!ehlo.IsPermanent) throw new SmtpDeliveryException(ehlo, fromRemote: true);
        var helo = await CommandAsync(ClientCommands.Helo(_options.HeloName), Stage.Hello, _timeouts.Ehlo, ct).ConfigureAwait(false);
        if (helo.Code != 250) throw new SmtpDeliveryException(helo, fromRemote: true);
        Capabilities = Capabilities.None;
    }

    private async Task StartTlsAsync(OutboundTls mode, CancellationToken ct)
    {
        var reply = await CommandAsync(ClientCommands.StartTls, Stage.StartTls, _timeouts.Ehlo, ct).ConfigureAwait(false);
        if (reply.Code != 220)
        {
            if (reply.Code == 421) throw new SmtpDeliveryException(reply, fromRemote: true);
            if (mode == OutboundTls.Required) throw Made(451, "4.7.4", $"TLS is required, but host {Peer} refused to start TLS: {reply}");
            return; // opportunistic: carry on in clear text, the session is as it was before STARTTLS
        }
        // Bytes after the 220 were sent before TLS and are the attacker's if anyone's: drop them with the reader.
        await _reader.CompleteAsync().ConfigureAwait(false);
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        var policyErrors = SslPolicyErrors.None;
        var verify = _options.Verify;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = _options.TlsServerName ?? RemoteName,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, _, _, errors) =>
            {
                policyErrors = errors;
                return verify switch
                {
                    OutboundTlsVerify.None => true,
                    OutboundTlsVerify.Chain => (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None,
                    _ => errors == SslPolicyErrors.None,
                };
            },
        };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_timeouts.Ehlo);
        try
        {
            await tls.AuthenticateAsClientAsync(options, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Whatever ends a handshake (a refused certificate, a reset, a timeout, an alert) is a failed handshake.
            _broken = true;
            await tls.DisposeAsync().ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            var why = e is OperationCanceledException ? "timed out"
                : policyErrors != SslPolicyErrors.None ? $"certificate not trusted ({policyErrors})"
                : e.Message;
            throw new SmtpDeliveryException(SmtpReply.Of(451, "4.7.5", $"TLS handshake with {Peer} failed: {why}"), fromRemote: false, e)
            {
                TlsHandshakeFailed = true,
            };
        }
        _stream = tls;
        _reader = CreateReader(tls);
        IsTls = true;
        Capabilities = Capabilities.None;
        await HelloAsync(ct).ConfigureAwait(false);
    }

    private async Task AuthenticateAsync(ClientCredentials credentials, CancellationToken ct)
    {
        if (!IsTls) throw Made(451, "4.7.0", $"refusing to send credentials without TLS to host {Peer}");
        var mechanisms = Capabilities.AuthMechanisms;
        if (mechanisms.Count == 0) return;
        SmtpReply reply;
        if (mechanisms.Contains("PLAIN"))
        {
            reply = await CommandAsync(ClientCommands.AuthPlain(credentials.User, credentials.Password), Stage.Auth, _timeouts.Ehlo, ct).ConfigureAwait(false);
        }
        else if (mechanisms.Contains("LOGIN"))
        {
            reply = await CommandAsync(ClientCommands.AuthLogin, Stage.Auth, _timeouts.Ehlo, ct).ConfigureAwait(false);
            if (reply.Code == 334) reply = await CommandAsync(ClientCommands.AuthLoginResponse(credentials.User), Stage.Auth, _timeouts.Ehlo, ct).ConfigureAwait(false);
            if (reply.Code == 334) reply = await CommandAsync(ClientCommands.AuthLoginResponse(credentials.Password), Stage.Auth, _timeouts.Ehlo, ct).ConfigureAwait(false);
        }
        else
        {
            throw Made(451, "4.7.0", $"no common authentication mechanism with host {Peer}: it offers {string.Join(' ', mechanisms)}");
        }
        if (reply.Code == 235) return;
        if (reply.Code == 334)
        {
            // A challenge where none belongs: cancel the exchange (RFC 4954 §4) and give up on this host.
            throw Made(451, "4.7.0", $"authentication with host {Peer} failed: unexpected challenge");
        }
        throw new SmtpDeliveryException(reply, fromRemote: true);
    }

    /// <summary>Runs one mail transaction; see the class remarks for what comes back.</summary>
    public async Task<TransactionResult> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Recipients.Count == 0) throw new ArgumentException("a message needs at least one recipient", nameof(message));
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _busy, 1) == 1) throw new InvalidOperationException("a transaction is already running on this connection");
        try
        {
            if (_broken) return Everyone(message, Made(451, "4.4.2", $"connection with {Peer} is no longer usable").Reply, usable: false);
            var prepared = await PrepareAsync(message, ct).ConfigureAwait(false);
            if (prepared.Failure is { } failure) return Everyone(message, failure, usable: true);
            // Opened before MAIL so that a spool that cannot give the message up fails before anything is sent.
            var content = prepared.Content is null ? message.OpenContent() : null;
            var tx = new ClientTransaction(message.Recipients.Count, _options.Lmtp);
            try
            {
                await RunTransactionAsync(message, prepared, content, tx, ct).ConfigureAwait(false);
            }
            catch (SmtpDeliveryException e)
            {
                _broken = true;
                tx.Fail(e.Reply, e.FromRemote);
            }
            catch
            {
                // Cancelled, or the content could not be read: where the peer's state is, nobody knows.
                _broken = true;
                throw;
            }
            finally
            {
                if (content is not null) await content.DisposeAsync().ConfigureAwait(false);
            }
            if (tx.ServerClosing) _broken = true;
            return new TransactionResult([.. tx.Results().Select(r => new RecipientOutcome(r.Reply, r.FromRemote))], IsUsable);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Content and MAIL parameters fit for this peer, or the reply every recipient gets instead.</summary>
    private sealed record Prepared(SmtpReply? Failure, ReadOnlyMemory<byte>? Content, MailRequest Request);

    private async Task<Prepared> PrepareAsync(OutboundMessage message, CancellationToken ct)
    {
        var request = new MailRequest(message.Size, message.Body, message.SmtpUtf8, message.Ret, message.EnvelopeId);
        var peer = Capabilities;
        if (message.SmtpUtf8 && !peer.SmtpUtf8)
        {
            return new Prepared(SmtpReply.Of(554, "5.6.7", $"SMTPUTF8 is required, but was not offered by host {Peer}"), null, request);
        }
        if (message.Body == BodyType.BinaryMime)
        {
            return new Prepared(SmtpReply.Of(554, "5.6.3", $"message is BINARYMIME, which cannot be sent to host {Peer} without BDAT"), null, request);
        }
        if (TooBig(message.Size) is { } tooBig) return new Prepared(tooBig, null, request);
        if (peer.EightBitMime) return new Prepared(null, null, request);

        // Without 8BITMIME the whole message must be looked at before MAIL: whether it needs converting, and to what.
        byte[] original;
        var content = message.OpenContent();
        await using (content.ConfigureAwait(false))
        {
            using var copy = new MemoryStream(message.Size is > 0 and < int.MaxValue ? (int)message.Size : 0);
            await content.CopyToAsync(copy, ct).ConfigureAwait(false);
            original = copy.ToArray();
        }
        var result = SevenBitDowngrade.Convert(original);
        switch (result.Status)
        {
            case DowngradeStatus.Impossible:
                return new Prepared(result.Failure, null, request);
            case DowngradeStatus.Converted:
                var converted = request with { Size = result.Content.Length, Body = BodyType.SevenBit };
                return TooBig(converted.Size) is { } big ? new Prepared(big, null, request) : new Prepared(null, result.Content, converted);
            default:
                return new Prepared(null, original, request with { Body = request.Body == BodyType.EightBitMime ? BodyType.SevenBit : request.Body });
        }
    }

    private SmtpReply? TooBig(long size) =>
        Capabilities.MaxSize is { } max && size > max
            ? SmtpReply.Of(552, "5.3.4", $"message size {size} exceeds size limit {max} of server {Peer}")
            : null;

    private async Task RunTransactionAsync(OutboundMessage message, Prepared prepared, Stream? content, ClientTransaction tx, CancellationToken ct)
    {
        var peer = Capabilities;
        var mail = ClientCommands.Mail(message.ReversePath, prepared.Request, peer);
        DataDecision decision;
        if (peer.Pipelining)
        {
            // RFC 2920 §3.1: MAIL, every RCPT and DATA go in one write; the replies come back in order.
            Queue(mail);
            foreach (var r in message.Recipients) Queue(ClientCommands.Rcpt(r.Address, r.Notify, r.OriginalRecipient, peer));
            Queue(ClientCommands.Data);
            await FlushAsync(Stage.Mail, _timeouts.Mail, ct).ConfigureAwait(false);
            tx.OnMail(await ReadReplyAsync(Stage.Mail, _timeouts.Mail, ct).ConfigureAwait(false));
            while (tx.Stage == TransactionStage.Rcpt)
            {
                tx.OnRcpt(await ReadReplyAsync(Stage.Rcpt, _timeouts.Rcpt, ct).ConfigureAwait(false));
            }
            if (tx.Stage != TransactionStage.Data) return;
            decision = tx.OnData(await ReadReplyAsync(Stage.Data, _timeouts.DataInit, ct).ConfigureAwait(false));
        }
        else
        {
            tx.OnMail(await CommandAsync(mail, Stage.Mail, _timeouts.Mail, ct).ConfigureAwait(false));
            if (tx.Stage != TransactionStage.Rcpt) return;
            if (!tx.MailAccepted)
            {
                tx.EndWithoutData();
                return;
            }
            foreach (var r in message.Recipients)
            {
                var line = ClientCommands.Rcpt(r.Address, r.Notify, r.OriginalRecipient, peer);
                tx.OnRcpt(await CommandAsync(line, Stage.Rcpt, _timeouts.Rcpt, ct).ConfigureAwait(false));
                if (tx.Stage == TransactionStage.Done) return;
            }
            if (!tx.CanSendData)
            {
                tx.EndWithoutData();
                await ResetAsync(ct).ConfigureAwait(false);
                return;
            }
            decision = tx.OnData(await CommandAsync(ClientCommands.Data, Stage.Data, _timeouts.DataInit, ct).ConfigureAwait(false));
        }
        switch (decision)
        {
            case DataDecision.SendContent:
                await SendContentAsync(prepared.Content, content, ct).ConfigureAwait(false);
                tx.OnContentSent();
                while (!tx.OnDot(await ReadReplyAsync(Stage.Dot, _timeouts.DataEnd, ct).ConfigureAwait(false)))
                {
                }
                break;
            case DataDecision.EndEmpty:
                // A 354 with no recipient: the only way out of DATA is an empty message, which the server will refuse.
                Queue(".");
                await FlushAsync(Stage.Dot, _timeouts.DataBlock, ct).ConfigureAwait(false);
                tx.OnContentSent();
                tx.OnDot(await ReadReplyAsync(Stage.Dot, _timeouts.DataEnd, ct).ConfigureAwait(false));
                break;
            case DataDecision.Abort:
                break;
        }
        if (tx.NeedsReset) await ResetAsync(ct).ConfigureAwait(false);
    }

    /// <summary>RSET; the connection is unusable unless it says 250. Recipients' outcomes are already settled.</summary>
    private async Task ResetAsync(CancellationToken ct)
    {
        try
        {
            var reply = await CommandAsync(ClientCommands.Rset, Stage.Rset, _timeouts.Mail, ct).ConfigureAwait(false);
            if (reply.Code != 250) _broken = true;
        }
        catch (SmtpDeliveryException)
        {
            _broken = true;
        }
    }

    private async Task SendContentAsync(ReadOnlyMemory<byte>? prepared, Stream? content, CancellationToken ct)
    {
        var stuffer = new DotStuffer();
        if (prepared is { } bytes)
        {
            for (var offset = 0; offset < bytes.Length; offset += ContentChunk)
            {
                stuffer.Write(bytes.Span[offset..Math.Min(bytes.Length, offset + ContentChunk)], _output);
                await FlushAsync(Stage.Content, _timeouts.DataBlock, ct).ConfigureAwait(false);
            }
        }
        else if (content is not null)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(ContentChunk);
            try
            {
                int n;
                while ((n = await content.ReadAsync(buffer.AsMemory(0, ContentChunk), ct).ConfigureAwait(false)) > 0)
                {
                    stuffer.Write(buffer.AsSpan(0, n), _output);
                    // What is left goes out with the final dot: a small message is one write, not two.
                    if (_output.WrittenCount >= ContentChunk) await FlushAsync(Stage.Content, _timeouts.DataBlock, ct).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        stuffer.Complete(_output);
        await FlushAsync(Stage.Dot, _timeouts.DataBlock, ct).ConfigureAwait(false);
    }

    /// <summary>Asks whether the peer takes <paramref name="recipient"/> without sending anything: MAIL FROM:&lt;&gt;, RCPT TO, RSET.</summary>
    /// <returns>The reply to RCPT; a 450 of our own when the peer refuses the null sender, which says nothing about the recipient.</returns>
    /// <exception cref="SmtpDeliveryException">The conversation failed (timeout, lost connection, protocol error).</exception>
    public async Task<SmtpReply> ProbeRecipientAsync(string recipient, bool smtpUtf8, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (smtpUtf8 && !Capabilities.SmtpUtf8) return Made(450, "4.6.7", $"host {Peer} does not offer SMTPUTF8, needed to ask about this address").Reply;
        var mail = await CommandAsync("MAIL FROM:<>" + (smtpUtf8 ? " SMTPUTF8" : ""), Stage.Mail, _timeouts.Mail, ct).ConfigureAwait(false);
        if (!mail.IsPositive) return Made(450, "4.7.0", $"host {Peer} refused MAIL FROM:<> ({mail}), so it cannot be asked about recipients").Reply;
        var rcpt = await CommandAsync($"RCPT TO:<{recipient}>", Stage.Rcpt, _timeouts.Rcpt, ct).ConfigureAwait(false);
        await CommandAsync("RSET", Stage.Rset, _timeouts.Mail, ct).ConfigureAwait(false);
        return rcpt;
    }

    /// <summary>QUIT and its reply, best effort: errors and a silent peer end it quietly.</summary>
    public async Task QuitAsync(CancellationToken ct)
    {
        if (_disposed || _broken) return;
        _broken = true;
        try
        {
            var wait = _timeouts.Ehlo < TimeSpan.FromSeconds(10) ? _timeouts.Ehlo : TimeSpan.FromSeconds(10);
            await CommandAsync(ClientCommands.Quit, Stage.Quit, wait, ct).ConfigureAwait(false);
        }
        catch (SmtpDeliveryException)
        {
            // The peer went away first; there is nothing left to say.
        }
    }

    private async Task<SmtpReply> CommandAsync(string line, Stage stage, TimeSpan timeout, CancellationToken ct)
    {
        Queue(line);
        await FlushAsync(stage, timeout, ct).ConfigureAwait(false);
        return await ReadReplyAsync(stage, timeout, ct).ConfigureAwait(false);
    }

    private void Queue(string line)
    {
        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length) + 2);
        var n = Encoding.UTF8.GetBytes(line, span);
        span[n] = (byte)'\r';
        span[n + 1] = (byte)'\n';
        _output.Advance(n + 2);
    }

    private async Task FlushAsync(Stage stage, TimeSpan timeout, CancellationToken ct)
    {
        if (_output.WrittenCount == 0) return;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await _stream.WriteAsync(_output.WrittenMemory, cts.Token).ConfigureAwait(false);
            await _stream.FlushAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw Made(451, "4.4.2", $"conversation with {Peer} timed out while {Describe(stage)}", e);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw Made(451, "4.4.2", $"lost connection with {Peer} while {Describe(stage)}", e);
        }
        finally
        {
            _output.ResetWrittenCount();
        }
    }

    private async Task<SmtpReply> ReadReplyAsync(Stage stage, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(cts.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var status = _replies.TryRead(buffer, out var consumed, out var reply);
                switch (status)
                {
                    case ReplyReadStatus.Complete:
                        _reader.AdvanceTo(consumed);
                        return reply!;
                    case ReplyReadStatus.Malformed:
                        _reader.AdvanceTo(consumed);
                        throw Made(451, "4.5.0", $"protocol error from {Peer} while {Describe(stage)}: {_replies.Error}");
                }
                _reader.AdvanceTo(consumed, buffer.End);
                if (result.IsCompleted) throw Made(451, "4.4.2", $"lost connection with {Peer} while {Describe(stage)}");
            }
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw Made(451, "4.4.2", $"conversation with {Peer} timed out while {Describe(stage)}", e);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            throw Made(451, "4.4.2", $"lost connection with {Peer} while {Describe(stage)}", e);
        }
    }

    private static SmtpDeliveryException Made(int code, string status, string text, Exception? inner = null) =>
        inner is null
            ? new SmtpDeliveryException(SmtpReply.Of(code, status, text), fromRemote: false)
            : new SmtpDeliveryException(SmtpReply.Of(code, status, text), fromRemote: false, inner);

    private static TransactionResult Everyone(OutboundMessage message, SmtpReply reply, bool usable) =>
        new([.. message.Recipients.Select(_ => new RecipientOutcome(reply, false))], usable);

    private enum Stage
    {
        Greeting,
        Hello,
        StartTls,
        Auth,
        Mail,
        Rcpt,
        Data,
        Content,
        Dot,
        Rset,
        Quit,
    }

    // Postfix's words, which postmasters know from their logs.
    private static string Describe(Stage stage) => stage switch
    {
        Stage.Greeting => "receiving the initial server greeting",
        Stage.Hello => "performing the EHLO handshake",
        Stage.StartTls => "sending STARTTLS",
        Stage.Auth => "authenticating",
        Stage.Mail => "sending MAIL FROM",
        Stage.Rcpt => "sending RCPT TO",
        Stage.Data => "sending DATA command",
        Stage.Content => "sending message body",
        Stage.Dot => "sending end of data -- message may be sent more than once",
        Stage.Rset => "sending RSET",
        _ => "sending QUIT",
    };

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
        _socket.Dispose();
    }
}
