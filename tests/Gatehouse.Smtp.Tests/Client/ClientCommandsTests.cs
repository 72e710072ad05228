using Gatehouse.Core.Envelope;
using Gatehouse.Smtp.Client;

namespace Gatehouse.Smtp.Tests.Client;

/// <summary>MAIL and RCPT lines for each combination of what the message carries and what the server announced.</summary>
public class ClientCommandsTests
{
    private static Capabilities Peer(string keywords) =>
        Capabilities.FromEhlo(["mx.example", .. keywords.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

    private const string All = "SIZE 8BITMIME SMTPUTF8 DSN BINARYMIME CHUNKING";

    [Theory]
    [InlineData("a@example.com", 1234, BodyType.Unspecified, false, DsnReturn.Unspecified, null, All, "MAIL FROM:<a@example.com> SIZE=1234")]
    [InlineData("", 1234, BodyType.Unspecified, false, DsnReturn.Unspecified, null, All, "MAIL FROM:<> SIZE=1234")]
    [InlineData("a@example.com", 1234, BodyType.Unspecified, false, DsnReturn.Unspecified, null, "", "MAIL FROM:<a@example.com>")]
    [InlineData("a@example.com", 0, BodyType.Unspecified, false, DsnReturn.Unspecified, null, All, "MAIL FROM:<a@example.com>")]
    [InlineData("a@example.com", 10, BodyType.EightBitMime, false, DsnReturn.Unspecified, null, All, "MAIL FROM:<a@example.com> SIZE=10 BODY=8BITMIME")]
    [InlineData("a@example.com", 10, BodyType.EightBitMime, false, DsnReturn.Unspecified, null, "SIZE", "MAIL FROM:<a@example.com> SIZE=10")]
    [InlineData("a@example.com", 10, BodyType.SevenBit, false, DsnReturn.Unspecified, null, All, "MAIL FROM:<a@example.com> SIZE=10")]
    [InlineData("a@example.com", 10, BodyType.BinaryMime, false, DsnReturn.Unspecified, null, All, "MAIL FROM:<a@example.com> SIZE=10 BODY=BINARYMIME")]
    [InlineData("a@example.com", 10, BodyType.BinaryMime, false, DsnReturn.Unspecified, null, "8BITMIME", "MAIL FROM:<a@example.com>")]
    [InlineData("j\u00f6rg@b\u00fccher.example", 10, BodyType.EightBitMime, true, DsnReturn.Unspecified, null, All, "MAIL FROM:<j\u00f6rg@b\u00fccher.example> SIZE=10 BODY=8BITMIME SMTPUTF8")]
    [InlineData("a@example.com", 10, BodyType.Unspecified, true, DsnReturn.Unspecified, null, "SIZE", "MAIL FROM:<a@example.com> SIZE=10")]
    [InlineData("a@example.com", 10, BodyType.Unspecified, false, DsnReturn.Full, "QQ1", All, "MAIL FROM:<a@example.com> SIZE=10 RET=FULL ENVID=QQ1")]
    [InlineData("a@example.com", 10, BodyType.Unspecified, false, DsnReturn.Headers, null, All, "MAIL FROM:<a@example.com> SIZE=10 RET=HDRS")]
    [InlineData("a@example.com", 10, BodyType.Unspecified, false, DsnReturn.Headers, "a+b=c d", All, "MAIL FROM:<a@example.com> SIZE=10 RET=HDRS ENVID=a+2Bb+3Dc+20d")]
    [InlineData("a@example.com", 10, BodyType.Unspecified, false, DsnReturn.Full, "id\u00e9", All, "MAIL FROM:<a@example.com> SIZE=10 RET=FULL ENVID=id+C3+A9")]
    [InlineData("a@example.com", 10, BodyType.Unspecified, false, DsnReturn.Full, "QQ1", "SIZE 8BITMIME", "MAIL FROM:<a@example.com> SIZE=10")]
    [InlineData("\"john doe\"@example.com", 10, BodyType.Unspecified, false, DsnReturn.Unspecified, null, "", "MAIL FROM:<\"john doe\"@example.com>")]
    public void Mail(string from, long size, BodyType body, bool utf8, DsnReturn ret, string? envid, string peer, string expected)
    {
        Assert.Equal(expected, ClientCommands.Mail(from, new MailRequest(size, body, utf8, ret, envid), Peer(peer)));
    }

    [Theory]
    [InlineData("b@example.org", DsnNotify.Unspecified, null, "DSN", "RCPT TO:<b@example.org>")]
    [InlineData("b@example.org", DsnNotify.Never, null, "DSN", "RCPT TO:<b@example.org> NOTIFY=NEVER")]
    [InlineData("b@example.org", DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay, null, "DSN", "RCPT TO:<b@example.org> NOTIFY=SUCCESS,FAILURE,DELAY")]
    [InlineData("b@example.org", DsnNotify.Failure | DsnNotify.Delay, null, "DSN", "RCPT TO:<b@example.org> NOTIFY=FAILURE,DELAY")]
    [InlineData("b@example.org", DsnNotify.Failure, "rfc822;b@example.org", "DSN", "RCPT TO:<b@example.org> NOTIFY=FAILURE ORCPT=rfc822;b@example.org")]
    [InlineData("b@example.org", DsnNotify.Unspecified, "rfc822;x+y=z@example.org", "DSN", "RCPT TO:<b@example.org> ORCPT=rfc822;x+2By+3Dz@example.org")]
    [InlineData("b@example.org", DsnNotify.Unspecified, "rfc822;\"a b\"@example.org", "DSN", "RCPT TO:<b@example.org> ORCPT=rfc822;\"a+20b\"@example.org")]
    [InlineData("b@example.org", DsnNotify.Unspecified, "rfc822;j\u00f6rg@example.org", "DSN", "RCPT TO:<b@example.org> ORCPT=rfc822;j+C3+B6rg@example.org")]
    [InlineData("b@example.org", DsnNotify.Unspecified, "b@example.org", "DSN", "RCPT TO:<b@example.org> ORCPT=rfc822;b@example.org")]
    [InlineData("b@example.org", DsnNotify.Failure, "rfc822;b@example.org", "SIZE 8BITMIME", "RCPT TO:<b@example.org>")]
    [InlineData("postmaster", DsnNotify.Unspecified, null, "", "RCPT TO:<postmaster>")]
    public void Rcpt(string to, DsnNotify notify, string? orcpt, string peer, string expected)
    {
        Assert.Equal(expected, ClientCommands.Rcpt(to, notify, orcpt, Peer(peer)));
    }

    [Fact]
    public void Greetings_and_auth()
    {
        Assert.Equal("EHLO out.example", ClientCommands.Ehlo("out.example"));
        Assert.Equal("HELO out.example", ClientCommands.Helo("out.example"));
        Assert.Equal("LHLO out.example", ClientCommands.Lhlo("out.example"));
        // RFC 4616 §4 example: "\0tim\0tanstaaftanstaaf".
        Assert.Equal("AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm", ClientCommands.AuthPlain("tim", "tanstaaftanstaaf"));
        Assert.Equal("dGlt", ClientCommands.AuthLoginResponse("tim"));
    }
}
