using Gatehouse.Smtp.Client;

namespace Gatehouse.Smtp.Tests.Client;

/// <summary>EHLO replies as real servers send them, one line of the table each, and what the client reads from them.</summary>
/// <remarks>
/// The extension lines are written with "|" between them; the expectation lists the facts that are
/// true, so a case that wrongly turns a fact on fails as surely as one that misses it.
/// </remarks>
public class CapabilitiesTests
{
    private static string Facts(Capabilities c)
    {
        var facts = new List<string>();
        if (c.Pipelining) facts.Add("pipelining");
        if (c.SizeAnnounced) facts.Add(c.MaxSize is { } m ? $"size={m}" : "size");
        if (c.EightBitMime) facts.Add("8bitmime");
        if (c.SmtpUtf8) facts.Add("smtputf8");
        if (c.Dsn) facts.Add("dsn");
        if (c.StartTls) facts.Add("starttls");
        if (c.AuthMechanisms.Count > 0) facts.Add("auth=" + string.Join(',', c.AuthMechanisms.Order(StringComparer.Ordinal)));
        if (c.Chunking) facts.Add("chunking");
        if (c.BinaryMime) facts.Add("binarymime");
        if (c.EnhancedStatusCodes) facts.Add("enhancedstatuscodes");
        return string.Join(' ', facts);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("PIPELINING", "pipelining")]
    [InlineData("pipelining|8bitmime|smtputf8|dsn", "pipelining 8bitmime smtputf8 dsn")]
    [InlineData("SIZE", "size")]
    [InlineData("SIZE 0", "size")]
    [InlineData("SIZE 35882577", "size=35882577")]
    [InlineData("SIZE not-a-number", "size")]
    [InlineData("STARTTLS|AUTH PLAIN LOGIN", "starttls auth=LOGIN,PLAIN")]
    [InlineData("AUTH=LOGIN", "auth=LOGIN")]
    [InlineData("AUTH login cram-md5|AUTH=LOGIN PLAIN", "auth=CRAM-MD5,LOGIN,PLAIN")]
    [InlineData("AUTH", "")]
    [InlineData("CHUNKING|BINARYMIME|ENHANCEDSTATUSCODES", "chunking binarymime enhancedstatuscodes")]
    [InlineData("  8BITMIME  |\t|", "8bitmime")]
    [InlineData("X-EXPS GSSAPI NTLM|XCLIENT NAME HELO|VRFY|ETRN", "")]
    // Postfix's smtp-sink ends its reply with an empty "250 " line.
    [InlineData("PIPELINING|8BITMIME|AUTH PLAIN LOGIN|XCLIENT NAME HELO|XFORWARD NAME ADDR PROTO HELO|ENHANCEDSTATUSCODES|DSN|", "pipelining 8bitmime dsn auth=LOGIN,PLAIN enhancedstatuscodes")]
    // Gmail
    [InlineData("SIZE 157286400|8BITMIME|STARTTLS|ENHANCEDSTATUSCODES|PIPELINING|CHUNKING|SMTPUTF8", "pipelining size=157286400 8bitmime smtputf8 starttls chunking enhancedstatuscodes")]
    // Exchange Online
    [InlineData("SIZE 157286400|PIPELINING|DSN|ENHANCEDSTATUSCODES|STARTTLS|8BITMIME|BINARYMIME|CHUNKING|SMTPUTF8", "pipelining size=157286400 8bitmime smtputf8 dsn starttls chunking binarymime enhancedstatuscodes")]
    public void Reads_extensions(string lines, string facts)
    {
        var reply = new List<string> { "mx.example Hello client.example" };
        if (lines.Length > 0) reply.AddRange(lines.Split('|'));
        var c = Capabilities.FromEhlo(reply);
        Assert.True(c.Esmtp);
        Assert.Equal("mx.example Hello client.example", c.Greeting);
        Assert.Equal(facts, Facts(c));
    }

    [Fact]
    public void The_greeting_line_is_never_a_keyword()
    {
        Assert.False(Capabilities.FromEhlo(["PIPELINING"]).Pipelining);
    }

    [Fact]
    public void Helo_means_no_extensions()
    {
        Assert.False(Capabilities.None.Esmtp);
        Assert.Equal("", Facts(Capabilities.None));
    }
}
