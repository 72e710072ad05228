using System.Reflection;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Core.Tests.Protocol;

public class SmtpReplyTests
{
    [Fact]
    public void Single_line_reply_with_enhanced_status()
    {
        Assert.Equal("250 2.1.0 Sender OK\r\n", Replies.SenderOk.ToWire());
        Assert.Equal("250 Sender OK\r\n", Replies.SenderOk.ToWire(enhanced: false));
        Assert.Equal("250 2.1.0 Sender OK", Replies.SenderOk.ToString());
    }

    [Fact]
    public void Multi_line_reply_uses_dash_continuations_and_repeats_the_status()
    {
        var reply = new SmtpReply(214, new EnhancedStatusCode(2, 0, 0), "first", "second", "third");
        Assert.Equal("214-2.0.0 first\r\n214-2.0.0 second\r\n214 2.0.0 third\r\n", reply.ToWire());
        Assert.Equal("214-first\r\n214-second\r\n214 third\r\n", reply.ToWire(enhanced: false));
        Assert.Equal("first", reply.Text);
    }

    [Fact]
    public void Multi_line_reply_without_status()
    {
        var reply = new SmtpReply(250, null, "mx.example greets client", "PIPELINING", "HELP");
        Assert.Equal("250-mx.example greets client\r\n250-PIPELINING\r\n250 HELP\r\n", reply.ToWire());
    }

    [Fact]
    public void Empty_text_still_makes_one_line()
    {
        Assert.Equal("334 \r\n", new SmtpReply(334, null, "").ToWire());
        Assert.Equal("250 \r\n", new SmtpReply(250, null).ToWire());
    }

    [Theory]
    [InlineData(199)]
    [InlineData(600)]
    [InlineData(0)]
    [InlineData(-250)]
    public void Code_must_be_a_reply_code(int code) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmtpReply(code, null, "x"));

    [Theory]
    [InlineData("")]
    [InlineData("2.0")]
    [InlineData("3.0.0")]
    public void Of_refuses_a_bad_status(string status) =>
        Assert.Throws<ArgumentException>(() => SmtpReply.Of(250, status, "x"));

    [Theory]
    [InlineData(250, true, false, false)]
    [InlineData(354, true, false, false)]
    [InlineData(421, false, true, false)]
    [InlineData(452, false, true, false)]
    [InlineData(500, false, false, true)]
    [InlineData(554, false, false, true)]
    public void Classifies_by_code(int code, bool positive, bool transient, bool permanent)
    {
        var reply = new SmtpReply(code, null, "x");
        Assert.Equal(positive, reply.IsPositive);
        Assert.Equal(transient, reply.IsTransient);
        Assert.Equal(permanent, reply.IsPermanent);
    }

    public static TheoryData<string> FixedReplies()
    {
        var data = new TheoryData<string>();
        foreach (var f in typeof(Replies).GetFields(BindingFlags.Public | BindingFlags.Static)) data.Add(f.Name);
        return data;
    }

    // RFC 3463 2: the class of the enhanced code must agree with the first digit of the reply code.
    [Theory]
    [MemberData(nameof(FixedReplies))]
    public void Every_fixed_reply_has_a_status_of_its_own_class(string name)
    {
        var reply = (SmtpReply)typeof(Replies).GetField(name)!.GetValue(null)!;
        if (reply.Status is { } s) Assert.Equal(reply.Code / 100, s.Class);
        Assert.EndsWith("\r\n", reply.ToWire());
        Assert.DoesNotContain('\r', reply.Text);
        Assert.DoesNotContain('\n', reply.Text);
    }

    [Fact]
    public void Reply_helpers_carry_their_codes()
    {
        Assert.Equal("501 5.5.4 bad\r\n", Replies.Syntax("bad").ToWire());
        Assert.Equal("501 5.1.3 why\r\n", Replies.BadAddress("why").ToWire());
        Assert.Equal("221 2.0.0 mx.example closing connection\r\n", Replies.Closing("mx.example").ToWire());
        Assert.Equal("250 2.0.0 OK queued as 0123\r\n", Replies.Queued("0123").ToWire());
        Assert.Equal("250 2.0.0 42 octets received\r\n", Replies.ChunkOk(42).ToWire());
    }
}
