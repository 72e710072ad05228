using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Gatehouse.Smtp.Client;
using Gatehouse.Smtp.Data;
using Gatehouse.Smtp.Tests.Support;

namespace Gatehouse.Smtp.Tests.Client;

/// <summary>Dot-stuffing of outgoing content, fed whole, line by line and one byte at a time; and read back by the server's own decoder.</summary>
public class DotStufferTests
{
    private static byte[] Octets(string s) => Encoding.Latin1.GetBytes(s);

    private static string Text(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    private static string Stuff(IEnumerable<byte[]> pieces)
    {
        var output = new ArrayBufferWriter<byte>();
        var stuffer = new DotStuffer();
        foreach (var p in pieces) stuffer.Write(p, output);
        stuffer.Complete(output);
        Assert.Equal(output.WrittenCount, stuffer.Written);
        return Text(output.WrittenSpan);
    }

    private static string StuffEveryWay(string content)
    {
        var b = Octets(content);
        var whole = Stuff([b]);
        Assert.Equal(whole, Stuff(b.Select(x => new[] { x })));
        Assert.Equal(whole, Stuff(b.Chunk(3)));
        Assert.Equal(whole, Stuff(SplitAfterLineFeeds(b)));
        Assert.Equal(whole, Text(DotStuffer.Stuff(b)));
        return whole;
    }

    private static IEnumerable<byte[]> SplitAfterLineFeeds(byte[] b)
    {
        var start = 0;
        for (var i = 0; i < b.Length; i++)
        {
            if (b[i] != '\n') continue;
            yield return b[start..(i + 1)];
            start = i + 1;
        }
        if (start < b.Length) yield return b[start..];
    }

    // content as the spool holds it → what goes on the wire after DATA's 354
    [Theory]
    [InlineData("", ".\r\n")]
    [InlineData("Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nbody\r\n.\r\n")]
    [InlineData("Subject: x\r\n\r\nno final line break", "Subject: x\r\n\r\nno final line break\r\n.\r\n")]
    [InlineData(".\r\n", "..\r\n.\r\n")]
    [InlineData(".", "..\r\n.\r\n")]
    [InlineData("..\r\n", "...\r\n.\r\n")]
    [InlineData(".leading dot\r\n", "..leading dot\r\n.\r\n")]
    [InlineData("a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n")]
    [InlineData("a.\r\n.b.\r\n", "a.\r\n..b.\r\n.\r\n")]
    [InlineData("\r\n", "\r\n.\r\n")]
    [InlineData("\r\n\r\n", "\r\n\r\n.\r\n")]
    // Bare LF and bare CR become CRLF (RFC 5321 §2.3.8), so a smuggled end of data cannot get through.
    [InlineData("a\nb\n", "a\r\nb\r\n.\r\n")]
    [InlineData("a\n.\nb", "a\r\n..\r\nb\r\n.\r\n")]
    [InlineData("a\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n")]
    [InlineData("a\r.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n")]
    [InlineData("a\r\n.\rb", "a\r\n..\r\nb\r\n.\r\n")]
    [InlineData("a\r", "a\r\n.\r\n")]
    [InlineData("\r", "\r\n.\r\n")]
    [InlineData("\n.", "\r\n..\r\n.\r\n")]
    [InlineData("a\r\r\nb", "a\r\n\r\nb\r\n.\r\n")]
    [InlineData("caf\u00e9\r\n.\u00ff\r\n", "caf\u00e9\r\n..\u00ff\r\n.\r\n")]
    public void Stuffs(string content, string wire)
    {
        Assert.Equal(wire, StuffEveryWay(content));
    }

    [Fact]
    public void Write_after_complete_is_a_programming_error()
    {
        var output = new ArrayBufferWriter<byte>();
        var stuffer = new DotStuffer();
        stuffer.Complete(output);
        stuffer.Complete(output);
        Assert.Equal(".\r\n", Text(output.WrittenSpan));
        Assert.Throws<InvalidOperationException>(() => stuffer.Write("x"u8, output));
    }

    /// <summary>The content with every bare CR and LF made CRLF and a CRLF at the end when a line is unfinished.</summary>
    private static byte[] Normalized(byte[] content)
    {
        var s = Text(content).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\n", "\r\n", StringComparison.Ordinal);
        if (s.Length > 0 && !s.EndsWith("\r\n", StringComparison.Ordinal)) s += "\r\n";
        return Octets(s);
    }

    [Fact]
    public void The_server_decoder_reads_back_exactly_the_normalized_content_and_nothing_after_it()
    {
        var octet = Gen.Elements<byte>((byte)'.', (byte)'\r', (byte)'\n', (byte)'a', (byte)' ', 0xE9, 0);
        Check.One(Properties.Deterministic(2000), Prop.ForAll(octet.ArrayOf().ToArbitrary(), content =>
        {
            var wire = DotStuffer.Stuff(content);
            // What a receiver would see if it read on past the end: it must stay outside the message.
            var trailing = Octets("MAIL FROM:<next@example>\r\n");
            var decoder = new DataDecoder(dotStuffed: true, BareLineEndingPolicy.Reject, long.MaxValue, int.MaxValue);
            var output = new ArrayBufferWriter<byte>();
            byte[] input = [.. wire, .. trailing];
            var consumed = decoder.Decode(input, output);
            Assert.True(decoder.Completed);
            Assert.Equal(wire.Length, consumed);
            Assert.Equal(ContentFaults.None, decoder.Faults);
            Assert.Equal(Normalized(content), output.WrittenSpan.ToArray());
        }));
    }
}
