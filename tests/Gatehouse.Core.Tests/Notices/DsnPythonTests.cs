using Gatehouse.Core.Envelope;
using Gatehouse.Core.Notices;
using static Gatehouse.Core.Tests.Notices.Dsn;

namespace Gatehouse.Core.Tests.Notices;

/// <summary>Composed notices read back by an independent parser: Python's <c>email</c> package.</summary>
public class DsnPythonTests
{
    [Fact]
    public async Task A_failure_report_parses_as_multipart_report_with_every_recipient()
    {
        var report = Report(
            Failed("user@internal.domain.com", "5.4.4", explanation: "No connector carries SMTPOUT addresses", orcpt: "rfc822;user@internal.domain.com"),
            Failed("user@example.com", "5.1.1", "mx.example.com", "550 5.1.1 <user@example.com>: Recipient address rejected: User unknown in virtual mailbox table"),
            Delayed("bob@example.net", "4.4.1", "mx.example.net", "421 4.4.1 Try again later")) with
        { EnvelopeId = "ENV-42" };

        await PythonDsn.Check(Compose(report), m =>
        {
            Assert.Empty(m.Defects);
            Assert.Equal("multipart/report", m.ContentType);
            Assert.Equal("delivery-status", m.ReportType);
            Assert.Equal("Undeliverable: Quarterly figures", m.Field("Subject"));
            Assert.Equal("auto-replied", m.Field("Auto-Submitted"));
            Assert.Equal(["text/plain", "message/delivery-status", "message/rfc822"], m.Parts.Select(p => p.ContentType));

            Assert.Contains("No connector carries SMTPOUT addresses.", m.Parts[0].Text, StringComparison.Ordinal);
            Assert.Contains("<mx.example.com> reported: 550 5.1.1 <user@example.com>:", m.Parts[0].Text, StringComparison.Ordinal);

            var status = m.Parts[1];
            Assert.Equal("dns; gatehouse.contoso.com", PyFields.First(status.Blocks![0], "Reporting-MTA"));
            Assert.Equal("ENV-42", PyFields.First(status.Blocks[0], "Original-Envelope-Id"));
            Assert.Equal("Mon, 23 Nov 2026 17:20:01 +0000", PyFields.First(status.Blocks[0], "Arrival-Date"));
            var blocks = status.RecipientBlocks;
            Assert.Equal(3, blocks.Count);

            Assert.Equal("rfc822; user@internal.domain.com", PyFields.First(blocks[0], "Original-Recipient"));
            Assert.Equal("rfc822; user@internal.domain.com", PyFields.First(blocks[0], "Final-Recipient"));
            Assert.Equal("failed", PyFields.First(blocks[0], "Action"));
            Assert.Equal("5.4.4", PyFields.First(blocks[0], "Status"));
            Assert.Null(PyFields.First(blocks[0], "Remote-MTA"));
            Assert.Null(PyFields.First(blocks[0], "Diagnostic-Code"));

            Assert.Null(PyFields.First(blocks[1], "Original-Recipient"));
            Assert.Equal("rfc822; user@example.com", PyFields.First(blocks[1], "Final-Recipient"));
            Assert.Equal("failed", PyFields.First(blocks[1], "Action"));
            Assert.Equal("5.1.1", PyFields.First(blocks[1], "Status"));
            Assert.Equal("dns; mx.example.com", PyFields.First(blocks[1], "Remote-MTA"));
            Assert.Equal("smtp; 550 5.1.1 <user@example.com>: Recipient address rejected: User unknown in virtual mailbox table", PyFields.First(blocks[1], "Diagnostic-Code"));

            Assert.Equal("delayed", PyFields.First(blocks[2], "Action"));
            Assert.Equal("4.4.1", PyFields.First(blocks[2], "Status"));
            Assert.Equal("Wed, 25 Nov 2026 17:20:01 +0000", PyFields.First(blocks[2], "Will-Retry-Until"));

            Assert.Equal("Quarterly figures", PyFields.First(m.Parts[2].InnerFields!, "Subject"));
            Assert.Equal("The figures are attached.", m.Parts[2].InnerBody?.TrimEnd('\r', '\n'));
        });
    }

