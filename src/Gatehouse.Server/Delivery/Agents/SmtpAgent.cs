using Gatehouse.Core.Configuration;
using Gatehouse.Core.Protocol;
using Gatehouse.Server.Delivery.Smtp;
using Gatehouse.Server.Logging;

namespace Gatehouse.Server.Delivery.Agents;

/// <summary>Delivers over SMTP (or LMTP) to a destination: finds its hosts, connects, sends, and reuses the connection for the next job.</summary>
/// <remarks>
/// <para>Hosts: a server of the organization at its inbound listener; a domain's MX hosts in
/// preference order (RFC 5321 §5.1), each of their addresses in turn; a named host by A/AAAA (static
/// host entries first). A null MX fails at once with 5.1.10, a domain that does not exist with
/// 5.1.2; a DNS failure defers (4.4.3).</para>
/// <para>A connection that cannot be made to any address defers every recipient of the job and is
/// reported to <see cref="NextHopHealth"/>, which may mark the hop down so that routing fails over.
/// Replies: 2xx delivered, 5xx failed, 4xx deferred; a lost connection defers what was not
/// finished. A host that is this server itself is a loop (5.4.6), as in Postfix. A reused connection
/// that turns out dead before anything was accepted is replaced by a fresh one for the same job.</para>
/// </remarks>
internal sealed class SmtpAgent(DeliveryContext context, bool lmtp) : IDeliveryAgent
{
    public IDeliverySession Open(Destination destination) => new Session(context, destination, lmtp);

    private sealed class Session(DeliveryContext context, Destination destination, bool lmtp) : IDeliverySession
    {
        private SmtpClientConnection? _connection;

        public async Task<IReadOnlyList<RecipientResult>> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken)
        {
            var reused = _connection is not null;
            if (_connection is null)
            {
                var (connection, failure) = await ConnectAsync(job, cancellationToken).ConfigureAwait(false);
                if (connection is null) return failure!;
                _connection = connection;
            }
            var conn = _connection;
            var message = new OutboundMessage(
                job.ReversePath,
                job.Recipients.Select(r => new OutboundRecipient(r.Address, r.Notify, r.OriginalRecipient)).ToArray(),
                job.Entry.Envelope.Ret,
                job.Entry.Envelope.EnvelopeId,
                job.Entry.Envelope.Body,
                job.Entry.Envelope.SmtpUtf8,
                job.Entry.Message.BodyLength,
                job.Entry.Message.OpenContent);
            TransactionResult result;
            try
            {
                result = await conn.SendAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                // The content could not be read from the spool: nothing was sent, the message waits.
                await DropConnectionAsync().ConfigureAwait(false);
                return Defer(job, SmtpReply.Of(451, "4.3.0", "Could not read the message from the queue: " + e.Message));
            }
            if (!result.ConnectionUsable) await DropConnectionAsync().ConfigureAwait(false);
            if (reused && !result.ConnectionUsable && result.Recipients.All(o => !o.Reply.IsPositive && !o.Reply.IsPermanent))
            {
                // A connection kept from an earlier job may have been closed by the peer meanwhile (its idle
                // timeout, a shutdown's 421): that says nothing about this message. One more try on a fresh
                // connection, as Postfix does with its connection cache; a fresh failure is then the hop's.
                return await DeliverAsync(job, cancellationToken).ConfigureAwait(false);
            }
            var passedDsn = conn.Capabilities.Dsn && !lmtp;
            var results = new RecipientResult[job.Recipients.Count];
            for (var i = 0; i < results.Length; i++)
            {
                var o = result.Recipients[i];
                var kind = o.Reply.IsPositive ? ResultKind.Delivered : o.Reply.IsPermanent ? ResultKind.Failed : ResultKind.Deferred;
                results[i] = new RecipientResult(job.Recipients[i].Index, kind, o.Reply, o.FromRemote ? conn.RemoteName : null,
                    o.FromRemote ? $"{conn.RemoteName} replied: {o.Reply}" : o.Reply.Text, passedDsn, destination.Key);
            }
            return results;
        }

