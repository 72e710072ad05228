using System.Text;
using Gatehouse.Core.Envelope;
using Gatehouse.Core.Notices;
using static Gatehouse.Core.Tests.Notices.Dsn;

namespace Gatehouse.Core.Tests.Notices;

/// <summary>The structure of composed notices, read with a plain splitter; <see cref="DsnPythonTests"/> reads them with Python.</summary>
public class DsnComposerTests
{
    private static readonly DeliveryReport SeedReport = Report(
        Failed("user@internal.domain.com", "5.4.4", explanation: "No connector carries SMTPOUT addresses; this address cannot be delivered"),
        Failed("user@example.com", "5.1.1", "mx.example.com", "550 5.1.1 <user@example.com>: Recipient address rejected"));

    [Fact]
    public void Failed_notice_reads_like_the_IMS_report()
    {
        var mime = Split(Compose(SeedReport));

        Assert.Equal("Mail Delivery System <MAILER-DAEMON@gatehouse.contoso.com>", mime.Field("From"));
        Assert.Equal("<ann@contoso.com>", mime.Field("To"));
        Assert.Equal("Undeliverable: Quarterly figures", mime.Field("Subject"));
        Assert.Equal("Mon, 23 Nov 2026 17:20:04 +0000", mime.Field("Date"));
        Assert.Equal("<" + Id + ">", mime.Field("Message-ID"));
        Assert.Equal("<q4.figures@contoso.com>", mime.Field("In-Reply-To"));
        Assert.Equal("<q4.figures@contoso.com>", mime.Field("References"));
        Assert.Equal("auto-replied", mime.Field("Auto-Submitted"));
        Assert.Equal("1.0", mime.Field("MIME-Version"));
        Assert.Equal($"multipart/report; report-type=delivery-status; boundary=\"{mime.Boundary}\"", mime.Field("Content-Type"));
        Assert.Equal("7bit", mime.Field("Content-Transfer-Encoding"));
        Assert.Equal(3, mime.Parts.Count);

        Assert.Equal("text/plain; charset=utf-8", mime.Parts[0].Field("Content-Type"));
        Assert.Equal("7bit", mime.Parts[0].Field("Content-Transfer-Encoding"));
        Assert.Equal(
            """
            Your message did not reach some or all of the intended recipients.

                  Subject:  Quarterly figures
                  Sent:     Mon, 23 Nov 2026 17:20:01 +0000

            The following recipient(s) could not be reached:

                  user@internal.domain.com on Mon, 23 Nov 2026 17:20:03 +0000
                        No connector carries SMTPOUT addresses; this address cannot be
                        delivered.
                        Reported by <gatehouse.contoso.com>.
                        Status 5.4.4

                  user@example.com on Mon, 23 Nov 2026 17:20:03 +0000
                        The recipient's mailbox does not exist (no such user).
                        <mx.example.com> reported: 550 5.1.1 <user@example.com>:
                          Recipient address rejected
                        Status 5.1.1

            """.ReplaceLineEndings("\r\n"),
            mime.Parts[0].Text);

        Assert.Equal("message/delivery-status", mime.Parts[1].Field("Content-Type"));
        Assert.Equal(
            """
            Reporting-MTA: dns; gatehouse.contoso.com
            Received-From-MTA: dns; client.contoso.com
            Arrival-Date: Mon, 23 Nov 2026 17:20:01 +0000

            Final-Recipient: rfc822; user@internal.domain.com
            Action: failed
            Status: 5.4.4
            Last-Attempt-Date: Mon, 23 Nov 2026 17:20:03 +0000

            Final-Recipient: rfc822; user@example.com
            Action: failed
            Status: 5.1.1
            Remote-MTA: dns; mx.example.com
            Diagnostic-Code: smtp; 550 5.1.1 <user@example.com>: Recipient address
             rejected
            Last-Attempt-Date: Mon, 23 Nov 2026 17:20:03 +0000
            """.ReplaceLineEndings("\r\n"),
            mime.Parts[1].Text);

        Assert.Equal("message/rfc822", mime.Parts[2].Field("Content-Type"));
        Assert.Null(mime.Parts[2].Field("Content-Transfer-Encoding"));
        Assert.Equal(Encoding.UTF8.GetString(Original()), mime.Parts[2].Text + "\r\n");
    }

