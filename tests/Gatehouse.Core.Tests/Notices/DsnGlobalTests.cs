using System.Text;
using Gatehouse.Core.Envelope;
using Gatehouse.Core.Notices;
using static Gatehouse.Core.Tests.Notices.Dsn;

namespace Gatehouse.Core.Tests.Notices;

/// <summary>Which notices are global reports (RFC 6533) and what that changes: part types, address forms, the envelope they need.</summary>
public class DsnGlobalTests
{
    /// <summary>One row of the table: the inputs, then what the notice must be.</summary>
    /// <param name="ReturnedEncoding">The returned part's Content-Transfer-Encoding, null for none.</param>
    /// <param name="FinalRecipient">The Final-Recipient of the first recipient block.</param>
    /// <param name="OriginalRecipient">Its Original-Recipient, null for none.</param>
    public sealed record Case(
        RecipientReport Recipient,
        byte[] Original,
        DsnReturn Ret,
        string ReportType,
        string ReturnedType,
        string? ReturnedEncoding,
        string FinalRecipient,
        string? OriginalRecipient,
        bool RequiresSmtpUtf8,
        bool EightBit);

    private static readonly byte[] Utf8Headers = Original(subject: "Grüße aus Köln", extraHeaders: "Comments: für Jörg\r\n");

    private static readonly Dictionary<string, Case> Table = new()
    {
        ["ASCII message: the classic report, unchanged"] = new(
            Failed("user@example.com", "5.1.1"), Original(), DsnReturn.Full,
            "delivery-status", "message/rfc822", null, "rfc822; user@example.com", null, RequiresSmtpUtf8: false, EightBit: false),
        ["ASCII headers, 8-bit body: classic, 8BITMIME only"] = new(
            Failed("user@example.com", "5.1.1"), Original(body: "Größe: 12 m²\r\n"), DsnReturn.Full,
            "delivery-status", "message/rfc822", "8bit", "rfc822; user@example.com", null, RequiresSmtpUtf8: false, EightBit: true),
        ["ASCII message, RET=HDRS: classic headers"] = new(
            Failed("user@example.com", "5.1.1"), Original(), DsnReturn.Headers,
            "delivery-status", "text/rfc822-headers", null, "rfc822; user@example.com", null, RequiresSmtpUtf8: false, EightBit: false),
        ["UTF-8 headers returned whole: message/global"] = new(
            Failed("user@example.com", "5.6.7"), Utf8Headers, DsnReturn.Full,
            "global-delivery-status", "message/global", "8bit", "rfc822; user@example.com", null, RequiresSmtpUtf8: true, EightBit: true),
        ["UTF-8 headers, RET=HDRS: message/global-headers"] = new(
            Failed("user@example.com", "5.6.7"), Utf8Headers, DsnReturn.Headers,
            "global-delivery-status", "message/global-headers", "8bit", "rfc822; user@example.com", null, RequiresSmtpUtf8: true, EightBit: true),
        ["UTF-8 headers, delay notice: message/global-headers"] = new(
            Delayed("user@example.com", "4.4.1"), Utf8Headers, DsnReturn.Full,
            "global-delivery-status", "message/global-headers", "8bit", "rfc822; user@example.com", null, RequiresSmtpUtf8: true, EightBit: true),
        ["UTF-8 final recipient, ASCII headers: utf-8 address type"] = new(
            Failed("jörg@bücher.example", "5.1.1"), Original(), DsnReturn.Full,
            "global-delivery-status", "message/rfc822", null, "utf-8; jörg@bücher.example", null, RequiresSmtpUtf8: true, EightBit: true),
        ["UTF-8 original recipient as xtext: shown as written"] = new(
            Failed("joerg@example.com", "5.1.1", orcpt: "utf-8;j\\x{F6}rg@contoso.com"), Original(), DsnReturn.Full,
            "global-delivery-status", "message/rfc822", null, "rfc822; joerg@example.com", "utf-8; jörg@contoso.com", RequiresSmtpUtf8: true, EightBit: true),
        ["UTF-8 original recipient given raw with type rfc822"] = new(
            Failed("joerg@example.com", "5.1.1", orcpt: "rfc822;用户@example.com"), Original(), DsnReturn.Full,
            "global-delivery-status", "message/rfc822", null, "rfc822; joerg@example.com", "utf-8; 用户@example.com", RequiresSmtpUtf8: true, EightBit: true),
        ["Latin-1 headers (not UTF-8), RET=HDRS: classic, 7-bit"] = new(
            Failed("user@example.com", "5.1.1"), Encoding.Latin1.GetBytes("From: ann@contoso.com\r\nSubject: Grüße\r\n\r\nbody\r\n"), DsnReturn.Headers,
            "delivery-status", "text/rfc822-headers", "quoted-printable", "rfc822; user@example.com", null, RequiresSmtpUtf8: false, EightBit: false),
    };

