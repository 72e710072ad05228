using System.Text;
using Gatehouse.Core.Content;

namespace Gatehouse.Core.Tests.Content;

public class HeaderSectionTests
{
    private const string Message =
        "Received: from a.example by b.example; Mon, 23 Nov 2026 17:20:01 +0000\r\n"
        + "received: from c.example\r\n"
        + "\tby d.example; Mon, 23 Nov 2026 17:20:00 +0000\r\n"
        + "Subject: Quarterly\r\n"
        + " figures\r\n"
        + "Subject: second subject\r\n"
        + "RECEIVED: from e.example\r\n"
        + "\r\n"
        + "Body: not a field\r\n";

    private static HeaderSection Parse(string text) => HeaderSection.Parse(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Folding_is_kept_in_raw_and_removed_in_value()
    {
        var h = Parse(Message);

        Assert.Equal(" Quarterly\r\n figures", h.Fields[2].Raw);
        Assert.Equal("Quarterly figures", h.Fields[2].Value);
        Assert.Equal("from c.example\tby d.example; Mon, 23 Nov 2026 17:20:00 +0000", h.Fields[1].Value);
    }

    [Fact]
    public void Get_returns_the_first_of_many_in_any_case()
    {
        var h = Parse(Message);

        Assert.Equal("Quarterly figures", h.Get("Subject"));
        Assert.Equal("Quarterly figures", h.Get("SUBJECT"));
        Assert.Equal("from a.example by b.example; Mon, 23 Nov 2026 17:20:01 +0000", h.Get("received"));
        Assert.Null(h.Get("Body"));
        Assert.Null(h.Get("Message-ID"));
    }

    [Theory]
    [InlineData("Received", 3)]
    [InlineData("received", 3)]
    [InlineData("Subject", 2)]
    [InlineData("Body", 0)]
    [InlineData("Receive", 0)]
    public void Count_counts_fields_by_name_in_any_case(string name, int count)
    {
        Assert.Equal(count, Parse(Message).Count(name));
    }

    [Fact]
    public void Length_covers_the_section_and_its_empty_line()
    {
        var h = Parse(Message);

        Assert.Equal(5, h.Fields.Count);
        Assert.Equal(Message.IndexOf("Body:", StringComparison.Ordinal), h.Length);
    }

    [Theory]
    [InlineData("Subject: a\r\nThis line has no colon\r\nFrom: x@y\r\n\r\n", 1, 12)]
    [InlineData("Subject: a\r\n>From someone\r\n", 1, 12)]
    [InlineData("Subject: a\r\nBad Name: x\r\n", 1, 12)]
    [InlineData("Subject: a\r\n: no name\r\n", 1, 12)]
    [InlineData(" leading continuation: x\r\nSubject: a\r\n", 0, 0)]
    [InlineData("From someone@example.com Mon Nov 23 17:20:01 2026\r\nSubject: a\r\n", 0, 0)]
    public void A_line_that_is_not_a_field_ends_the_section(string text, int fields, int length)
    {
        var h = Parse(text);

        Assert.Equal(fields, h.Fields.Count);
        Assert.Equal(length, h.Length);
    }

    [Fact]
    public void White_space_before_the_colon_is_the_obsolete_syntax_and_is_accepted()
    {
        var h = Parse("Subject : old style\r\nFrom:\tx@y\r\n\r\n");

        Assert.Equal(["Subject", "From"], h.Fields.Select(f => f.Name));
        Assert.Equal("old style", h.Get("subject"));
        Assert.Equal("x@y", h.Get("From"));
    }

    [Fact]
    public void Lf_only_messages_parse_the_same()
    {
        var lf = Message.Replace("\r\n", "\n", StringComparison.Ordinal);
        var h = Parse(lf);
        var crlf = Parse(Message);

        Assert.Equal(crlf.Fields.Select(f => (f.Name, f.Value)), h.Fields.Select(f => (f.Name, f.Value)));
        Assert.Equal(lf.IndexOf("Body:", StringComparison.Ordinal), h.Length);
        Assert.Equal(" Quarterly\r\n figures", h.Fields[2].Raw);
    }

    [Fact]
    public void Eight_bit_fields_are_read_as_utf8_or_else_latin1()
    {
        var bytes = new List<byte>();
        bytes.AddRange("Subject: Grüße aus Köln\r\n"u8.ToArray());
        bytes.AddRange("X-Latin1: Gr"u8.ToArray());
        bytes.AddRange([0xFC, 0xDF, 0x65]);
        bytes.AddRange("\r\nX-Broken: a"u8.ToArray());
        bytes.AddRange([0xE2, 0x82]); // a cut UTF-8 sequence
        bytes.AddRange("\r\n\r\nbody"u8.ToArray());
        var h = HeaderSection.Parse(bytes.ToArray());

        Assert.Equal("Grüße aus Köln", h.Get("Subject"));
        Assert.Equal("Grüße", h.Get("X-Latin1"));
        Assert.Equal("a\u00e2\u0082", h.Get("X-Broken"));
        Assert.Equal(bytes.Count - 4, h.Length);
    }

    [Theory]
    [InlineData("Subject: no body\r\nFrom: x@y\r\n")]
    [InlineData("Subject: no body\r\nFrom: x@y")]
    [InlineData("Subject: no body\nFrom: x@y\n")]
    public void A_message_without_a_body_is_all_header(string text)
    {
        var h = Parse(text);

        Assert.Equal(2, h.Fields.Count);
        Assert.Equal("x@y", h.Get("From"));
        Assert.Equal(text.Length, h.Length);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("\r\n", 2)]
    [InlineData("\n", 1)]
    [InlineData("\r\nSubject: in the body\r\n", 2)]
    public void An_empty_header_section_has_no_fields(string text, int length)
    {
        var h = Parse(text);

        Assert.Empty(h.Fields);
        Assert.Equal(length, h.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(100_000)]
    public async Task ReadAsync_reads_a_header_split_across_reads_and_stops_after_it(int chunk)
    {
        var body = new string('b', 1_000_000);
        var stream = new ChunkedStream(Encoding.UTF8.GetBytes(Message + body), chunk);

        var h = await HeaderSection.ReadAsync(stream);

        var whole = Parse(Message);
        Assert.Equal(whole.Fields, h.Fields);
        Assert.Equal(whole.Length, h.Length);
        Assert.True(stream.Position < 200_000, $"read {stream.Position} octets to find a header of {whole.Length}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    public async Task ReadAsync_cuts_a_header_longer_than_the_limit(int chunk)
    {
        var fields = string.Concat(Enumerable.Range(0, 100).Select(i => $"X-Field-{i:000}: {new string('v', 20)}\r\n"));
        var stream = new ChunkedStream(Encoding.ASCII.GetBytes(fields + "\r\nbody\r\n"), chunk);

        var h = await HeaderSection.ReadAsync(stream, limit: 1000);

        // Each field is 35 octets: 28 whole ones fit in 1000, and the 29th is cut after 20 octets.
        Assert.Equal(29, h.Fields.Count);
        Assert.Equal("X-Field-028", h.Fields[^1].Name);
        Assert.Equal(" vvvvvvv", h.Fields[^1].Raw);
        Assert.Equal(1000, h.Length);
        Assert.Equal(1000, stream.Position);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(100_000)]
    public async Task ReadAsync_reads_a_header_longer_than_its_first_buffer_whole(int chunk)
    {
        // 1,500 fields of 35 octets: 52 KiB, past the first buffer and two of its doublings.
        var fields = string.Concat(Enumerable.Range(0, 1500).Select(i => $"X-Field-{i:0000}: {new string('v', 19)}\r\n"));
        var stream = new ChunkedStream(Encoding.ASCII.GetBytes(fields + "\r\nbody\r\n"), chunk);

        var h = await HeaderSection.ReadAsync(stream);

        Assert.Equal(1500, h.Fields.Count);
        Assert.Equal("X-Field-1499", h.Fields[^1].Name);
        Assert.Equal(fields.Length + 2, h.Length);
    }

    /// <summary>A stream that hands out at most <c>chunk</c> octets per read, as a socket may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
    }
}