    [Fact]
    public void Delayed_notice_says_until_when_and_returns_headers_only()
    {
        var report = Report(Delayed("bob@example.net", "4.4.1", "mx.example.net"));
        // RFC 3461 §4.3: a notice without a failure returns only the headers, whatever RET says.
        foreach (var ret in Enum.GetValues<DsnReturn>())
        {
            var mime = Split(Compose(report, ret: ret));
            Assert.Equal("Delayed: Quarterly figures", mime.Field("Subject"));
            Assert.StartsWith("Your message has not yet been delivered", mime.Parts[0].Text, StringComparison.Ordinal);
            Assert.Contains("The mail system will keep trying until Wed, 25 Nov 2026 17:20:01 +0000.", mime.Parts[0].Text, StringComparison.Ordinal);
            Assert.Contains("Last tried <mx.example.net>", mime.Parts[0].Text, StringComparison.Ordinal);
            Assert.Contains("\r\nAction: delayed\r\n", mime.Parts[1].Text, StringComparison.Ordinal);
            Assert.Contains("\r\nWill-Retry-Until: Wed, 25 Nov 2026 17:20:01 +0000", mime.Parts[1].Text, StringComparison.Ordinal);
            Assert.Equal("text/rfc822-headers", mime.Parts[2].Field("Content-Type"));
        }
    }

    [Theory]
    [InlineData(DsnAction.Delivered, "delivered", "250 2.0.0 Ok: queued as 4F2A")]
    [InlineData(DsnAction.Relayed, "relayed", "The message was passed to a mail system that does not report delivery.")]
    [InlineData(DsnAction.Expanded, "expanded", "The message was delivered to a distribution list, which passed it on to its members.")]
    public void Success_notice_names_the_action(DsnAction action, string field, string words)
    {
        var mime = Split(Compose(Report(Reached("carol@example.com", action)), ret: DsnReturn.Full));

        Assert.Equal("Delivered: Quarterly figures", mime.Field("Subject"));
        Assert.Contains("Your message was delivered to the following recipient(s):", mime.Parts[0].Text, StringComparison.Ordinal);
        Assert.Contains(words, mime.Parts[0].Prose, StringComparison.Ordinal);
        Assert.Contains($"\r\nAction: {field}\r\nStatus: 2.0.0\r\n", mime.Parts[1].Text, StringComparison.Ordinal);
        Assert.Equal("text/rfc822-headers", mime.Parts[2].Field("Content-Type"));
    }

    [Fact]
    public void A_failure_among_delays_and_successes_makes_it_a_non_delivery_report()
    {
        var mime = Split(Compose(Report(Reached("carol@example.com"), Delayed("bob@example.net", "4.4.2"), Failed("dave@example.org", "5.2.2"))));

        Assert.Equal("Undeliverable: Quarterly figures", mime.Field("Subject"));
        var text = mime.Parts[0].Prose;
        var failed = text.IndexOf("could not be reached", StringComparison.Ordinal);
        var delayed = text.IndexOf("has been delayed", StringComparison.Ordinal);
        var reached = text.IndexOf("was delivered to the following", StringComparison.Ordinal);
        Assert.True(failed > 0 && delayed > failed && reached > delayed, text);
        Assert.Contains("The recipient's mailbox is full.", text, StringComparison.Ordinal);
        Assert.Equal("message/rfc822", mime.Parts[2].Field("Content-Type"));
    }

