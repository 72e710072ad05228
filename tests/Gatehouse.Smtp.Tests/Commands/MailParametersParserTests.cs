using Gatehouse.Core.Envelope;
using Gatehouse.Smtp.Commands;

namespace Gatehouse.Smtp.Tests.Commands;

public class MailParametersParserTests
{
    private const string Ok = "ok";

    // One line per case: the parameters after MAIL FROM:<...>, and "ok" or the reply it earns.
    [Theory]
    [InlineData("", Ok)]
    [InlineData("   ", Ok)]
    [InlineData("SIZE=1000", Ok)]
    [InlineData("size=0", Ok)]
    [InlineData("SIZE=999999999999999999", Ok)]
    [InlineData("SIZE=1234567890123456789", Ok)]
    [InlineData("SIZE=99999999999999999999", Ok)] // 20 digits (RFC 1870): parsed as too big, refused later with 552
    [InlineData("SIZE=999999999999999999999", "501 5.5.4")]
    [InlineData("SIZE", "501 5.5.4")]
    [InlineData("SIZE=", "501 5.5.4")]
    [InlineData("SIZE=-1", "501 5.5.4")]
    [InlineData("SIZE=+1", "501 5.5.4")]
    [InlineData("SIZE=1a", "501 5.5.4")]
    [InlineData("SIZE=0x10", "501 5.5.4")]
    [InlineData("SIZE=1,000", "501 5.5.4")]
    [InlineData("SIZE=\u0661", "501 5.5.4")]
    [InlineData("BODY=7BIT", Ok)]
    [InlineData("BODY=8BITMIME", Ok)]
    [InlineData("body=8bitmime", Ok)]
    [InlineData("BODY=BINARYMIME", "501 5.5.4")]
    [InlineData("BODY=", "501 5.5.4")]
    [InlineData("BODY", "501 5.5.4")]
    [InlineData("SMTPUTF8", Ok)]
    [InlineData("smtputf8", Ok)]
    [InlineData("SMTPUTF8=YES", "501 5.5.4")]
    [InlineData("SMTPUTF8=", "501 5.5.4")]
    [InlineData("RET=FULL", Ok)]
    [InlineData("RET=HDRS", Ok)]
    [InlineData("ret=hdrs", Ok)]
    [InlineData("RET=ALL", "501 5.5.4")]
    [InlineData("RET", "501 5.5.4")]
    [InlineData("ENVID=QQ314159", Ok)]
    [InlineData("ENVID=a+2Bb", Ok)]
    [InlineData("ENVID=a=b", "501 5.5.4")]
    [InlineData("ENVID=+ZZ", "501 5.5.4")]
    [InlineData("ENVID", "501 5.5.4")]
    [InlineData("AUTH=<>", Ok)]
    [InlineData("AUTH=user+40example.com", Ok)]
    [InlineData("AUTH", "501 5.5.4")]
    [InlineData("AUTH=a=b", "501 5.5.4")]
    [InlineData("AUTH=+4", "501 5.5.4")]
    [InlineData("SIZE=100 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ314159 AUTH=<>", Ok)]
    [InlineData("SIZE=100   BODY=8BITMIME", Ok)]
    [InlineData("SIZE=1 SIZE=2", "555 5.5.4")]
    [InlineData("SIZE=1 size=1", "555 5.5.4")]
    [InlineData("SMTPUTF8 SMTPUTF8", "555 5.5.4")]
    [InlineData("BODY=7BIT RET=FULL BODY=8BITMIME", "555 5.5.4")]
    [InlineData("FOO=bar", "555 5.5.4")]
    [InlineData("X-UNKNOWN", "555 5.5.4")]
    [InlineData("=x", "555 5.5.4")]
    [InlineData("NOTIFY=NEVER", "555 5.5.4")]
    [InlineData("ORCPT=rfc822;a@b.example", "555 5.5.4")]
    [InlineData("SIZE=10 FOO", "555 5.5.4")]
    [InlineData("ſIZE=10", "555 5.5.4")] // a long s is not an S: keywords are ASCII
    [InlineData("BODY=8BıTMIME", "501 5.5.4")]
    public void Mail_parameters(string text, string expected)
    {
        var ok = MailParametersParser.TryParseMail(text, out var parameters, out var error);
        if (expected == Ok)
        {
            Assert.True(ok, error?.ToString());
            Assert.NotNull(parameters);
        }
        else
        {
            Assert.False(ok);
            Assert.StartsWith(expected + " ", error.ToWire());
        }
    }

