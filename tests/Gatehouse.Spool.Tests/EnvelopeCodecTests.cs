using Gatehouse.Core.Addresses;

namespace Gatehouse.Spool.Tests;

public class EnvelopeCodecTests
{
    [Fact]
    public void Round_trips_every_field()
    {
        var e = SpoolTestData.Envelope(2);
        var (id, back) = EnvelopeCodec.Decode(EnvelopeCodec.Encode("01M84EA1BFXW30", e));
        Assert.Equal("01M84EA1BFXW30", id);
        Assert.Equal(e.Recipients, back.Recipients);
        Assert.Equal(e with { Recipients = back.Recipients }, back);
    }

    [Fact]
    public void Round_trips_null_sender_and_hostile_text_on_one_line()
    {
        var e = SpoolTestData.Envelope() with
        {
            ReversePath = null,
            EnvelopeId = "line\nbreak\"quote\u2028",
            Recipients = [new(new Mailbox("we\"ird\nlocal", "[IPv6:::1]"))],
        };
        var bytes = EnvelopeCodec.Encode("01M84EA1BFXW30", e);
        Assert.DoesNotContain((byte)'\n', bytes);
        var (_, back) = EnvelopeCodec.Decode(bytes);
        Assert.Null(back.ReversePath);
        Assert.Equal(e.EnvelopeId, back.EnvelopeId);
        Assert.Equal(e.Recipients, back.Recipients);
    }
}