    public static TheoryData<string> Cases => new(Table.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_report_is_global_exactly_when_the_mail_is_international(string name)
    {
        var c = Table[name];
        var dsn = ComposeMessage(Report(c.Recipient), c.Original, c.Ret);
        var mime = Split(dsn.Octets);
        var global = c.ReportType == "global-delivery-status";

        Assert.Equal(global, dsn.Global);
        Assert.Equal($"multipart/report; report-type={c.ReportType}; boundary=\"{mime.Boundary}\"", mime.Field("Content-Type"));
        Assert.Equal("message/" + c.ReportType, mime.Parts[1].Field("Content-Type"));
        Assert.Equal(c.ReturnedType, mime.Parts[2].Field("Content-Type"));
        Assert.Equal(c.ReturnedEncoding, mime.Parts[2].Field("Content-Transfer-Encoding"));
        Assert.Equal(c.FinalRecipient, Part.FieldOf(Block(mime), "Final-Recipient"));
        Assert.Equal(c.OriginalRecipient, Part.FieldOf(Block(mime), "Original-Recipient"));
        Assert.Equal(c.RequiresSmtpUtf8, dsn.RequiresSmtpUtf8);
        Assert.Equal(c.EightBit, dsn.EightBit);
        Assert.Equal(c.EightBit ? "8bit" : "7bit", mime.Field("Content-Transfer-Encoding"));
        Assert.Equal(!Ascii.IsValid(dsn.Octets), dsn.EightBit);
        // Our own fields stay 7-bit whatever the report: the Subject is RFC 2047 words.
        Assert.True(Ascii.IsValid(Encoding.UTF8.GetBytes(mime.Header)), "the notice's header section is ASCII");
        if (!global) Assert.True(Ascii.IsValid(mime.Parts[1].Body), "a classic delivery-status part is 7-bit");
    }

    [Fact]
    public void Utf8_headers_returned_alone_are_the_original_fields_as_sent()
    {
        var mime = Split(Compose(Report(Failed("user@example.com", "5.6.7")), Utf8Headers, DsnReturn.Headers));

        var headers = Encoding.UTF8.GetString(Utf8Headers);
        Assert.Equal(headers[..headers.IndexOf("\r\n\r\n", StringComparison.Ordinal)], mime.Parts[2].Text);
        Assert.DoesNotContain("The figures are attached", Encoding.UTF8.GetString(mime.Parts[2].Body), StringComparison.Ordinal);
    }

    [Fact]
    public void Utf8_headers_with_an_overlong_line_go_back_quoted_printable_and_still_global()
    {
        var original = Original(subject: "Grüße " + new string('x', 1200));
        var dsn = ComposeMessage(Report(Failed("user@example.com", "5.1.1")), original, DsnReturn.Headers);
        var mime = Split(dsn.Octets);

        Assert.True(dsn.Global);
        Assert.Equal("message/global-headers", mime.Parts[2].Field("Content-Type"));
        Assert.Equal("quoted-printable", mime.Parts[2].Field("Content-Transfer-Encoding"));
        Assert.Contains("Subject: Gr=C3=BC=C3=9Fe xxx", mime.Parts[2].Text, StringComparison.Ordinal);
        // Nothing 8-bit is left in the notice, so no hop needs to agree to UTF-8 headers.
        Assert.True(Ascii.IsValid(dsn.Octets));
        Assert.False(dsn.RequiresSmtpUtf8);
    }

    [Fact]
    public void A_utf8_reverse_path_needs_smtputf8_even_for_an_ascii_report()
    {
        var dsn = ComposeMessage(Report(Failed("user@example.com", "5.1.1")), to: "jörg@contoso.com");

        Assert.False(dsn.Global);
        Assert.True(dsn.RequiresSmtpUtf8);
        Assert.Equal("<jörg@contoso.com>", Split(dsn.Octets).Field("To"));
    }

    [Fact]
    public void Unitext_escapes_what_would_be_ambiguous_and_keeps_the_rest()
    {
        var mime = Split(Compose(Report(Failed("jörg+news=x@bücher.example", "5.1.1"))));

        Assert.Equal("utf-8; jörg\\x{2B}news\\x{3D}x@bücher.example", Part.FieldOf(Block(mime), "Final-Recipient"));
    }

    [Theory]
    [InlineData("jörg@bücher.example", "550 5.1.1 Benutzer jörg unbekannt", "smtp; 550 5.1.1 Benutzer jörg unbekannt")]
    [InlineData("user@example.com", "550 5.1.1 Benutzer jörg unbekannt", "smtp; 550 5.1.1 Benutzer j?rg unbekannt")]
    public void Reply_text_keeps_its_characters_only_in_a_global_report(string address, string reply, string field)
    {
        var mime = Split(Compose(Report(Failed(address, "5.1.1", "mx.example.com", reply))));

        Assert.Equal(field, Part.FieldOf(Block(mime), "Diagnostic-Code"));
    }

    [Fact]
    public void Long_utf8_reply_text_is_folded_within_998_octets_a_line()
    {
        var reply = "550 5.1.1 " + new string('用', 1500) + " " + string.Concat(Enumerable.Repeat("Größe ", 200));
        var dsn = Compose(Report(Failed("jörg@bücher.example", "5.1.1", "mx.example.com", reply)));
        var mime = Split(dsn);

        Assert.All(Encoding.UTF8.GetString(dsn).Split("\r\n"), l => Assert.True(Encoding.UTF8.GetByteCount(l) <= 998, $"a line of {Encoding.UTF8.GetByteCount(l)} octets"));
        // Unfolding gives the reply back, with a space where an overlong word had to be split.
        var unfolded = Part.FieldOf(Block(mime), "Diagnostic-Code")!.Replace(" ", "", StringComparison.Ordinal);
        Assert.Equal("smtp;" + reply.Replace(" ", "", StringComparison.Ordinal), unfolded);
    }

    /// <summary>The first recipient block of the report part, as header text.</summary>
    private static string Block(Mime mime)
    {
        var text = Encoding.UTF8.GetString(mime.Parts[1].Body);
        var blocks = text.Split("\r\n\r\n");
        return blocks[1] + "\r\n";
    }
}