        private async Task<(SmtpClientConnection? Connection, IReadOnlyList<RecipientResult>? Failure)> ConnectAsync(DeliveryJob job, CancellationToken ct)
        {
            var snapshot = context.Current;
            var (targets, refusal) = await context.Targets.FindAsync(destination, snapshot, ct).ConfigureAwait(false);
            if (refusal is not null)
            {
                var kind = refusal.IsPermanent ? ResultKind.Failed : ResultKind.Deferred;
                return (null, job.Recipients.Select(r => RecipientResult.Ours(r.Index, kind, refusal, hop: destination.Key)).ToArray());
            }
            var options = Options(snapshot);
            SmtpReply? last = null;
            var lastFromRemote = false;
            string? lastHost = null;
            foreach (var (host, endpoint) in targets)
            {
                if (context.IsSelf(endpoint))
                {
                    last = SmtpReply.Of(554, "5.4.6", $"Mail for {destination.Name} loops back to myself ({host} is this server)");
                    lastFromRemote = false;
                    continue;
                }
                try
                {
                    var c = await SmtpClientConnection.ConnectAsync(endpoint, host, options, ct).ConfigureAwait(false);
                    context.ReportHealth(destination, success: true);
                    return (c, null);
                }
                catch (SmtpDeliveryException e)
                {
                    Log.ConnectFailed(context.Logger, destination.Key, host, endpoint.ToString(), e.Reply.ToString());
                    last = e.Reply;
                    lastFromRemote = e.FromRemote;
                    lastHost = host;
                }
            }
            context.ReportHealth(destination, success: false);
            var reply = last ?? SmtpReply.Of(451, "4.4.1", $"No host to connect to for {destination.Name}");
            // A greeting or handshake refusal is about this connection, not the recipient: the message waits and
            // another attempt (or another route) may succeed. Only a loop to ourselves is final.
            var final = reply.Status is { Class: 5, Subject: 4, Detail: 6 };
            if (!final && reply.IsPermanent) reply = new SmtpReply(451, new EnhancedStatusCode(4, reply.Status?.Subject ?? 4, reply.Status?.Detail ?? 0), reply.Lines.ToArray());
            var explanation = lastFromRemote && lastHost is not null ? $"{lastHost} replied: {last}" : reply.Text;
            return (null, job.Recipients.Select(r => new RecipientResult(r.Index, final ? ResultKind.Failed : ResultKind.Deferred, reply,
                lastFromRemote ? lastHost : null, explanation, Hop: destination.Key)).ToArray());
        }

        private SmtpClientOptions Options(Server.Smtp.ServerSnapshot snapshot)
        {
            var delivery = snapshot.Config.Delivery;
            var transport = destination.Connector is { } name && snapshot.Config.Connectors.FirstOrDefault(c => c.Name == name) is { } c
                ? c.Transport : ConnectorTransport.Defaults;
            var tls = destination.Kind == DestinationKind.Server ? OutboundTls.Opportunistic : transport.Tls ?? delivery.Tls;
            var verify = destination.Kind == DestinationKind.Server ? OutboundTlsVerify.None : transport.TlsVerify ?? delivery.TlsVerify;
            var timeouts = SmtpClientTimeouts.Rfc5321 with { Connect = delivery.ConnectTimeout };
            return new SmtpClientOptions(
                snapshot.Server.Hostname,
                tls,
                verify,
                null,
                transport.AuthUser is { } user && transport.AuthPassword is { } password ? new ClientCredentials(user, password) : null,
                lmtp,
                snapshot.Server.OutboundAddress,
                timeouts);
        }

        private static RecipientResult[] Defer(DeliveryJob job, SmtpReply reply) =>
            job.Recipients.Select(r => RecipientResult.Ours(r.Index, ResultKind.Deferred, reply)).ToArray();

        private async Task DropConnectionAsync()
        {
            if (_connection is null) return;
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }

        public async ValueTask DisposeAsync()
        {
            if (_connection is null) return;
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _connection.QuitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SmtpDeliveryException or IOException)
            {
                // QUIT is a courtesy; the messages are already delivered.
            }
            await DropConnectionAsync().ConfigureAwait(false);
        }
    }
}
