using System.Text;
using System.Text.RegularExpressions;
using Gatehouse.Core.Envelope;
using Gatehouse.Core.Notices;

namespace Gatehouse.Core.Tests.Notices;

/// <summary>Sample reports and originals for the DSN tests, and a plain splitter to look inside a composed notice.</summary>
internal static partial class Dsn
{
    public const string Reporter = "gatehouse.contoso.com";
    public const string Id = "20261123172003.4F2A@gatehouse.contoso.com";
    public const string Sender = "ann@contoso.com";

    public static readonly DateTimeOffset Arrived = new(2026, 11, 23, 17, 20, 1, TimeSpan.Zero);
    public static readonly DateTimeOffset Tried = Arrived.AddSeconds(2);
    public static readonly DateTimeOffset Now = Arrived.AddSeconds(3);

    public static byte[] Original(string subject = "Quarterly figures", string body = "The figures are attached.\r\n", string extraHeaders = "")
    {
        var subjectLine = subject.Length == 0 ? "" : $"Subject: {subject}\r\n";
        return Encoding.UTF8.GetBytes(
            $"From: Ann <ann@contoso.com>\r\nTo: user@example.com\r\n{subjectLine}Date: Mon, 23 Nov 2026 17:20:01 +0000\r\n"
            + $"Message-ID: <q4.figures@contoso.com>\r\n{extraHeaders}MIME-Version: 1.0\r\n\r\n{body}");
    }

    public static RecipientReport Failed(string address, string status, string? remote = null, string? diagnostic = null, string explanation = "", string? orcpt = null) =>
        new(address, orcpt, DsnAction.Failed, status, remote, diagnostic, explanation, Tried, null);

    public static RecipientReport Delayed(string address, string status, string? remote = null, string? diagnostic = null) =>
        new(address, null, DsnAction.Delayed, status, remote, diagnostic, "", Tried, Arrived.AddDays(2));

    public static RecipientReport Reached(string address, DsnAction action = DsnAction.Delivered, string? remote = "mx.example.com", string? diagnostic = "250 2.0.0 Ok: queued as 4F2A") =>
        new(address, null, action, "2.0.0", remote, diagnostic, "", Tried, null);

    public static DeliveryReport Report(params RecipientReport[] recipients) => new(Reporter, "client.contoso.com", Arrived, null, recipients);

    public static byte[] Compose(DeliveryReport report, byte[]? original = null, DsnReturn ret = DsnReturn.Unspecified, long maxReturnBytes = 10 * 1024 * 1024, string messageId = Id) =>
        DsnComposer.Compose(report, Sender, original ?? Original(), ret, Now, messageId, maxReturnBytes);

    public static DsnMessage ComposeMessage(DeliveryReport report, byte[]? original = null, DsnReturn ret = DsnReturn.Unspecified, string to = Sender) =>
        DsnComposer.ComposeMessage(report, to, original ?? Original(), ret, Now, Id);

    /// <summary>Splits a notice at its boundary, asserting the framing on the way: CRLF lines, one boundary, three parts, a close delimiter.</summary>
    public static Mime Split(byte[] dsn)
    {
        var text = Encoding.UTF8.GetString(dsn);
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headerEnd > 0, "no end of header section");
        var header = text[..(headerEnd + 2)];
        var boundary = BoundaryParameter().Match(header).Groups[1].Value;
        Assert.NotEqual("", boundary);
        var body = dsn.AsSpan(Encoding.UTF8.GetByteCount(text[..(headerEnd + 4)]));
        var open = Encoding.ASCII.GetBytes("--" + boundary + "\r\n");
        var delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        Assert.True(body.StartsWith(open), "the body does not start with the first delimiter");
        body = body[open.Length..];
        var parts = new List<Part>();
        while (true)
        {
            var at = body.IndexOf(delimiter);
            Assert.True(at >= 0, "a part is not closed by a delimiter");
            parts.Add(Part.Of(body[..at].ToArray()));
            body = body[(at + delimiter.Length)..];
            if (body.StartsWith("--\r\n"u8))
            {
                Assert.Equal(4, body.Length);
                break;
            }
            Assert.True(body.StartsWith("\r\n"u8), "a delimiter line has trailing text");
            body = body[2..];
        }
        return new Mime(header, boundary, parts);
    }

    [GeneratedRegex("boundary=\"([^\"]+)\"")]
    private static partial Regex BoundaryParameter();
}

/// <summary>A notice split by <see cref="Dsn.Split"/>.</summary>
internal sealed record Mime(string Header, string Boundary, List<Part> Parts)
{
    /// <summary>The unfolded value of the first top-level field named <paramref name="name"/>.</summary>
    public string? Field(string name) => Part.FieldOf(Header, name);
}

/// <summary>One body part: its header text and its body octets.</summary>
internal sealed partial record Part(string Header, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>The body with its quoted-printable transfer encoding undone, as UTF-8.</summary>
    public string Decoded => Field("Content-Transfer-Encoding") == "quoted-printable" ? Encoding.UTF8.GetString(QuotedPrintable(Text)) : Text;

    /// <summary>The decoded body with line breaks and runs of spaces made single spaces, to find sentences whatever the wrapping.</summary>
    public string Prose => Spaces().Replace(Decoded, " ");

    private static byte[] QuotedPrintable(string text)
    {
        var output = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '=')
            {
                output.Add((byte)text[i]);
                continue;
            }
            if (!text.AsSpan(i + 1).StartsWith("\r\n", StringComparison.Ordinal)) output.Add(Convert.FromHexString(text.AsSpan(i + 1, 2))[0]);
            i += 2;
        }
        return [.. output];
    }

    public string? Field(string name) => FieldOf(Header, name);

    public static Part Of(byte[] octets)
    {
        var end = octets.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(end >= 0, "a part has no end of its header");
        return new Part(Encoding.UTF8.GetString(octets, 0, end + 2), octets[(end + 4)..]);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    public static string? FieldOf(string header, string name)
    {
        var unfolded = header.Replace("\r\n ", " ", StringComparison.Ordinal).Replace("\r\n\t", " ", StringComparison.Ordinal);
        foreach (var line in unfolded.Split("\r\n"))
        {
            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)) return line[(name.Length + 1)..].Trim();
        }
        return null;
    }
}
