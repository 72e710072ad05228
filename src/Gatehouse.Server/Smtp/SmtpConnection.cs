using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Envelope;
using Gatehouse.Core.Protocol;
using Gatehouse.Server.Logging;
using Gatehouse.Smtp.Commands;
using Gatehouse.Smtp.Data;
using Gatehouse.Smtp.Server;
using Gatehouse.Core.Routing;
using Gatehouse.Core.Tracking;
using Gatehouse.Spool;

namespace Gatehouse.Server.Smtp;

/// <summary>The I/O shell around one <see cref="ServerSession"/>: socket, TLS, line reading, content streaming, timeouts.</summary>
/// <remarks>
/// <para>Replies are buffered and flushed only when no further complete command is already
/// buffered (RFC 2920 §3.1), so a pipelining client gets one write per batch.</para>
/// <para>Content is decoded as it arrives and streamed into the spool; the 250 for a message is
/// written only after <see cref="MessageWriter.CommitAsync"/> has made it durable.</para>
/// <para>Waiting for a command ends on the command timeout or on shutdown (421). Reading content ends
/// on the data timeout or when the shutdown grace runs out; the partial message is dropped.</para>
/// </remarks>
internal sealed class SmtpConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ListenerConfig _listener;
    private readonly SmtpServices _services;
    private readonly ServerSnapshot _snap;
    private readonly CancellationToken _stopping;
    private readonly CancellationToken _hardStop;
    private readonly IPEndPoint _remote;
    private readonly IPEndPoint _local;
    private readonly ServerSession _session;
    private readonly ArrayBufferWriter<byte> _output = new(512);

    // Decoded content on its way to the spool; made at the first message and reused, so an idle
    // connection holds none and a busy one allocates it once.
    private ArrayBufferWriter<byte>? _sink;
    private readonly CancellationTokenSource _commandCts;
    private readonly CancellationTokenSource _dataCts;
    private Stream _stream;
    private PipeReader _reader;
    // The forwarding host's answer about the RCPT being handled (accepted_domains.verify_recipients).
    private (string Address, SmtpReply? Refusal)? _verified;
    private SslStream? _tls;
    private bool _discardingLongLine;

    // For the session summary line.
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly List<string> _queued = [];
    private long _bytes;
    private string _lastFrom = "-";
    private int _lastRecipients;
    private string _result = "closed by client";

    public SmtpConnection(Socket socket, ListenerConfig listener, SmtpServices services, CancellationToken stopping, CancellationToken hardStop)
    {
        _socket = socket;
        _listener = listener;
        _services = services;
        _snap = services.Current;
        _stopping = stopping;
        _hardStop = hardStop;
        _remote = (IPEndPoint)socket.RemoteEndPoint!;
        _local = (IPEndPoint)socket.LocalEndPoint!;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = CreateReader(_stream);
        _commandCts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _dataCts = CancellationTokenSource.CreateLinkedTokenSource(hardStop);
        var snap = _snap;
        var limits = snap.Limits;
        _session = new ServerSession(new ServerSessionOptions
        {
            Hostname = snap.Server.Hostname,
            MaxMessageSize = limits.MaxMessageSize,
            MaxRecipients = limits.MaxRecipients,
            TlsAvailable = services.Certificate is not null && listener.Role != ListenerRole.ImplicitTls,
            AuthAvailable = snap.HasUsers && services.Certificate is not null,
            RequireAuth = listener.Role is ListenerRole.Submission or ListenerRole.ImplicitTls,
            CheckRecipient = m => snap.CheckRecipient(m, snap.Facts(_remote.Address, _local.Address, _session?.AuthenticatedUser), _session?.ReversePath, v => RecordRelayDenied(m, v))
                ?? (_verified is { } v && v.Address == m.ToWire() ? v.Refusal : null),
            VerifyCredentials = snap.VerifyCredentials,
        });
    }

    /// <summary>Asks a forwarded domain's host about the RCPT's address before the session decides, so that its refusal becomes ours (<c>accepted_domains.verify_recipients</c>).</summary>
    private async Task VerifyRecipientAsync(string argument)
    {
        _verified = null;
        if (_services.Queue?.Verifier is not { } verifier || !argument.StartsWith("TO:", StringComparison.OrdinalIgnoreCase)) return;
        var pos = 3;
        while (pos < argument.Length && argument[pos] == ' ') pos++;
        // Parsed leniently here (SMTPUTF8 allowed): the session parses again and refuses what it must before this answer is used.
        if (!SmtpPathParser.TryParseForwardPath(argument, ref pos, utf8: true, out var mailbox, out _)) return;
        var snap = _snap;
        if (snap.VerificationHost(mailbox, snap.Facts(_remote.Address, _local.Address, _session.AuthenticatedUser), _session.ReversePath) is not { } host) return;
        var address = mailbox.ToWire();
        var refusal = await verifier.CheckAsync(host, address, !Ascii.IsValid(address), _hardStop).ConfigureAwait(false);
        _verified = (address, refusal);
        if (refusal is null) return;
        _services.Metrics.Refused("recipient_verification");
        var tracking = _services.Tracking;
        if (tracking is NoTracking) return;
        tracking.Record(new TrackingEvent(_services.Time.GetUtcNow(), snap.Server.Name, TrackingEventType.Verify, null, null,
            _session.ReversePath?.ToWire() ?? "", address, new Dictionary<string, string>
            {
                ["host"] = host,
                ["outcome"] = refusal.IsPermanent ? "refused" : "later",
                ["reply"] = refusal.ToString(),
                ["client_ip"] = _remote.Address.ToString(),
                ["helo"] = _session.Helo ?? "",
            }));
    }

    private void RecordRelayDenied(Mailbox typed, RecipientVerdict v)
    {
        // Counted here, where the router says the refusal is for relaying: other 550 5.7.1 replies (a restricted list) are not.
        _services.Metrics.Refused("relay");
        var tracking = _services.Tracking;
        if (tracking is NoTracking) return;
        tracking.Record(new TrackingEvent(_services.Time.GetUtcNow(), _snap.Server.Name, TrackingEventType.RelayDenied, null, null,
            // The address as the client typed it is what an administrator searches for; the one it hides is the fact.
            _session.ReversePath?.ToWire() ?? "", typed.ToWire(), new Dictionary<string, string>
            {
                ["address"] = v.Destination.Address?.ToString() ?? "",
                ["client_ip"] = _remote.Address.ToString(),
                ["helo"] = _session.Helo ?? "",
                ["auth"] = _session.AuthenticatedUser ?? "-",
                ["reason"] = v.Relay!.Reason,
                ["reply"] = v.Refusal?.ToString() ?? "",
            }));
    }

    private static PipeReader CreateReader(Stream s) =>
        PipeReader.Create(s, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));

    public async Task RunAsync()
    {
        try
        {
            if (_listener.Role == ListenerRole.ImplicitTls)
            {
                if (_services.Certificate is null)
                {
                    _result = "no certificate for implicit TLS";
                    return;
                }
                if (!await HandshakeAsync().ConfigureAwait(false)) return;
                // Without this the session would not know it is under TLS: no AUTH offered, so no mail ever accepted.
                _session.OnTlsStarted();
            }
            Queue(new SmtpReply(220, null, $"{_snap.Server.Hostname} ESMTP Gatehouse"));
            await CommandLoopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Timeout or shutdown: the reply has been attempted where the cancellation was seen.
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or AuthenticationException)
        {
            _result = "connection lost: " + e.Message;
        }
        catch (Exception e)
        {
            _result = "internal error";
            Log.SessionFailed(_services.Logger, _remote.ToString(), e);
            await TryFinalReplyAsync(SmtpReply.Of(421, "4.3.0", "Internal error, closing connection")).ConfigureAwait(false);
        }
        finally
        {
            LogSummary();
        }
    }

    private async Task CommandLoopAsync()
    {
        while (true)
        {
            // RSET, EHLO or HELO in the middle of BDAT ended the transaction: drop its partial message.
            if (_bdatWriter is not null && !_session.BdatActive) await AbortBdatAsync().ConfigureAwait(false);
            var line = await ReadCommandLineAsync().ConfigureAwait(false);
            if (line is null) return;
            SessionStep step;
            if (line.Length == 0 && _discardingLongLine)
            {
                _discardingLongLine = false;
                step = SessionStep.Say(Replies.LineTooLong);
                _session.CountReply(Replies.LineTooLong);
            }
            else if (!SmtpCommandParser.TryParse(line, out var command, out var error))
            {
                var reply = SmtpReply.Of(500, "5.5.2", error);
                _session.CountReply(reply);
                step = SessionStep.Say(reply);
            }
            else
            {
                if (command.Verb == SmtpVerb.Rcpt && _session.InTransaction && _snap.VerifiesRecipients) await VerifyRecipientAsync(command.Argument).ConfigureAwait(false);
                step = _session.OnCommand(command);
                if (command.Verb == SmtpVerb.Mail && step.Reply is { IsPositive: true }) _lastFrom = _session.ReversePath is { } rp ? "<" + rp.ToWire() + ">" : "<>";
            }
            if (!await PerformAsync(step).ConfigureAwait(false)) return;
            if (_session.ErrorCount >= _snap.Limits.MaxErrors)
            {
                _result = "too many errors";
                _services.Metrics.Refused("too_many_errors");
                await TryFinalReplyAsync(Replies.TooManyErrors).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>Carries out one step; false when the session is over.</summary>
    private async Task<bool> PerformAsync(SessionStep step)
    {
        switch (step.Action)
        {
            case SessionAction.Continue:
                if (step.Reply is { } r) Queue(r);
                return true;
            case SessionAction.Close:
                Queue(step.Reply!);
                _result = step.Reply!.ToString();
                await FlushAsync().ConfigureAwait(false);
                return false;
            case SessionAction.StartTls:
                Queue(step.Reply!);
                await FlushAsync().ConfigureAwait(false);
                return await StartTlsAsync().ConfigureAwait(false);
            case SessionAction.AuthContinue:
                return await AuthExchangeAsync(step).ConfigureAwait(false);
            case SessionAction.ReceiveData:
                return await ReceiveDataAsync().ConfigureAwait(false);
            case SessionAction.ReceiveChunk:
                return await ReceiveChunkAsync(step).ConfigureAwait(false);
            default:
                throw new UnreachableException();
        }
    }

    private async Task<bool> AuthExchangeAsync(SessionStep step)
    {
        while (step.Action == SessionAction.AuthContinue)
        {
            Queue(step.Reply!);
            var line = await ReadCommandLineAsync().ConfigureAwait(false);
            if (line is null) return false;
            string text;
            try
            {
                text = Encoding.ASCII.GetString(line);
            }
            catch (DecoderFallbackException)
            {
                text = "!";
            }
            step = _session.OnAuthResponse(_discardingLongLine ? "!" : text);
            _discardingLongLine = false;
        }
        Queue(step.Reply!);
        return true;
    }

    private async Task<bool> StartTlsAsync()
    {
        // Whatever the client pipelined after STARTTLS was read in clear text: it is thrown away
        // with this reader, never taken as a command of the TLS session (CVE-2011-0411).
        await _reader.CompleteAsync().ConfigureAwait(false);
        if (!await HandshakeAsync().ConfigureAwait(false)) return false;
        _session.OnTlsStarted();
        return true;
    }

    private async Task<bool> HandshakeAsync()
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        cts.CancelAfter(_snap.Limits.CommandTimeout);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _services.Certificate,
                ClientCertificateRequired = false,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            _result = "TLS handshake failed";
            Log.TlsFailed(_services.Logger, _remote.ToString(), e.Message);
            await tls.DisposeAsync().ConfigureAwait(false);
            return false;
        }
        _tls = tls;
        _stream = tls;
        _reader = CreateReader(tls);
        return true;
    }

    private async Task<bool> ReceiveDataAsync()
    {
        var limits = _snap.Limits;
        var writer = BeginMessage(out var envelope);
        if (writer is null)
        {
            Queue(Replies.StorageFailed);
            _session.CountReply(Replies.StorageFailed);
            _session.ResetTransaction();
            return true;
        }
        await using var _ = writer.ConfigureAwait(false);
        Queue(Replies.StartData);
        await FlushAsync().ConfigureAwait(false);

        var decoder = new DataDecoder(dotStuffed: true, Policy(limits), limits.MaxMessageSize - writer.Length, limits.LineLength);
        var sink = _sink ??= new ArrayBufferWriter<byte>(16 * 1024);
        while (true)
        {
            var result = await ReadContentAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = decoder.Decode(buffer, sink);
            if (sink.WrittenCount > 0)
            {
                writer.Write(sink.WrittenSpan);
                sink.ResetWrittenCount();
            }
            var end = buffer.GetPosition(consumed);
            _reader.AdvanceTo(end, decoder.Completed ? end : buffer.End);
            if (decoder.Completed) break;
            if (result.IsCompleted)
            {
                _result = "connection lost during DATA";
                return false; // writer aborted by dispose: nothing is left behind
            }
        }
        await FinishMessageAsync(writer, envelope, decoder.Faults).ConfigureAwait(false);
        return true;
    }

    private MessageWriter? _bdatWriter;
    private MailEnvelope? _bdatEnvelope;
    private DataDecoder? _bdatDecoder;

    private async Task<bool> ReceiveChunkAsync(SessionStep step)
    {
        var limits = _snap.Limits;
        if (!step.DiscardChunk && _bdatWriter is null)
        {
            _bdatWriter = BeginMessage(out var envelope);
            _bdatEnvelope = envelope;
            _bdatDecoder = new DataDecoder(dotStuffed: false, Policy(limits), limits.MaxMessageSize - (_bdatWriter?.Length ?? 0), limits.LineLength);
        }
        var writer = step.DiscardChunk ? null : _bdatWriter;
        var sink = _sink ??= new ArrayBufferWriter<byte>(16 * 1024);
        var remaining = step.ChunkSize;
        while (remaining > 0)
        {
            var result = await ReadContentAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            if (writer is not null && _bdatDecoder is not null)
            {
                _bdatDecoder.Decode(take, sink);
                if (sink.WrittenCount > 0) writer.Write(sink.WrittenSpan);
                sink.ResetWrittenCount();
            }
            remaining -= take.Length;
            _reader.AdvanceTo(take.End);
            if (remaining > 0 && result.IsCompleted)
            {
                _result = "connection lost during BDAT";
                await AbortBdatAsync().ConfigureAwait(false);
                return false;
            }
        }
        if (step.DiscardChunk)
        {
            Queue(step.Reply!);
            return true;
        }
        if (_bdatWriter is null)
        {
            Queue(Replies.StorageFailed);
            _session.CountReply(Replies.StorageFailed);
            _session.ResetTransaction();
            return true;
        }
        if (!step.LastChunk)
        {
            if ((_bdatDecoder!.Faults & ContentFaults.TooBig) != 0)
            {
                // RFC 3030 §2: after a failed chunk the transaction is over; later chunks get 503.
                await FinishMessageAsync(_bdatWriter, _bdatEnvelope!, _bdatDecoder.Faults).ConfigureAwait(false);
                ClearBdat();
                return true;
            }
            Queue(Replies.ChunkOk(step.ChunkSize));
            return true;
        }
        _bdatDecoder!.Finish(sink);
        if (sink.WrittenCount > 0) _bdatWriter.Write(sink.WrittenSpan);
        await using (_bdatWriter.ConfigureAwait(false))
        {
            await FinishMessageAsync(_bdatWriter, _bdatEnvelope!, _bdatDecoder!.Faults).ConfigureAwait(false);
        }
        ClearBdat();
        return true;
    }

    private void ClearBdat()
    {
        _bdatWriter = null;
        _bdatEnvelope = null;
        _bdatDecoder = null;
    }

    private async Task AbortBdatAsync()
    {
        if (_bdatWriter is not null) await _bdatWriter.DisposeAsync().ConfigureAwait(false);
        ClearBdat();
    }

    private static BareLineEndingPolicy Policy(SmtpLimits l) =>
        l.BareLineEndings == BareLineEndings.Normalize ? BareLineEndingPolicy.Normalize : BareLineEndingPolicy.Reject;

    private MessageWriter? BeginMessage(out MailEnvelope envelope)
    {
        var client = new ClientInfo(_remote.Address, _remote.Port, _local.Address, _local.Port, _listener.Name,
            _session.Helo ?? "", _session.Esmtp, _tls is null ? null : TlsName(_tls.SslProtocol),
            _tls?.NegotiatedCipherSuite.ToString(), _session.AuthenticatedUser);
        envelope = _session.BuildEnvelope(client, _services.Time.GetLocalNow());
        var id = _services.QueueIds.Next();
        _lastRecipients = envelope.Recipients.Count;
        try
        {
            var writer = _services.Spool.Begin(id, envelope);
            writer.Write(ReceivedHeader.Compose(envelope, _snap.Server.Hostname, id));
            return writer;
        }
        catch (IOException e)
        {
            Log.StoreFailed(_services.Logger, id, e);
            return null;
        }
    }

    private async Task FinishMessageAsync(MessageWriter writer, MailEnvelope envelope, ContentFaults faults)
    {
        SmtpReply reply;
        if ((faults & ContentFaults.TooBig) != 0)
        {
            reply = Replies.MessageTooBig;
            _services.Metrics.Refused("size");
        }
        else if ((faults & ContentFaults.LineTooLong) != 0)
        {
            reply = Replies.DataLineTooLong;
            _services.Metrics.Refused("line_length");
        }
        else if ((faults & ContentFaults.BareLineEnding) != 0 && _snap.Limits.BareLineEndings == BareLineEndings.Reject)
        {
            reply = Replies.BareLineEnding;
            _services.Metrics.Refused("bare_line_ending");
        }
        else
        {
            try
            {
                await writer.CommitAsync().ConfigureAwait(false);
                reply = Replies.Queued(writer.QueueId);
                _queued.Add(writer.QueueId);
                _bytes += writer.Length;
                _services.Metrics.MessageAccepted(writer.Length);
                Log.MessageQueued(_services.Logger, writer.QueueId, envelope.ReversePathText, envelope.Recipients.Count, writer.Length, _remote.Address.ToString());
                _services.Queue?.Enqueue(writer.Committed);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                Log.StoreFailed(_services.Logger, writer.QueueId, e);
                reply = Replies.StorageFailed;
            }
        }
        if (!reply.IsPositive) writer.Abort();
        _session.CountReply(reply);
        _session.ResetTransaction();
        Queue(reply);
        _result = reply.ToString();
    }

    /// <summary>Reads one command line; null at end of stream. A line over the limit comes back empty with <see cref="_discardingLongLine"/> set.</summary>
    private async ValueTask<byte[]?> ReadCommandLineAsync()
    {
        var limit = _snap.Limits.LineLength;
        while (true)
        {
            if (!_reader.TryRead(out var result))
            {
                await FlushAsync().ConfigureAwait(false);
                result = await ReadWithTimeoutAsync(_commandCts, _snap.Limits.CommandTimeout, isData: false).ConfigureAwait(false);
            }
            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is { } p)
            {
                var line = buffer.Slice(0, p);
                var next = buffer.GetPosition(1, p);
                byte[] bytes;
                if (_discardingLongLine || line.Length + 1 > limit) // the limit counts CRLF, the LF included
                {
                    _discardingLongLine = true;
                    bytes = [];
                }
                else
                {
                    bytes = line.ToArray();
                    if (bytes.Length > 0 && bytes[^1] == '\r') bytes = bytes[..^1];
                }
                _reader.AdvanceTo(next);
                return bytes;
            }
            if (buffer.Length > limit)
            {
                _discardingLongLine = true;
                _reader.AdvanceTo(buffer.End);
            }
            else
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
            }
            if (result.IsCompleted) return null;
        }
    }

    private async ValueTask<ReadResult> ReadContentAsync()
    {
        if (_reader.TryRead(out var result)) return result;
        await FlushAsync().ConfigureAwait(false);
        return await ReadWithTimeoutAsync(_dataCts, _snap.Limits.DataTimeout, isData: true).ConfigureAwait(false);
    }

    private async ValueTask<ReadResult> ReadWithTimeoutAsync(CancellationTokenSource cts, TimeSpan timeout, bool isData)
    {
        cts.CancelAfter(timeout);
        try
        {
            return await _reader.ReadAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            var shutdown = isData ? _hardStop.IsCancellationRequested : _stopping.IsCancellationRequested;
            _result = shutdown ? "server shutting down" : "timeout";
            await TryFinalReplyAsync(shutdown ? Replies.ShuttingDown : Replies.Timeout).ConfigureAwait(false);
            throw;
        }
        finally
        {
            if (!cts.IsCancellationRequested) cts.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private void Queue(SmtpReply reply)
    {
        var text = reply.ToWire();
        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private async ValueTask FlushAsync()
    {
        if (_output.WrittenCount == 0) return;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_hardStop);
        cts.CancelAfter(_snap.Limits.CommandTimeout);
        await _stream.WriteAsync(_output.WrittenMemory, cts.Token).ConfigureAwait(false);
        _output.ResetWrittenCount();
    }

    private async Task TryFinalReplyAsync(SmtpReply reply)
    {
        try
        {
            Queue(reply);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _stream.WriteAsync(_output.WrittenMemory, cts.Token).ConfigureAwait(false);
            _output.ResetWrittenCount();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The client is gone; there is no one left to tell.
        }
    }

    private static string TlsName(SslProtocols p) => p switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => p.ToString(),
    };

    private void LogSummary()
    {
        var ms = (long)Stopwatch.GetElapsedTime(_started).TotalMilliseconds;
        Log.SessionSummary(_services.Logger, _remote.ToString(), _listener.Name, _session.Helo ?? "-",
            _tls is null ? "no" : TlsName(_tls.SslProtocol), _session.AuthenticatedUser ?? "-", _lastFrom, _lastRecipients,
            _bytes, _queued.Count == 0 ? "-" : string.Join(',', _queued), _result, ms);
    }

    public async ValueTask DisposeAsync()
    {
        if (_bdatWriter is not null) await _bdatWriter.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        await _stream.DisposeAsync().ConfigureAwait(false);
        _commandCts.Dispose();
        _dataCts.Dispose();
    }
}
