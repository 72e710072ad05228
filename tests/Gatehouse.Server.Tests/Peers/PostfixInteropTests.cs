using System.Net;
using System.Text;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Peers;

/// <summary>Gatehouse and a real Postfix, both ways: 8-bit, SMTPUTF8 and large messages and DSNs arrive intact.</summary>
/// <remarks>
/// <para>Each test starts its own Postfix (<see cref="PostfixInstance"/>, domain postfix.test, Maildirs) and
/// its own Gatehouse (accepted domain gatehouse.test with a directory, so an unknown local part gets
/// 550 5.1.1, and an internet connector whose smart host is the Postfix).</para>
/// <para>"Intact" means the octets: what a mailbox holds, with the trace fields each MTA prepends
/// (Return-Path, Delivered-To, X-Original-To, Received) taken off the top, is exactly what the client
/// sent; Postfix's Maildir has LF where the wire had CRLF. DSNs are read with Python's email package.</para>
/// </remarks>
public sealed class PostfixInteropTests(ITestOutputHelper output)
{
    private const string Domain = "gatehouse.test";

    private static readonly string[] TraceFields = ["Return-Path", "Delivered-To", "X-Original-To", "Received"];

    private Task<TestServer> StartGatehouseAsync(IPEndPoint? postfix = null) => TestServer.StartAsync(output, new TestServerOptions
    {
        Deliver = true,
        AcceptedDomains = $"[{Domain}]",
        ExtraYaml = $$"""
            relay:
              allow_clients: [127.0.0.0/8]
            directory:
              mailboxes:
                - {alias: sender, proxy_addresses: ["SMTP:sender@{{Domain}}"]}
                - {alias: bob, proxy_addresses: ["SMTP:bob@{{Domain}}"]}
                - {alias: joerg, proxy_addresses: ["SMTP:jörg@{{Domain}}"]}
                - {alias: yonghu, proxy_addresses: ["SMTP:用户@{{Domain}}"]}
            {{(postfix is null ? "" : $$"""
            connectors:
              - name: postfix
                type: internet
                servers: [test]
                smart_host: "{{postfix.Address}}:{{postfix.Port}}"
                address_spaces:
                  - {type: SMTP, pattern: "*", cost: 1}
            """)}}
            delivery:
              retry_schedule: [1s]
              tls: none

            """,
    });

    // ---- Postfix relays into Gatehouse ----

    [Fact]
    public async Task Postfix_relays_eight_bit_mail_into_gatehouse_octet_for_octet()
    {
        await using var gatehouse = await StartGatehouseAsync();
        await using var postfix = await PostfixInstance.StartAsync(new PostfixOptions { RelayHost = gatehouse.Endpoint, LogSmtpSessions = true });
        var message = Message("Grüße aus Köln", "bob@" + Domain, "Grüße aus Köln — naïve café, 8-bit and no encoding at all.\r\nZweite Zeile: ÄÖÜ ß €\r\n");

        await SubmitAsync(postfix.Endpoint, "<someone@postfix.test> BODY=8BITMIME", ["bob@" + Domain], message);

        var delivered = await WaitForGatehouseMailAsync(gatehouse, "bob", postfix);
        AssertSameContent(message, delivered, "\r\n", postfix.Log);
        Assert.StartsWith("Return-Path: <someone@postfix.test>\r\nDelivered-To: bob@gatehouse.test\r\n", Encoding.UTF8.GetString(delivered), StringComparison.Ordinal);
        // Postfix's SMTP client asked Gatehouse for 8BITMIME (its session log, debug_peer_list).
        Assert.Matches(@"postfix/smtp\[[0-9]+\]: > [0-9.]+\[[0-9.]+\]:[0-9]+: MAIL FROM:<someone@postfix\.test>[^\n]* BODY=8BITMIME", postfix.Log);
    }