    [Fact]
    public async Task A_delay_report_parses_with_headers_returned()
    {
        await PythonDsn.Check(Compose(Report(Delayed("bob@example.net", "4.4.2", "mx.example.net", "421 4.4.2 closing"))), m =>
        {
            Assert.Empty(m.Defects);
            Assert.Equal("Delayed: Quarterly figures", m.Field("Subject"));
            Assert.Contains("will keep trying until Wed, 25 Nov 2026 17:20:01 +0000", m.Parts[0].Text, StringComparison.Ordinal);
            var block = Assert.Single(m.Parts[1].RecipientBlocks);
            Assert.Equal("delayed", PyFields.First(block, "Action"));
            Assert.Equal("smtp; 421 4.4.2 closing", PyFields.First(block, "Diagnostic-Code"));
            Assert.Equal("text/rfc822-headers", m.Parts[2].ContentType);
            Assert.Contains("Subject: Quarterly figures", m.Parts[2].Text, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_success_report_parses()
    {
        await PythonDsn.Check(Compose(Report(Reached("carol@example.com"), Reached("list@example.com", DsnAction.Expanded, null, null))), m =>
        {
            Assert.Empty(m.Defects);
            Assert.Equal("Delivered: Quarterly figures", m.Field("Subject"));
            Assert.Contains("carol@example.com", m.Parts[0].Text, StringComparison.Ordinal);
            Assert.Equal(["delivered", "expanded"], m.Parts[1].RecipientBlocks.Select(b => PyFields.First(b, "Action")));
            Assert.Equal(["2.0.0", "2.0.0"], m.Parts[1].RecipientBlocks.Select(b => PyFields.First(b, "Status")));
        });
    }

    [Theory]
    [InlineData(DsnReturn.Full, 100, "message/rfc822")]
    [InlineData(DsnReturn.Headers, 1_000_000, "text/rfc822-headers")]
    [InlineData(DsnReturn.Unspecified, 1_000_000, "message/rfc822")]
    [InlineData(DsnReturn.Unspecified, 100, "text/rfc822-headers")]
    public async Task The_third_part_follows_ret(DsnReturn ret, long maxReturnBytes, string type)
    {
        await PythonDsn.Check(Compose(Report(Failed("user@example.com", "5.1.1")), ret: ret, maxReturnBytes: maxReturnBytes), m =>
        {
            Assert.Empty(m.Defects);
            Assert.Equal(type, m.Parts[2].ContentType);
            if (type == "message/rfc822") Assert.Equal("<q4.figures@contoso.com>", PyFields.First(m.Parts[2].InnerFields!, "Message-ID"));
            else Assert.DoesNotContain("figures are attached", m.Parts[2].Text, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Eight_bit_content_and_international_text_decode_as_a_global_report()
    {
        var original = Original(subject: "Grüße aus Köln", body: "Größe: 12 m²\r\n", extraHeaders: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n");
        var report = Report(Failed("jörg@bücher.example", "5.2.2", "mx.bücher.example", "552 5.2.2 Postfach für jörg voll", "Das Postfach ist voll"));

        await PythonDsn.Check(Compose(report, original, DsnReturn.Full), m =>
        {
            Assert.Empty(m.Defects);
            Assert.Equal("global-delivery-status", m.ReportType);
            Assert.Equal(["text/plain", "message/global-delivery-status", "message/global"], m.Parts.Select(p => p.ContentType));
            Assert.Equal("Undeliverable: Grüße aus Köln", m.Field("Subject"));
            Assert.Contains("Subject:  Grüße aus Köln", m.Parts[0].Text, StringComparison.Ordinal);
            Assert.Contains("jörg@bücher.example on", m.Parts[0].Text, StringComparison.Ordinal);
            Assert.Contains("Das Postfach ist voll.", m.Parts[0].Text, StringComparison.Ordinal);
            Assert.Equal("dns; gatehouse.contoso.com", PyFields.First(m.Parts[1].Blocks![0], "Reporting-MTA"));
            var block = Assert.Single(m.Parts[1].RecipientBlocks);
            Assert.Equal("utf-8; jörg@bücher.example", PyFields.First(block, "Final-Recipient"));
            Assert.Equal("dns; mx.xn--bcher-kva.example", PyFields.First(block, "Remote-MTA"));
            Assert.Equal("smtp; 552 5.2.2 Postfach für jörg voll", PyFields.First(block, "Diagnostic-Code"));
            Assert.Equal("8bit", PyFields.First(m.Parts[2].Fields, "Content-Transfer-Encoding"));
            Assert.Equal("Grüße aus Köln", PyFields.First(m.Parts[2].InnerFields!, "Subject"));
            Assert.Equal("Größe: 12 m²", m.Parts[2].InnerBody?.TrimEnd('\r', '\n'));
        });
    }

    [Fact]
    public async Task Utf8_headers_returned_alone_parse_as_message_global_headers()
    {
        var original = Original(subject: "Größe: 用户", extraHeaders: "Comments: für Jörg\r\n");

        await PythonDsn.Check(Compose(Report(Failed("user@example.com", "5.6.7")), original, DsnReturn.Headers), m =>
        {
            Assert.Empty(m.Defects);
            Assert.Equal("global-delivery-status", m.ReportType);
            Assert.Equal(["text/plain", "message/global-delivery-status", "message/global-headers"], m.Parts.Select(p => p.ContentType));
            var block = Assert.Single(m.Parts[1].RecipientBlocks);
            Assert.Equal("rfc822; user@example.com", PyFields.First(block, "Final-Recipient"));
            Assert.Equal("5.6.7", PyFields.First(block, "Status"));
            Assert.Equal("Größe: 用户", PyFields.First(m.Parts[2].InnerFields!, "Subject"));
            Assert.Equal("<q4.figures@contoso.com>", PyFields.First(m.Parts[2].InnerFields!, "Message-ID"));
            Assert.DoesNotContain("figures are attached", m.Parts[2].InnerBody ?? "", StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_hostile_remote_reply_stays_inside_its_diagnostic()
    {
        const string hostile = "550 5.1.1 no\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\nFinal-Recipient: rfc822; evil@example.net\r\nAction: delivered";
        await PythonDsn.Check(Compose(Report(Failed("user@example.com", "5.1.1", "mx.example.com", hostile))), m =>
        {
            Assert.Empty(m.Defects);
            var block = Assert.Single(m.Parts[1].RecipientBlocks);
            Assert.Equal(1, PyFields.Count(block, "Action"));
            Assert.Equal("failed", PyFields.First(block, "Action"));
            Assert.Equal("5.1.1", PyFields.First(block, "Status"));
            Assert.Equal(1, PyFields.Count(block, "Final-Recipient"));
            Assert.Equal("smtp; 550 5.1.1 no Action: delivered Status: 2.0.0 Final-Recipient: rfc822; evil@example.net Action: delivered", PyFields.First(block, "Diagnostic-Code"));
        });
    }
}
