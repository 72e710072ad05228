using System.Net;
using Gatehouse.Core.Content;
using Gatehouse.Core.Envelope;
using Gatehouse.Core.Notices;
using Gatehouse.Server.Smtp;
using Gatehouse.Spool;

namespace Gatehouse.Server.Delivery;

/// <summary>Composes a DSN for some recipients of a queued message and queues it, durably, as a message of its own.</summary>
/// <remarks>
/// <para>The DSN goes to the original reverse-path with a null reverse-path of its own, so that a DSN is
/// never answered by another (RFC 3461 §6.2, RFC 5321 §4.5.5); none is made for a message whose
/// reverse-path is null. It is on stable storage before the caller records the recipients as done:
/// a crash in between repeats the notice, never loses it.</para>
/// <para>Its envelope asks for what its content needs: BODY=8BITMIME for any 8-bit octet, and
/// SMTPUTF8 whenever the notice carries UTF-8 in header fields (a global report about
/// internationalized mail, or a UTF-8 reverse-path), so that a next hop without SMTPUTF8 refuses it
/// with 5.6.7 instead of getting UTF-8 headers it never agreed to.</para>
/// </remarks>
internal sealed class NoticeSender(SmtpServices services)
{
    /// <summary>Largest original returned whole when the sender did not say RET (RFC 3461 leaves it to us).</summary>
    private const long MaxReturnBytes = 10L * 1024 * 1024;

    /// <summary>Queues a DSN with <paramref name="reports"/>; returns the committed message, or null when no notice is due.</summary>
    public async Task<QueuedMessage?> SendAsync(QueueEntry entry, IReadOnlyList<RecipientReport> reports, CancellationToken ct)
    {
        var envelope = entry.Envelope;
        if (reports.Count == 0 || envelope.ReversePath is not { } sender) return null;
        var snapshot = services.Current;
        var hostname = snapshot.Server.Hostname;
        var now = services.Time.GetUtcNow();
        // Over the size limit only the header section is read, and the composer is told so.
        var ret = envelope.Ret == DsnReturn.Unspecified && entry.Message.BodyLength > MaxReturnBytes ? DsnReturn.Headers : envelope.Ret;
        var original = await ReadOriginalAsync(entry, ret, ct).ConfigureAwait(false);
        var id = services.QueueIds.Next();
        var report = new DeliveryReport(hostname, envelope.Client.Helo.Length == 0 ? null : envelope.Client.Helo, envelope.ReceivedAt, envelope.EnvelopeId, reports);
        var notice = DsnComposer.ComposeMessage(report, sender.ToWire(), original, ret, now, $"{id}@{hostname}", MaxReturnBytes);
        var bytes = notice.Octets;
        var client = new ClientInfo(IPAddress.Loopback, 0, IPAddress.Loopback, 0, DeliveryPlanner.InternalListener, hostname, true, null, null, null);
        var dsnEnvelope = new MailEnvelope(null, [new EnvelopeRecipient(sender, DsnNotify.Never)], DsnReturn.Unspecified, null,
            notice.EightBit ? BodyType.EightBitMime : BodyType.Unspecified, notice.RequiresSmtpUtf8 || sender.IsInternational, bytes.Length, client, now);
        var writer = services.Spool.Begin(id, dsnEnvelope);
        await using (writer.ConfigureAwait(false))
        {
            writer.Write(bytes);
            await writer.CommitAsync().ConfigureAwait(false);
            return writer.Committed;
        }
    }

    /// <summary>The original as the DSN returns it: whole when it is small enough or RET=FULL asks, else the header section.</summary>
    private static async Task<byte[]> ReadOriginalAsync(QueueEntry entry, DsnReturn ret, CancellationToken ct)
    {
        var length = entry.Message.BodyLength;
        await using var content = entry.Message.OpenContent();
        if (ret == DsnReturn.Headers)
        {
            var headers = await HeaderSection.ReadAsync(content, cancellationToken: ct).ConfigureAwait(false);
            await using var again = entry.Message.OpenContent();
            var buffer = new byte[headers.Length];
            await again.ReadExactlyAsync(buffer, ct).ConfigureAwait(false);
            return buffer;
        }
        var all = new byte[length];
        await content.ReadExactlyAsync(all, ct).ConfigureAwait(false);
        return all;
    }
}
