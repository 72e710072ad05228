using System.Text;
using Gatehouse.Smtp.Commands;

namespace Gatehouse.Smtp.Tests.Commands;

public class SmtpCommandParserTests
{
    [Theory]
    [InlineData("EHLO client.example", SmtpVerb.Ehlo, "client.example", "EHLO")]
    [InlineData("ehlo client.example", SmtpVerb.Ehlo, "client.example", "ehlo")]
    [InlineData("HeLo x", SmtpVerb.Helo, "x", "HeLo")]
    [InlineData("MAIL FROM:<a@b.example>", SmtpVerb.Mail, "FROM:<a@b.example>", "MAIL")]
    [InlineData("mail from:<a@b.example> SIZE=10", SmtpVerb.Mail, "from:<a@b.example> SIZE=10", "mail")]
    [InlineData("RCPT TO:<a@b.example>", SmtpVerb.Rcpt, "TO:<a@b.example>", "RCPT")]
    [InlineData("DATA", SmtpVerb.Data, "", "DATA")]
    [InlineData("BDAT 100 LAST", SmtpVerb.Bdat, "100 LAST", "BDAT")]
    [InlineData("RSET", SmtpVerb.Rset, "", "RSET")]
    [InlineData("NOOP hello there", SmtpVerb.Noop, "hello there", "NOOP")]
    [InlineData("QUIT", SmtpVerb.Quit, "", "QUIT")]
    [InlineData("VRFY postmaster", SmtpVerb.Vrfy, "postmaster", "VRFY")]
    [InlineData("EXPN staff", SmtpVerb.Expn, "staff", "EXPN")]
    [InlineData("HELP", SmtpVerb.Help, "", "HELP")]
    [InlineData("STARTTLS", SmtpVerb.StartTls, "", "STARTTLS")]
    [InlineData("starttls", SmtpVerb.StartTls, "", "starttls")]
    [InlineData("AUTH PLAIN AGJvYgBwdw==", SmtpVerb.Auth, "PLAIN AGJvYgBwdw==", "AUTH")]
    [InlineData("EHLO  x", SmtpVerb.Ehlo, " x", "EHLO")]
    [InlineData("EHLO ", SmtpVerb.Ehlo, "", "EHLO")]
    [InlineData("EHLO a\tb", SmtpVerb.Ehlo, "a\tb", "EHLO")]
    [InlineData("XYZZY", SmtpVerb.Unknown, "", "XYZZY")]
    [InlineData("TURN", SmtpVerb.Unknown, "", "TURN")]
    [InlineData("", SmtpVerb.Unknown, "", "")]
    [InlineData(" EHLO x", SmtpVerb.Unknown, "EHLO x", "")]
    [InlineData("MAIL\tFROM:<a@b>", SmtpVerb.Unknown, "", "MAIL\tFROM:<a@b>")]
    [InlineData("EHLOx", SmtpVerb.Unknown, "", "EHLOx")]
    [InlineData("GET / HTTP/1.1", SmtpVerb.Forbidden, "/ HTTP/1.1", "GET")]
    [InlineData("POST /form HTTP/1.0", SmtpVerb.Forbidden, "/form HTTP/1.0", "POST")]
    [InlineData("PUT /x HTTP/1.1", SmtpVerb.Forbidden, "/x HTTP/1.1", "PUT")]
    [InlineData("HEAD / HTTP/1.1", SmtpVerb.Forbidden, "/ HTTP/1.1", "HEAD")]
    [InlineData("CONNECT mx.example:25 HTTP/1.1", SmtpVerb.Forbidden, "mx.example:25 HTTP/1.1", "CONNECT")]
    [InlineData("get / HTTP/1.1", SmtpVerb.Forbidden, "/ HTTP/1.1", "get")]
    [InlineData("Host: mx.example", SmtpVerb.Forbidden, "mx.example", "Host:")]
    [InlineData("User-Agent: curl/8", SmtpVerb.Forbidden, "curl/8", "User-Agent:")]
    [InlineData("USER bob", SmtpVerb.Forbidden, "bob", "USER")]
    public void Parses_verb_and_argument(string line, SmtpVerb verb, string argument, string verbText)
    {
        Assert.True(SmtpCommandParser.TryParse(Encoding.UTF8.GetBytes(line), out var command, out var error), error);
        Assert.Equal(new SmtpCommand(verb, argument, verbText), command);
        Assert.Equal("", error);
    }

    [Fact]
    public void Utf8_arguments_are_decoded()
    {
        Assert.True(SmtpCommandParser.TryParse("RCPT TO:<用户@例子.广告>"u8, out var command, out _));
        Assert.Equal(SmtpVerb.Rcpt, command.Verb);
        Assert.Equal("TO:<用户@例子.广告>", command.Argument);
    }

    // Verbs are ASCII words (RFC 5321 2.4); a dotless i or long s must not fold into one.
    [Theory]
    [InlineData("MAİL FROM:<a@b.example>")]
    [InlineData("maıl FROM:<a@b.example>")]
    [InlineData("QUİT")]
    [InlineData("rſet")]
    [InlineData("ſTARTTLS")]
    [InlineData("RCPT\u00a0TO:<a@b.example>")]
    public void Look_alike_verbs_are_unknown(string line)
    {
        Assert.True(SmtpCommandParser.TryParse(Encoding.UTF8.GetBytes(line), out var command, out _));
        Assert.Equal(SmtpVerb.Unknown, command.Verb);
    }

    [Theory]
    [InlineData(new byte[] { 0x45, 0x48, 0x4c, 0x4f, 0x20, 0xff })]
    [InlineData(new byte[] { 0x45, 0x48, 0x4c, 0x4f, 0x20, 0xc3 })] // truncated sequence
    [InlineData(new byte[] { 0x45, 0x48, 0x4c, 0x4f, 0x20, 0xc0, 0x80 })] // overlong NUL
    [InlineData(new byte[] { 0x45, 0x48, 0x4c, 0x4f, 0x20, 0xed, 0xa0, 0x80 })] // UTF-16 surrogate
    [InlineData(new byte[] { 0x45, 0x48, 0x4c, 0x4f, 0x20, 0xe9 })] // Latin-1 é
    public void Invalid_utf8_is_refused(byte[] line)
    {
        Assert.False(SmtpCommandParser.TryParse(line, out _, out var error));
        Assert.Contains("UTF-8", error);
    }

    [Theory]
    [InlineData("EHLO x\0")]
    [InlineData("EHLO x\r")]
    [InlineData("EHLO x\ny")]
    [InlineData("EHLO \u001b[31m")]
    [InlineData("EHLO x\u007f")]
    [InlineData("\u0000")]
    public void Control_characters_are_refused(string line)
    {
        Assert.False(SmtpCommandParser.TryParse(Encoding.UTF8.GetBytes(line), out _, out var error));
        Assert.Contains("Control", error);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(5321);
        var buffer = new byte[64];
        for (var i = 0; i < 20_000; i++)
        {
            var line = buffer.AsSpan(0, random.Next(buffer.Length));
            random.NextBytes(line);
            if (SmtpCommandParser.TryParse(line, out var command, out _)) Assert.NotNull(command.Argument);
        }
    }
}
