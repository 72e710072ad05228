using System.Net;
using System.Text;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Delivery;

/// <summary>A notice is queued with the envelope its content needs: SMTPUTF8 for a global report about internationalized mail, nothing new for ASCII mail.</summary>
/// <remarks>
/// The sender is at a remote domain, so its notice leaves through the same connector as the
/// original, to a scriptable sink that refuses one recipient: what the sink sees in MAIL FROM is the
/// notice's stored envelope on the wire.
/// </remarks>
public sealed class NoticeEnvelopeTests(ITestOutputHelper output)
{
    private const string Sender = "sender@client.example";
    private const string Refused = "nobody@far.example";

    private Task<TestServer> StartAsync(IPEndPoint sink) => TestServer.StartAsync(output, new TestServerOptions
    {
        Deliver = true,
        AcceptedDomains = "[gatehouse.test]",
        ExtraYaml = $$"""
            relay:
              allow_clients: [127.0.0.0/8]
            connectors:
              - name: out
                type: internet
                servers: [test]
                smart_host: "{{sink.Address}}:{{sink.Port}}"
                address_spaces:
                  - {type: SMTP, pattern: "*", cost: 1}
            delivery:
              retry_schedule: [1s]
              tls: none
              mark_down_after: 1000

            """,
    });

    private static byte[] Message(string subject) => Encoding.UTF8.GetBytes(
        $"From: <{Sender}>\r\nTo: {Refused}\r\nSubject: {subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@client.example>\r\n"
        + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße.\r\n");

    private static async Task SubmitAsync(TestServer server, string mailParameters, byte[] content)
    {
        await using var c = await server.ConnectAsync();
        await c.Expect("220");
        await c.Ehlo();
        await c.Send($"MAIL FROM:<{Sender}>{mailParameters}");
        await c.Expect("250");
        await c.Send($"RCPT TO:<{Refused}>");
        await c.Expect("250");
        await c.Send("DATA");
        await c.Expect("354");
        await c.SendRaw([.. content, .. ".\r\n"u8]);
        await c.Expect("250");
    }

    [Theory]
    [InlineData("Quarterly figures", " BODY=8BITMIME", false, "delivery-status", "message/rfc822")]
    [InlineData("Größe: 用户", " SMTPUTF8 BODY=8BITMIME", true, "global-delivery-status", "message/global")]
    public async Task The_notice_is_smtputf8_exactly_when_its_header_fields_hold_utf8(string subject, string mailParameters, bool smtputf8, string reportType, string returned)
    {
        using var sink = await PythonSink.StartAsync("--rcpt-reply", $"{Refused}=550 5.1.1 <{Refused}>: no such user");
        await using var server = await StartAsync(sink.Endpoint);

        await SubmitAsync(server, mailParameters, Message(subject));

        await Eventually.True(() => sink.Messages().Count == 1, "the notice reached the sink\n" + sink.Log);
        var notice = Assert.Single(sink.Messages());
        output.WriteLine(notice.Text);
        Assert.Equal("", notice.MailFrom);
        Assert.Equal(Sender, Assert.Single(notice.Recipients).Address);
        Assert.Equal(smtputf8, notice.MailParameters.ContainsKey("SMTPUTF8"));
        // The returned original has an 8-bit body either way.
        Assert.Equal("8BITMIME", notice.MailParameters["BODY"]);
        var parsed = await PythonEmail.ParseDsnAsync(notice.Raw);
        Assert.Equal("multipart/report", parsed.ContentType);
        Assert.Equal(reportType, parsed.ReportType);
        Assert.Equal(["text/plain", "message/" + reportType, returned], parsed.PartTypes);
        var r = Assert.Single(parsed.Recipients);
        Assert.Equal($"rfc822; {Refused}", r["Final-Recipient"]);
        Assert.Equal("5.1.1", r["Status"]);
    }

    [Fact]
    public async Task A_global_notice_for_a_next_hop_without_smtputf8_is_refused_with_5_6_7_and_never_sent()
    {
        // The original fails with 5.6.7 at this hop, and so does its notice: UTF-8 header fields are not sent to a
        // server that never agreed to them (Gatehouse does not downgrade), and a notice gets no notice of its own.
        using var sink = await PythonSink.StartAsync("--no-smtputf8");
        await using var server = await StartAsync(sink.Endpoint);

        await SubmitAsync(server, " SMTPUTF8 BODY=8BITMIME", Message("Größe: 用户"));

        await Eventually.True(() => server.Server.Queue.Count == 0, "both the message and its notice are done\n" + sink.Log);
        var totals = server.Server.Queue.Totals;
        Assert.Equal(1, totals.Notices);
        Assert.Equal(2, totals.Failed);
        // An envelope without SMTPUTF8 would have let the notice through on BODY=8BITMIME alone.
        Assert.Empty(sink.Messages());
    }
}