    [Theory]
    [InlineData("", Ok)]
    [InlineData("NOTIFY=NEVER", Ok)]
    [InlineData("NOTIFY=SUCCESS", Ok)]
    [InlineData("NOTIFY=SUCCESS,FAILURE,DELAY", Ok)]
    [InlineData("notify=delay,failure", Ok)]
    [InlineData("NOTIFY=NEVER,SUCCESS", "501 5.5.4")]
    [InlineData("NOTIFY=FAILURE,NEVER", "501 5.5.4")]
    [InlineData("NOTIFY=SUCCESS,SUCCESS", "501 5.5.4")]
    [InlineData("NOTIFY=SUCCESS,", "501 5.5.4")]
    [InlineData("NOTIFY=,SUCCESS", "501 5.5.4")]
    [InlineData("NOTIFY=", "501 5.5.4")]
    [InlineData("NOTIFY", "501 5.5.4")]
    [InlineData("NOTIFY=ALWAYS", "501 5.5.4")]
    [InlineData("ORCPT=rfc822;user+40example.com", Ok)]
    [InlineData("ORCPT=utf-8;us+C3+A9r@example.com", Ok)]
    [InlineData("ORCPT=rfc822;", "501 5.5.4")]
    [InlineData("ORCPT=;user@example.com", "501 5.5.4")]
    [InlineData("ORCPT=rfc822", "501 5.5.4")]
    [InlineData("ORCPT", "501 5.5.4")]
    [InlineData("ORCPT=rfc822;+ZZ", "501 5.5.4")]
    [InlineData("ORCPT=rfc822;a=b", "501 5.5.4")]
    [InlineData("NOTIFY=FAILURE ORCPT=rfc822;a@b.example", Ok)]
    [InlineData("NOTIFY=FAILURE NOTIFY=DELAY", "555 5.5.4")]
    [InlineData("ORCPT=rfc822;a@b.example orcpt=rfc822;a@b.example", "555 5.5.4")]
    [InlineData("SIZE=10", "555 5.5.4")]
    [InlineData("SMTPUTF8", "555 5.5.4")]
    [InlineData("FOO", "555 5.5.4")]
    public void Rcpt_parameters(string text, string expected)
    {
        var ok = MailParametersParser.TryParseRcpt(text, out var parameters, out var error);
        if (expected == Ok)
        {
            Assert.True(ok, error?.ToString());
            Assert.NotNull(parameters);
        }
        else
        {
            Assert.False(ok);
            Assert.StartsWith(expected + " ", error.ToWire());
        }
    }

    [Fact]
    public void Mail_parameter_values_are_kept()
    {
        Assert.True(MailParametersParser.TryParseMail("size=2048 BODY=8bitmime SMTPUTF8 RET=hdrs ENVID=QQ+2B314 AUTH=bob+40example.com", out var p, out _));
        Assert.Equal(new MailParameters(2048, BodyType.EightBitMime, true, DsnReturn.Headers, "QQ+314", "bob+40example.com"), p);
    }

    [Fact]
    public void No_mail_parameters_means_unspecified()
    {
        Assert.True(MailParametersParser.TryParseMail("", out var p, out _));
        Assert.Equal(new MailParameters(null, BodyType.Unspecified, false, DsnReturn.Unspecified, null, null), p);
    }

    [Theory]
    [InlineData("BODY=7BIT", BodyType.SevenBit)]
    [InlineData("BODY=8BITMIME", BodyType.EightBitMime)]
    public void Body_types(string text, BodyType body)
    {
        Assert.True(MailParametersParser.TryParseMail(text, out var p, out _));
        Assert.Equal(body, p.Body);
    }

    [Theory]
    [InlineData("RET=FULL", DsnReturn.Full)]
    [InlineData("RET=HDRS", DsnReturn.Headers)]
    public void Ret_values(string text, DsnReturn ret)
    {
        Assert.True(MailParametersParser.TryParseMail(text, out var p, out _));
        Assert.Equal(ret, p.Ret);
    }

    [Fact]
    public void Envid_is_limited_to_100_characters()
    {
        Assert.True(MailParametersParser.TryParseMail("ENVID=" + new string('x', 100), out _, out _));
        Assert.False(MailParametersParser.TryParseMail("ENVID=" + new string('x', 101), out _, out var error));
        Assert.StartsWith("501 5.5.4", error.ToWire());
    }

    [Theory]
    [InlineData("NOTIFY=NEVER", DsnNotify.Never)]
    [InlineData("NOTIFY=SUCCESS", DsnNotify.Success)]
    [InlineData("NOTIFY=FAILURE,DELAY", DsnNotify.Failure | DsnNotify.Delay)]
    [InlineData("NOTIFY=DELAY,SUCCESS,FAILURE", DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay)]
    [InlineData("", DsnNotify.Unspecified)]
    public void Notify_values(string text, DsnNotify notify)
    {
        Assert.True(MailParametersParser.TryParseRcpt(text, out var p, out _));
        Assert.Equal(notify, p.Notify);
    }

    [Theory]
    [InlineData("ORCPT=rfc822;user+40example.com", "rfc822;user@example.com")]
    [InlineData("ORCPT=RFC822;a+2Bb@x.example", "RFC822;a+b@x.example")]
    [InlineData("ORCPT=utf-8;us+C3+A9r@example.com", "utf-8;usér@example.com")]
    [InlineData("", null)]
    public void Orcpt_is_kept_as_type_and_decoded_address(string text, string? orcpt)
    {
        Assert.True(MailParametersParser.TryParseRcpt(text, out var p, out _));
        Assert.Equal(orcpt, p.OriginalRecipient);
    }

    [Fact]
    public void Unknown_parameter_names_are_cut_short_in_the_reply()
    {
        Assert.False(MailParametersParser.TryParseMail(new string('X', 500), out _, out var error));
        Assert.True(error.Text.Length < 100, error.Text);
    }
}