    [Fact]
    public async Task Postfix_relays_smtputf8_mail_into_gatehouse_utf8_mailboxes()
    {
        await using var gatehouse = await StartGatehouseAsync();
        await using var postfix = await PostfixInstance.StartAsync(new PostfixOptions { RelayHost = gatehouse.Endpoint });
        string[] to = ["jörg@" + Domain, "用户@" + Domain];
        var message = Message("Größe: 用户 José", string.Join(", ", to), "Ein Gruß an Jörg und 用户.\r\n", from: "José <josé@postfix.test>");

        await SubmitAsync(postfix.Endpoint, "<josé@postfix.test> SMTPUTF8 BODY=8BITMIME", to, message);

        foreach (var (box, address) in new[] { ("joerg", to[0]), ("yonghu", to[1]) })
        {
            var delivered = await WaitForGatehouseMailAsync(gatehouse, box, postfix);
            AssertSameContent(message, delivered, "\r\n", postfix.Log);
            var text = Encoding.UTF8.GetString(delivered);
            Assert.StartsWith($"Return-Path: <josé@postfix.test>\r\nDelivered-To: {address}\r\nReceived: ", text, StringComparison.Ordinal);
            // Gatehouse's own Received field says the message came in over SMTPUTF8 (RFC 6531 §3.7.3).
            Assert.Matches(@"^Return-Path: [^\r]*\r\nDelivered-To: [^\r]*\r\nReceived: [^\r]*(\r\n\s[^\r]*)*with UTF8SMTP", text);
        }
    }

    [Fact]
    public async Task Postfix_relays_a_large_message_into_gatehouse_intact()
    {
        await using var gatehouse = await StartGatehouseAsync();
        await using var postfix = await PostfixInstance.StartAsync(new PostfixOptions { RelayHost = gatehouse.Endpoint });
        var message = LargeMessage("bob@" + Domain);

        await SubmitAsync(postfix.Endpoint, $"<someone@postfix.test> SIZE={message.Length}", ["bob@" + Domain], message);

        var delivered = await WaitForGatehouseMailAsync(gatehouse, "bob", postfix, TimeSpan.FromMinutes(3));
        AssertSameContent(message, delivered, "\r\n", postfix.Log);
    }

