using System.Text.Json;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Envelope;

namespace Gatehouse.Spool;

/// <summary>Where one recipient of a queued message stands.</summary>
public enum RecipientStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>One recipient of a queued message and its progress.</summary>
/// <param name="ExpandedFrom">The list it came from, for recipients added by expansion; null for the envelope's own.</param>
/// <param name="LastResult">The last outcome in words, for the queue listing and the next DSN.</param>
public sealed record RecipientState(Mailbox Address, DsnNotify Notify, string? OriginalRecipient, RecipientStatus Status, string? ExpandedFrom = null, string? LastResult = null);

/// <summary>The progress of a queued message that was not finished at its first attempt: kept beside the queue file.</summary>
/// <remarks>
/// The queue file is never rewritten; this small file says which recipients are done, how many
/// attempts were made and when the next is due. It is replaced whole (write, then rename), so a
/// crash leaves either the old or the new state: at worst a recipient is tried again (a duplicate,
/// never a loss).
/// </remarks>
public sealed record QueueState(int Attempts, DateTimeOffset? NextAttempt, bool Held, bool DelayNoticeSent, IReadOnlyList<RecipientState> Recipients)
{
    public static byte[] Encode(QueueState s)
    {
        using var ms = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("v", 1);
            w.WriteNumber("attempts", s.Attempts);
            if (s.NextAttempt is { } next) w.WriteString("next", next);
            if (s.Held) w.WriteBoolean("held", true);
            if (s.DelayNoticeSent) w.WriteBoolean("delay_notice", true);
            w.WriteStartArray("rcpt");
            foreach (var r in s.Recipients)
            {
                w.WriteStartObject();
                w.WriteString("l", r.Address.LocalPart);
                w.WriteString("d", r.Address.Domain);
                if (r.Notify != DsnNotify.Unspecified) w.WriteNumber("notify", (int)r.Notify);
                if (r.OriginalRecipient is { } o) w.WriteString("orcpt", o);
                w.WriteString("s", r.Status.ToString());
                if (r.ExpandedFrom is { } list) w.WriteString("from_list", list);
                if (r.LastResult is { } why) w.WriteString("last", why);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <exception cref="InvalidDataException">The bytes are not a state this version wrote.</exception>
    public static QueueState Decode(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            if (root.GetProperty("v").GetInt32() != 1) throw new InvalidDataException("unknown state version");
            var list = new List<RecipientState>();
            foreach (var r in root.GetProperty("rcpt").EnumerateArray())
            {
                list.Add(new RecipientState(
                    new Mailbox(r.GetProperty("l").GetString()!, r.GetProperty("d").GetString()!),
                    r.TryGetProperty("notify", out var n) ? (DsnNotify)n.GetInt32() : DsnNotify.Unspecified,
                    r.TryGetProperty("orcpt", out var o) ? o.GetString() : null,
                    Enum.Parse<RecipientStatus>(r.GetProperty("s").GetString()!),
                    r.TryGetProperty("from_list", out var f) ? f.GetString() : null,
                    r.TryGetProperty("last", out var l) ? l.GetString() : null));
            }
            return new QueueState(
                root.GetProperty("attempts").GetInt32(),
                root.TryGetProperty("next", out var next) ? next.GetDateTimeOffset() : null,
                root.TryGetProperty("held", out var h) && h.GetBoolean(),
                root.TryGetProperty("delay_notice", out var dn) && dn.GetBoolean(),
                list);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException("queue state is damaged: " + e.Message, e);
        }
    }
}