    [Theory]
    [InlineData(DsnAction.Failed, "Delivery Status Notification (Failure)")]
    [InlineData(DsnAction.Delayed, "Delivery Status Notification (Delay)")]
    [InlineData(DsnAction.Delivered, "Delivery Status Notification (Success)")]
    public void Without_an_original_subject_the_subject_is_generic(DsnAction action, string subject)
    {
        var recipient = new RecipientReport("x@example.com", null, action, action == DsnAction.Failed ? "5.1.1" : action == DsnAction.Delayed ? "4.4.1" : "2.0.0", null, null, "", Tried, null);
        var mime = Split(Compose(Report(recipient), Original(subject: "")));

        Assert.Equal(subject, mime.Field("Subject"));
        Assert.Contains("      Subject:  (no subject)\r\n", mime.Parts[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Envelope_id_and_original_recipients_are_carried()
    {
        var report = Report(
            Failed("user@example.com", "5.1.1", orcpt: "rfc822;Alias@Contoso.com"),
            Failed("joerg@example.com", "5.1.1", orcpt: "utf-8;joerg\\x{2B}news@contoso.com"),
            Failed("plain@example.com", "5.1.1")) with
        { EnvelopeId = "QQ314159" };
        var mime = Split(Compose(report));
        var fields = mime.Parts[1].Text;

        Assert.Contains("Original-Envelope-Id: QQ314159\r\n", fields, StringComparison.Ordinal);
        Assert.Contains("Original-Recipient: rfc822; Alias@Contoso.com\r\nFinal-Recipient: rfc822; user@example.com\r\n", fields, StringComparison.Ordinal);
        // An ASCII utf-8 address (here an escaped "+") stays as written in a classic report.
        Assert.Contains("Original-Recipient: utf-8; joerg\\x{2B}news@contoso.com\r\nFinal-Recipient: rfc822; joerg@example.com\r\n", fields, StringComparison.Ordinal);
        Assert.Equal(2, fields.Split("Original-Recipient:").Length - 1);
        Assert.Equal("message/delivery-status", mime.Parts[1].Field("Content-Type"));
        Assert.Contains("      user@example.com (addressed as Alias@Contoso.com) on Mon, 23 Nov 2026 17:20:03 +0000\r\n", mime.Parts[0].Text, StringComparison.Ordinal);
        Assert.Contains("      joerg@example.com (addressed as joerg+news@contoso.com) on Mon, 23 Nov 2026 17:20:03 +0000\r\n", mime.Parts[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encapsulated_recipient_is_shown_with_the_address_it_carries()
    {
        var mime = Split(Compose(Report(
            Failed("IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@domain.com", "5.4.4", explanation: "No connector carries SMTPOUT addresses."),
            Failed("IMCEA-not+encapsulated@domain.com", "5.1.1"))));
        Assert.Contains("      IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@domain.com ([SMTPOUT:user@internal.domain.com]) on ", mime.Parts[0].Text, StringComparison.Ordinal);
        Assert.Contains("      IMCEA-not+encapsulated@domain.com on ", mime.Parts[0].Text, StringComparison.Ordinal);
        // The machine-readable part keeps the address as it was sent.
        Assert.Contains("Final-Recipient: rfc822; IMCEASMTPOUT-user+40internal+2Edomain+2Ecom@domain.com\r\n", mime.Parts[1].Text.Replace(";\r\n ", "; ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void International_recipients_are_shown_as_written_in_a_global_report()
    {
        var report = Report(
            Failed("jörg@bücher.example", "5.6.7", "mx.bücher.example", "553 5.6.7 no SMTPUTF8 here", orcpt: "utf-8;j\\x{F6}rg@contoso.com"),
            Failed("plain@example.com", "5.1.1"));
        var mime = Split(Compose(report));
        var fields = mime.Parts[1].Text;

        Assert.Equal("message/global-delivery-status", mime.Parts[1].Field("Content-Type"));
        Assert.Equal("8bit", mime.Parts[1].Field("Content-Transfer-Encoding"));
        Assert.Contains("Original-Recipient: utf-8; jörg@contoso.com\r\nFinal-Recipient: utf-8; jörg@bücher.example\r\n", fields, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; plain@example.com\r\n", fields, StringComparison.Ordinal);
        Assert.Contains("Remote-MTA: dns; mx.xn--bcher-kva.example\r\n", fields, StringComparison.Ordinal);
        // The human part shows the address as a person writes it, so it is quoted-printable UTF-8.
        Assert.Equal("quoted-printable", mime.Parts[0].Field("Content-Transfer-Encoding"));
        Assert.Contains("      jörg@bücher.example (addressed as jörg@contoso.com) on Mon, 23 Nov 2026 17:20:03 +0000\r\n", mime.Parts[0].Decoded, StringComparison.Ordinal);
        Assert.Contains("<mx.xn--bcher-kva.example> reported: 553 5.6.7 no SMTPUTF8 here", mime.Parts[0].Prose, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mx.example.com replied: 550 5.1.1 <user@example.com>: Recipient address rejected", "The recipient's mailbox does not exist (no such user).")]
    [InlineData("The message could not be delivered in 2 days. mx.example.com replied: 550 5.1.1 <user@example.com>: Recipient address rejected", "The message could not be delivered in 2 days.")]
    [InlineData("Rejected after the recipient check", "Rejected after the recipient check.")]
    [InlineData("", "The recipient's mailbox does not exist (no such user).")]
    public void A_remote_reply_is_said_once_after_the_name_of_the_server_that_gave_it(string explanation, string words)
    {
        const string reply = "550 5.1.1 <user@example.com>: Recipient address rejected";
        var prose = Split(Compose(Report(Failed("user@example.com", "5.1.1", "mx.example.com", reply, explanation)))).Parts[0].Prose;

        Assert.Contains($"user@example.com on Mon, 23 Nov 2026 17:20:03 +0000 {words} <mx.example.com> reported: {reply} Status 5.1.1", prose, StringComparison.Ordinal);
        Assert.Single(prose.Split(reply)[1..]);
    }

    [Fact]
    public void Ret_hdrs_returns_the_header_section_only()
    {
        var original = Original(body: "Secret figures: 42\r\n");
        var mime = Split(Compose(Report(Failed("user@example.com", "5.1.1")), original, DsnReturn.Headers));

        Assert.Equal("text/rfc822-headers", mime.Parts[2].Field("Content-Type"));
        var headers = Encoding.UTF8.GetString(original);
        Assert.Equal(headers[..headers.IndexOf("\r\n\r\n", StringComparison.Ordinal)], mime.Parts[2].Text);
        Assert.DoesNotContain("Secret", Encoding.UTF8.GetString(Compose(Report(Failed("user@example.com", "5.1.1")), original, DsnReturn.Headers)), StringComparison.Ordinal);
        Assert.DoesNotContain("only its headers", mime.Parts[0].Prose, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DsnReturn.Unspecified, 1_000, "message/rfc822")]
    [InlineData(DsnReturn.Unspecified, 100, "text/rfc822-headers")]
    [InlineData(DsnReturn.Full, 100, "message/rfc822")]
    [InlineData(DsnReturn.Headers, 1_000, "text/rfc822-headers")]
    public void Ret_and_the_size_limit_choose_the_third_part(DsnReturn ret, long maxReturnBytes, string type)
    {
        var mime = Split(Compose(Report(Failed("user@example.com", "5.1.1")), ret: ret, maxReturnBytes: maxReturnBytes));

        Assert.Equal(type, mime.Parts[2].Field("Content-Type"));
        var noted = mime.Parts[0].Prose.Contains("so only its headers are attached", StringComparison.Ordinal);
        Assert.Equal(ret == DsnReturn.Unspecified && type == "text/rfc822-headers", noted);
    }

    [Fact]
    public void Unspecified_ret_with_a_huge_original_returns_headers_and_says_why()
    {
        var body = new StringBuilder();
        var line = new string('x', 76) + "\r\n";
        while (body.Length < 11 * 1024 * 1024) body.Append(line);
        var dsn = Compose(Report(Failed("user@example.com", "5.2.3")), Original(body: body.ToString()));

        Assert.True(dsn.Length < 64 * 1024, $"the notice is {dsn.Length} octets");
        var mime = Split(dsn);
        Assert.Equal("text/rfc822-headers", mime.Parts[2].Field("Content-Type"));
        Assert.Contains("The original message (11 MB) is larger than 10 MB, so only its headers are attached.", mime.Parts[0].Prose, StringComparison.Ordinal);
    }

    [Fact]
    public void Eight_bit_original_returned_whole_makes_the_notice_8bit()
    {
        var original = Original(subject: "Grüße aus Köln", body: "Größe: 12 m²\r\n", extraHeaders: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n");
        var dsn = Compose(Report(Failed("user@example.com", "5.1.1")), original, DsnReturn.Full);
        var mime = Split(dsn);

        Assert.Equal("8bit", mime.Field("Content-Transfer-Encoding"));
        Assert.Equal("8bit", mime.Parts[2].Field("Content-Transfer-Encoding"));
        Assert.Equal(original, WithCrlf(mime.Parts[2].Body));
        Assert.True(Ascii.IsValid(Encoding.UTF8.GetBytes(mime.Header)), "our own header fields stay 7-bit");
        Assert.Equal("Undeliverable: =?utf-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=", mime.Field("Subject"));
    }

    [Fact]
    public void Eight_bit_headers_that_are_not_utf8_returned_alone_are_quoted_printable_and_the_notice_stays_7bit()
    {
        // Raw Latin-1 in a header is legacy 8-bit, not RFC 6532 UTF-8: no global report for it.
        var original = Encoding.Latin1.GetBytes("From: ann@contoso.com\r\nSubject: Grüße aus Köln\r\nMessage-ID: <l1@contoso.com>\r\n\r\nGröße\r\n");
        var dsn = ComposeMessage(Report(Failed("user@example.com", "5.1.1")), original, DsnReturn.Headers);
        var mime = Split(dsn.Octets);

        Assert.True(Ascii.IsValid(dsn.Octets), "the whole notice is 7-bit");
        Assert.False(dsn.Global);
        Assert.False(dsn.RequiresSmtpUtf8);
        Assert.Equal("7bit", mime.Field("Content-Transfer-Encoding"));
        Assert.Equal("message/delivery-status", mime.Parts[1].Field("Content-Type"));
        Assert.Equal("text/rfc822-headers", mime.Parts[2].Field("Content-Type"));
        Assert.Equal("quoted-printable", mime.Parts[2].Field("Content-Transfer-Encoding"));
        Assert.Contains("Subject: Gr=FC=DFe aus K=F6ln", mime.Parts[2].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encoded_subject_is_kept_as_written_and_shown_decoded()
    {
        var mime = Split(Compose(Report(Failed("user@example.com", "5.1.1")), Original(subject: "=?iso-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=")));

        Assert.Equal("Undeliverable: =?iso-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=", mime.Field("Subject"));
        Assert.Contains("      Subject:  Grüße aus Köln\r\n", mime.Parts[0].Decoded, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_subject_is_folded_and_every_line_is_legal()
    {
        var subject = string.Join(' ', Enumerable.Repeat("figures", 40)) + " " + new string('y', 2000);
        var diagnostic = "550 " + new string('z', 3000);
        var dsn = Compose(Report(Failed("user@example.com", "5.1.1", "mx.example.com", diagnostic)), Original(subject: subject));
        var mime = Split(dsn);

        foreach (var line in Encoding.UTF8.GetString(dsn).Split("\r\n"))
        {
            Assert.True(line.Length <= 998, $"a line of {line.Length} characters");
            Assert.DoesNotContain('\n', line);
            Assert.DoesNotContain('\r', line);
        }
        var headerLines = mime.Header.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(headerLines.Count(l => l.StartsWith(' ')) >= 5, "the Subject is folded");
        Assert.StartsWith("Undeliverable: figures figures", mime.Field("Subject"), StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 550 " + new string('z', 900) + " " + new string('z', 900), mime.Parts[1].Text.Replace("\r\n ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("550 5.1.1 no such user\r\nAction: delivered\r\nStatus: 2.0.0")]
    [InlineData("550 5.1.1 no such user\r\n\r\nFinal-Recipient: rfc822; evil@example.net\r\nAction: delivered")]
    [InlineData("550 5.1.1 no such user\nAction: delivered\rStatus: 2.0.0\u0085X-Evil: 1")]
    [InlineData("550 5.1.1 no such user\r\n--=_gh_20261123172003.4F2A.gatehouse.contoso.com--\r\n")]
    public void A_hostile_remote_reply_cannot_add_fields(string diagnostic)
    {
        var report = Report(Failed("user@example.com", "5.1.1", "mx.example.com\r\nAction: delivered", diagnostic, explanation: "Rejected\r\nStatus 2.0.0"));
        var mime = Split(Compose(report));

        var lines = mime.Parts[1].Text.Split("\r\n");
        string[] known = ["Reporting-MTA:", "Received-From-MTA:", "Arrival-Date:", "Final-Recipient:", "Action:", "Status:", "Remote-MTA:", "Diagnostic-Code:", "Last-Attempt-Date:"];
        Assert.All(lines, l => Assert.True(l.Length == 0 || l.StartsWith(' ') || known.Any(k => l.StartsWith(k, StringComparison.Ordinal)), l));
        Assert.Equal(["Action: failed"], lines.Where(l => l.StartsWith("Action:", StringComparison.Ordinal)));
        Assert.Equal(["Status: 5.1.1"], lines.Where(l => l.StartsWith("Status:", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Length == 0);
        Assert.DoesNotContain(mime.Parts[0].Text.Split("\r\n"), l => l.TrimStart().StartsWith("Status 2.0.0", StringComparison.Ordinal) || l.StartsWith("Action:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_boundary_moves_when_the_original_contains_it()
    {
        var first = Split(Compose(Report(Failed("user@example.com", "5.1.1")))).Boundary;
        var original = Original(body: $"--{first}\r\nContent-Type: text/plain\r\n\r\ngotcha\r\n--{first}--\r\n");
        var dsn = Compose(Report(Failed("user@example.com", "5.1.1")), original);
        var mime = Split(dsn);

        Assert.StartsWith("=_gh_20261123172003.4F2A.gatehouse.contoso.com", first, StringComparison.Ordinal);
        Assert.NotEqual(first, mime.Boundary);
        Assert.Equal(3, mime.Parts.Count);
        Assert.Equal(original, WithCrlf(mime.Parts[2].Body));
    }

    [Fact]
    public void Line_ends_of_the_original_become_crlf()
    {
        var lf = Encoding.ASCII.GetBytes("Subject: bare\nFrom: a@b\n\nline one\nline two");
        var mime = Split(Compose(Report(Failed("user@example.com", "5.1.1")), lf, DsnReturn.Full));

        Assert.Equal("Subject: bare\r\nFrom: a@b\r\n\r\nline one\r\nline two", mime.Parts[2].Text);
        Assert.Equal("Undeliverable: bare", mime.Field("Subject"));
    }

    [Fact]
    public void A_binary_original_goes_back_as_headers_with_a_note()
    {
        var binary = Original(body: "before\0after\r\n");
        var mime = Split(Compose(Report(Failed("user@example.com", "5.1.1")), binary, DsnReturn.Full));

        Assert.Equal("text/rfc822-headers", mime.Parts[2].Field("Content-Type"));
        Assert.Contains("The original message has content that cannot be attached as it is (binary data or overlong lines), so only its headers are attached.", mime.Parts[0].Prose, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_inputs_give_the_same_octets()
    {
        Assert.Equal(Compose(SeedReport), Compose(SeedReport));
        Assert.NotEqual(Compose(SeedReport), Compose(SeedReport, messageId: "other@gatehouse.contoso.com"));
    }

    private static byte[] WithCrlf(byte[] body) => [.. body, (byte)'\r', (byte)'\n'];

    public static TheoryData<string, Func<byte[]>> Refusals => new()
    {
        { "no recipients", () => Compose(Report()) },
        { "a status that is not a code", () => Compose(Report(Failed("user@example.com", "550"))) },
        { "a status with text", () => Compose(Report(Failed("user@example.com", "5.1.1 no such user"))) },
        { "the null reverse-path", () => DsnComposer.Compose(Report(Failed("user@example.com", "5.1.1")), "<>", Original(), DsnReturn.Full, Now, Id) },
        { "a Message-ID with a space", () => Compose(Report(Failed("user@example.com", "5.1.1")), messageId: "a b@c") },
        { "a Message-ID with a line break", () => Compose(Report(Failed("user@example.com", "5.1.1")), messageId: "a\r\nBcc: x@y") },
        { "an empty reporting MTA", () => DsnComposer.Compose(Report(Failed("user@example.com", "5.1.1")) with { ReportingMta = " " }, Sender, Original(), DsnReturn.Full, Now, Id) },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Refuses_inputs_that_cannot_make_a_notice(string why, Func<byte[]> compose)
    {
        var e = Assert.ThrowsAny<ArgumentException>(compose);
        Assert.False(string.IsNullOrEmpty(e.Message), why);
    }
}