    [Fact]
    public async Task Postfix_bounce_for_a_recipient_gatehouse_refuses_reaches_the_gatehouse_sender_as_a_multipart_report()
    {
        await using var gatehouse = await StartGatehouseAsync();
        await using var postfix = await PostfixInstance.StartAsync(new PostfixOptions { RelayHost = gatehouse.Endpoint });
        var body = "Bitte zurück an den Absender: Grüße, 8-bit.\r\n";
        var (text, dsn) = await BounceThroughPostfixAsync(gatehouse, postfix, Message("Returned", "nobody@" + Domain, body, from: "sender@" + Domain));

        var parsed = await PythonEmail.ParseDsnAsync(dsn);
        Assert.Equal("multipart/report", parsed.ContentType);
        Assert.Equal("delivery-status", parsed.ReportType);
        Assert.Equal(["text/plain", "message/delivery-status", "message/rfc822"], parsed.PartTypes);
        Assert.Contains("mx.postfix.test", parsed.PerMessage["Reporting-MTA"], StringComparison.Ordinal);
        var r = Assert.Single(parsed.Recipients);
        Assert.Equal("rfc822; nobody@gatehouse.test", r["Final-Recipient"]);
        Assert.Equal("failed", r["Action"]);
        Assert.Equal("5.1.1", r["Status"]);
        Assert.StartsWith("smtp; 550 5.1.1", r["Diagnostic-Code"], StringComparison.Ordinal);
        // The returned message, 8-bit body and all, came through both MTAs untouched.
        Assert.Contains(body, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postfix_bounce_of_a_message_with_utf8_headers_reaches_gatehouse_as_an_rfc_6533_global_report_over_smtputf8()
    {
        await using var gatehouse = await StartGatehouseAsync();
        await using var postfix = await PostfixInstance.StartAsync(new PostfixOptions { RelayHost = gatehouse.Endpoint });
        // Postfix's sendmail classifies a message with UTF-8 in its header as SMTPUTF8 (smtputf8_autodetect_classes),
        // so its bounce is message/global-delivery-status with the original as message/global (RFC 6533).
        var (text, dsn) = await BounceThroughPostfixAsync(gatehouse, postfix, Message("Rückläufer für Jörg", "nobody@" + Domain, "Grüße.\r\n", from: "Jörg <sender@" + Domain + ">"));

        Assert.Matches(@"^Return-Path: <>\r\nDelivered-To: sender@gatehouse\.test\r\nReceived: [^\r]*(\r\n\s[^\r]*)*with UTF8SMTP", text);
        var parsed = await PythonEmail.ParseDsnAsync(dsn);
        Assert.Equal("multipart/report", parsed.ContentType);
        Assert.Equal("delivery-status", parsed.ReportType);
        Assert.Equal(["text/plain", "message/global-delivery-status", "message/global"], parsed.PartTypes);
        Assert.Contains("\r\nFinal-Recipient: rfc822; nobody@gatehouse.test\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nAction: failed\r\nStatus: 5.1.1\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nSubject: Rückläufer für Jörg\r\n", text, StringComparison.Ordinal);
    }

    /// <summary>Submits a message to Postfix with its sendmail for a recipient Gatehouse refuses; returns Postfix's bounce as Gatehouse delivered it.</summary>
    private async Task<(string Text, byte[] Raw)> BounceThroughPostfixAsync(TestServer gatehouse, PostfixInstance postfix, byte[] message)
    {
        // Submitted on the Postfix host: Postfix accepts it, then Gatehouse refuses the recipient at RCPT with 550 5.1.1.
        await postfix.SendmailAsync("sender@" + Domain, ["nobody@" + Domain], message);
        var dsn = await WaitForGatehouseMailAsync(gatehouse, "sender", postfix);
        var text = Encoding.UTF8.GetString(dsn);
        output.WriteLine(text);
        Assert.StartsWith("Return-Path: <>\r\nDelivered-To: sender@gatehouse.test\r\n", text, StringComparison.Ordinal);
        Assert.Contains("From: Mail Delivery System <MAILER-DAEMON@mx.postfix.test>\r\n", text, StringComparison.Ordinal);
        return (text, dsn);
    }

    // ---- Gatehouse delivers into Postfix ----

    [Fact]
    public async Task Gatehouse_delivers_eight_bit_mail_into_postfix_octet_for_octet()
    {
        await using var postfix = await PostfixInstance.StartAsync(new PostfixOptions { LogSmtpSessions = true });
        await using var gatehouse = await StartGatehouseAsync(postfix.Endpoint);
        var message = Message("Grüße aus Köln", "user@postfix.test", "Grüße aus Köln — naïve café, 8-bit and no encoding at all.\r\nZweite Zeile: ÄÖÜ ß €\r\n");

        await SubmitAsync(gatehouse.Endpoint, "<sender@gatehouse.test> BODY=8BITMIME", ["user@postfix.test"], message);

        var delivered = Assert.Single(await postfix.WaitForMessagesAsync("user", 1)).Raw;
        AssertSameContent(message, delivered, "\n", postfix.Log);
        Assert.StartsWith("Return-Path: <sender@gatehouse.test>\nX-Original-To: user@postfix.test\nDelivered-To: user@postfix.test\n", Encoding.UTF8.GetString(delivered), StringComparison.Ordinal);
        // Postfix's smtpd saw BODY=8BITMIME: the content went as 8-bit, not downgraded.
        Assert.Matches(@"< unknown\[[0-9.]+\]: MAIL FROM:<sender@gatehouse\.test> [^\n]*BODY=8BITMIME", postfix.Log);
    }

    [Fact]
    public async Task Gatehouse_delivers_smtputf8_mail_into_postfix_utf8_mailboxes()
    {
        await using var postfix = await PostfixInstance.StartAsync(new PostfixOptions { Mailboxes = ["user", "jörg", "用户"] });
        await using var gatehouse = await StartGatehouseAsync(postfix.Endpoint);
        string[] to = ["jörg@postfix.test", "用户@postfix.test"];
        var message = Message("Größe: 用户", string.Join(", ", to), "Ein Gruß an Jörg und 用户.\r\n", from: "Jörg <jörg@gatehouse.test>");

        await SubmitAsync(gatehouse.Endpoint, "<jörg@gatehouse.test> SMTPUTF8 BODY=8BITMIME", to, message);

        foreach (var address in to)
        {
            var delivered = Assert.Single(await postfix.WaitForMessagesAsync(address, 1)).Raw;
            AssertSameContent(message, delivered, "\n", postfix.Log);
            var text = Encoding.UTF8.GetString(delivered);
            Assert.StartsWith($"Return-Path: <jörg@gatehouse.test>\nX-Original-To: {address}\nDelivered-To: {address}\n", text, StringComparison.Ordinal);
            // Postfix's Received field records that Gatehouse used SMTPUTF8.
            Assert.Contains("with UTF8SMTP", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Gatehouse_delivers_a_large_message_into_postfix_intact()
    {
        await using var postfix = await PostfixInstance.StartAsync();
        await using var gatehouse = await StartGatehouseAsync(postfix.Endpoint);
        var message = LargeMessage("user@postfix.test");

        await SubmitAsync(gatehouse.Endpoint, $"<sender@gatehouse.test> SIZE={message.Length}", ["user@postfix.test"], message);

        var delivered = Assert.Single(await postfix.WaitForMessagesAsync("user", 1, TimeSpan.FromMinutes(3))).Raw;
        AssertSameContent(message, delivered, "\n", postfix.Log);
    }

    [Fact]
    public async Task Gatehouse_dsn_for_a_recipient_postfix_refuses_reaches_the_sender_at_postfix_as_a_multipart_report()
    {
        await using var postfix = await PostfixInstance.StartAsync(new PostfixOptions { Mailboxes = ["user", "sender"] });
        await using var gatehouse = await StartGatehouseAsync(postfix.Endpoint);
        var body = "Für user und für niemanden: 8-bit.\r\n";
        var message = Message("Teilweise zustellbar", "user@postfix.test, nosuch@postfix.test", body, from: "sender@postfix.test");

        await SubmitAsync(gatehouse.Endpoint, "<sender@postfix.test> BODY=8BITMIME", ["user@postfix.test", "nosuch@postfix.test"], message);

        AssertSameContent(message, Assert.Single(await postfix.WaitForMessagesAsync("user", 1)).Raw, "\n", postfix.Log);
        var dsn = Assert.Single(await postfix.WaitForMessagesAsync("sender", 1)).Raw;
        var text = Encoding.UTF8.GetString(dsn);
        output.WriteLine(text);
        Assert.StartsWith("Return-Path: <>\nX-Original-To: sender@postfix.test\nDelivered-To: sender@postfix.test\n", text, StringComparison.Ordinal);
        var parsed = await PythonEmail.ParseDsnAsync(dsn);
        Assert.Equal("multipart/report", parsed.ContentType);
        Assert.Equal("delivery-status", parsed.ReportType);
        Assert.Equal(["text/plain", "message/delivery-status", "message/rfc822"], parsed.PartTypes);
        Assert.Contains(TestConfig.Hostname, parsed.PerMessage["Reporting-MTA"], StringComparison.Ordinal);
        var r = Assert.Single(parsed.Recipients);
        Assert.Equal("rfc822; nosuch@postfix.test", r["Final-Recipient"]);
        Assert.Equal("failed", r["Action"]);
        Assert.Equal("5.1.1", r["Status"]);
        Assert.StartsWith("smtp; 550 5.1.1", r["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Contains("User unknown", r["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Contains("nosuch@postfix.test", parsed.HumanText, StringComparison.Ordinal);
        // Postfix's reply is quoted once, after the name of the host that gave it.
        var human = string.Join(' ', parsed.HumanText.Split((char[])[' ', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Single(human.Split("550 5.1.1")[1..]);
        Assert.Matches(@"<127\.[0-9.]+> reported: 550 5\.1\.1 <nosuch@postfix\.test>: Recipient address rejected", human);
        // The returned message, 8-bit body included, came back as it was sent (LF in Postfix's Maildir).
        Assert.Contains(body.Replace("\r\n", "\n", StringComparison.Ordinal), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtputf8_mail_for_a_postfix_without_smtputf8_fails_with_5_6_7_and_nothing_reaches_postfix()
    {
        // docs/operations.md: "an SMTPUTF8 message for a host without SMTPUTF8 fails with 5.6.7" (no downgrade is attempted).
        await using var postfix = await PostfixInstance.StartAsync(new PostfixOptions { SmtpUtf8 = false });
        await using var gatehouse = await StartGatehouseAsync(postfix.Endpoint);
        var message = Message("Größe: 用户", "user@postfix.test", "UTF-8 in the header, ASCII envelope.\r\n", from: "Jörg <sender@gatehouse.test>");

        await SubmitAsync(gatehouse.Endpoint, "<sender@gatehouse.test> SMTPUTF8", ["user@postfix.test"], message);

        var dsn = await WaitForGatehouseMailAsync(gatehouse, "sender", postfix);
        output.WriteLine(Encoding.UTF8.GetString(dsn));
        var parsed = await PythonEmail.ParseDsnAsync(dsn);
        Assert.Equal("multipart/report", parsed.ContentType);
        // The original has UTF-8 header fields, so the notice is an RFC 6533 global report, as Postfix writes one.
        Assert.Equal("global-delivery-status", parsed.ReportType);
        Assert.Equal(["text/plain", "message/global-delivery-status", "message/global"], parsed.PartTypes);
        var r = Assert.Single(parsed.Recipients);
        Assert.Equal("rfc822; user@postfix.test", r["Final-Recipient"]);
        Assert.Equal("failed", r["Action"]);
        Assert.Equal("5.6.7", r["Status"]);
        Assert.Contains("SMTPUTF8", parsed.HumanText, StringComparison.Ordinal);
        Assert.Contains("\r\nSubject: Größe: 用户\r\n", Encoding.UTF8.GetString(dsn), StringComparison.Ordinal);
        await Eventually.True(() => gatehouse.Server.Queue.Count == 0, "Gatehouse's queue is empty");
        Assert.Empty(postfix.Messages("user"));
        Assert.DoesNotContain("status=sent", postfix.Log, StringComparison.Ordinal);
    }

    // ---- helpers ----

    /// <summary>A complete message (no trace fields of its own), CRLF line endings, UTF-8.</summary>
    private static byte[] Message(string subject, string to, string body, string from = "Someone <someone@postfix.test>") => Encoding.UTF8.GetBytes(
        $"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@interop.test>\r\n"
        + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body);

    /// <summary>About 12 MiB of 998-octet lines (the longest RFC 5322 §2.1.1 allows), none starting with a dot.</summary>
    private static byte[] LargeMessage(string to)
    {
        var head = Encoding.ASCII.GetBytes($"From: someone@postfix.test\r\nTo: {to}\r\nSubject: large\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@interop.test>\r\n\r\n");
        const int lines = 12 * 1024 * 1024 / 1000;
        var m = new MemoryStream(head.Length + lines * 1000);
        m.Write(head);
        var line = new byte[1000];
        for (var i = 0; i < lines; i++)
        {
            // Every line different, so a line lost, doubled or moved shows in the comparison.
            var prefix = Encoding.ASCII.GetBytes($"{i:D8} ");
            prefix.CopyTo(line, 0);
            for (var j = prefix.Length; j < 998; j++) line[j] = (byte)('A' + (i + j) % 26);
            line[998] = (byte)'\r';
            line[999] = (byte)'\n';
            m.Write(line);
        }
        return m.ToArray();
    }

    /// <summary>An SMTP transaction, written as a client on the wire would: EHLO, MAIL with its parameters, RCPTs, DATA with dot-stuffing.</summary>
    private static async Task SubmitAsync(IPEndPoint server, string mailFromArgument, IReadOnlyList<string> to, byte[] content)
    {
        await using var c = await SmtpTestClient.ConnectAsync(server);
        await c.Expect("220");
        await c.Ehlo();
        await c.Send("MAIL FROM:" + mailFromArgument);
        await c.Expect("250");
        foreach (var r in to)
        {
            await c.Send($"RCPT TO:<{r}>");
            await c.Expect("250");
        }
        await c.Send("DATA");
        await c.Expect("354");
        await c.SendRaw(DotStuff(content));
        await c.Expect("250");
        await c.Send("QUIT");
        await c.Expect("221");
    }

    private static byte[] DotStuff(byte[] content)
    {
        var m = new MemoryStream(content.Length + 16);
        var lineStart = true;
        foreach (var b in content)
        {
            if (lineStart && b == '.') m.WriteByte((byte)'.');
            m.WriteByte(b);
            lineStart = b == '\n';
        }
        m.Write(".\r\n"u8);
        return m.ToArray();
    }

    private static async Task<byte[]> WaitForGatehouseMailAsync(TestServer gatehouse, string alias, PostfixInstance postfix, TimeSpan? deadline = null)
    {
        var dir = Path.Combine(gatehouse.DataDirectory, "mailboxes", alias, "new");
        await Eventually.True(() => Task.FromResult(Directory.Exists(dir) && Directory.GetFiles(dir).Length > 0),
            $"a message in Gatehouse's mailbox {alias}\n{postfix.Log}", deadline ?? TimeSpan.FromSeconds(60));
        return File.ReadAllBytes(Assert.Single(Directory.GetFiles(dir)));
    }

    /// <summary>Asserts that <paramref name="delivered"/>, without the trace fields at its top, is <paramref name="sent"/> with its CRLFs written as <paramref name="newline"/>.</summary>
    private static void AssertSameContent(byte[] sent, byte[] delivered, string newline, string log)
    {
        var expected = newline == "\r\n" ? sent : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(sent).Replace("\r\n", newline, StringComparison.Ordinal));
        var actual = delivered.AsSpan(TraceLength(delivered, newline));
        if (actual.SequenceEqual(expected)) return;
        var at = 0;
        while (at < actual.Length && at < expected.Length && actual[at] == expected[at]) at++;
        static string Around(ReadOnlySpan<byte> s, int at) => Encoding.UTF8.GetString(s[Math.Max(0, at - 200)..Math.Min(s.Length, at + 200)]);
        Assert.Fail($"the content differs at octet {at} of {expected.Length} (delivered {actual.Length})\n--- expected around it\n{Around(expected, at)}\n--- delivered around it\n{Around(actual, at)}\n{log}");
    }

    /// <summary>The length of the block of trace fields (with their continuation lines) at the top of a stored message.</summary>
    private static int TraceLength(byte[] message, string newline)
    {
        var pos = 0;
        var inTrace = false;
        while (pos < message.Length)
        {
            var end = message.AsSpan(pos).IndexOf(Encoding.ASCII.GetBytes(newline));
            if (end < 0) break;
            var line = Encoding.UTF8.GetString(message, pos, end);
            var continuation = line.Length > 0 && line[0] is ' ' or '\t';
            if (continuation ? !inTrace : !TraceFields.Any(f => line.StartsWith(f + ":", StringComparison.OrdinalIgnoreCase))) break;
            inTrace = true;
            pos += end + newline.Length;
        }
        return pos;
    }
}
