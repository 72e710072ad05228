using System.Net;
using System.Text.Json;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Envelope;

namespace Gatehouse.Spool;

/// <summary>Writes and reads a <see cref="MailEnvelope"/> as one line of JSON in a queue file.</summary>
/// <remarks>Field names are short and stable: they are the on-disk format, read back after upgrades.</remarks>
public static class EnvelopeCodec
{
    public static byte[] Encode(string queueId, MailEnvelope e)
    {
        using var ms = new MemoryStream(512);
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("v", 1);
            w.WriteString("id", queueId);
            w.WritePropertyName("from");
            WriteMailbox(w, e.ReversePath);
            w.WriteStartArray("rcpt");
            foreach (var r in e.Recipients)
            {
                w.WriteStartObject();
                w.WritePropertyName("a");
                WriteMailbox(w, r.Address);
                if (r.Notify != DsnNotify.Unspecified) w.WriteNumber("notify", (int)r.Notify);
                if (r.OriginalRecipient is { } o) w.WriteString("orcpt", o);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (e.Ret != DsnReturn.Unspecified) w.WriteString("ret", e.Ret.ToString());
            if (e.EnvelopeId is { } env) w.WriteString("envid", env);
            if (e.Body != BodyType.Unspecified) w.WriteString("body", e.Body.ToString());
            if (e.SmtpUtf8) w.WriteBoolean("smtputf8", true);
            if (e.DeclaredSize is { } size) w.WriteNumber("size", size);
            w.WriteString("received", e.ReceivedAt);
            var c = e.Client;
            w.WriteStartObject("client");
            w.WriteString("ip", c.RemoteAddress.ToString());
            w.WriteNumber("port", c.RemotePort);
            w.WriteString("lip", c.LocalAddress.ToString());
            w.WriteNumber("lport", c.LocalPort);
            w.WriteString("listener", c.Listener);
            w.WriteString("helo", c.Helo);
            w.WriteBoolean("esmtp", c.Esmtp);
            if (c.TlsProtocol is { } tls) w.WriteString("tls", tls);
            if (c.TlsCipher is { } cipher) w.WriteString("cipher", cipher);
            if (c.AuthenticatedUser is { } user) w.WriteString("auth", user);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    public static (string QueueId, MailEnvelope Envelope) Decode(ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        var root = doc.RootElement;
        if (root.GetProperty("v").GetInt32() != 1) throw new InvalidDataException("unknown envelope version");
        var id = root.GetProperty("id").GetString() ?? throw new InvalidDataException("missing id");
        var rcpts = new List<EnvelopeRecipient>();
        foreach (var r in root.GetProperty("rcpt").EnumerateArray())
        {
            rcpts.Add(new EnvelopeRecipient(
                ReadMailbox(r.GetProperty("a")) ?? throw new InvalidDataException("null recipient"),
                r.TryGetProperty("notify", out var n) ? (DsnNotify)n.GetInt32() : DsnNotify.Unspecified,
                r.TryGetProperty("orcpt", out var o) ? o.GetString() : null));
        }
        var c = root.GetProperty("client");
        var client = new ClientInfo(
            IPAddress.Parse(c.GetProperty("ip").GetString()!),
            c.GetProperty("port").GetInt32(),
            IPAddress.Parse(c.GetProperty("lip").GetString()!),
            c.GetProperty("lport").GetInt32(),
            c.GetProperty("listener").GetString()!,
            c.GetProperty("helo").GetString()!,
            c.GetProperty("esmtp").GetBoolean(),
            Optional(c, "tls"),
            Optional(c, "cipher"),
            Optional(c, "auth"));
        var envelope = new MailEnvelope(
            ReadMailbox(root.GetProperty("from")),
            rcpts,
            Optional(root, "ret") is { } ret ? Enum.Parse<DsnReturn>(ret) : DsnReturn.Unspecified,
            Optional(root, "envid"),
            Optional(root, "body") is { } body ? Enum.Parse<BodyType>(body) : BodyType.Unspecified,
            root.TryGetProperty("smtputf8", out var u) && u.GetBoolean(),
            root.TryGetProperty("size", out var s) ? s.GetInt64() : null,
            client,
            root.GetProperty("received").GetDateTimeOffset());
        return (id, envelope);
    }

    private static string? Optional(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() : null;

    private static void WriteMailbox(Utf8JsonWriter w, Mailbox? m)
    {
        if (m is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        w.WriteString("l", m.LocalPart);
        w.WriteString("d", m.Domain);
        w.WriteEndObject();
    }

    private static Mailbox? ReadMailbox(JsonElement e) =>
        e.ValueKind == JsonValueKind.Null ? null : new Mailbox(e.GetProperty("l").GetString()!, e.GetProperty("d").GetString()!);
}
