using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Gatehouse.Smtp.Data;
using Gatehouse.Smtp.Tests.Support;

namespace Gatehouse.Smtp.Tests.Data;

/// <summary>DATA and BDAT content decoding, fed whole, line by line, byte by byte and at random split points.</summary>
/// <remarks>
/// Inputs are written as C# strings and sent as Latin-1 so that every char is exactly one octet.
/// <see cref="Decode"/> runs every fragmentation and fails unless they all agree, so each table
/// case below is also a fragmentation test.
/// </remarks>
public class DataDecoderTests
{
    private const int Rfc5321LineLength = 1000;

    private sealed record Outcome(string Output, long Consumed, bool Completed, ContentFaults Faults, long Size);

    private sealed record Settings(bool DotStuffed = true, BareLineEndingPolicy Policy = BareLineEndingPolicy.Reject, long MaxSize = long.MaxValue, int MaxLineLength = Rfc5321LineLength);

    private static readonly Settings Data = new();
    private static readonly Settings Normalize = new(Policy: BareLineEndingPolicy.Normalize);
    private static readonly Settings Bdat = new(DotStuffed: false);

    private static byte[] Octets(string s) => Encoding.Latin1.GetBytes(s);

    private static string Text(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    /// <summary>Feeds the pieces in order, as the shell does: it stops once the content is complete.</summary>
    private static Outcome Feed(IEnumerable<byte[]> pieces, Settings s)
    {
        var decoder = new DataDecoder(s.DotStuffed, s.Policy, s.MaxSize, s.MaxLineLength);
        var output = new ArrayBufferWriter<byte>();
        long consumed = 0;
        foreach (var piece in pieces)
        {
            var n = decoder.Decode(piece, output);
            consumed += n;
            if (decoder.Completed) break;
            Assert.Equal(piece.Length, n); // only the end marker stops consumption early
        }
        return new Outcome(Text(output.WrittenSpan), consumed, decoder.Completed, decoder.Faults, decoder.Size);
    }

    private static IEnumerable<byte[]> Whole(byte[] b) => [b];

    private static IEnumerable<byte[]> ByteByByte(byte[] b) => b.Select(x => new[] { x });

    private static IEnumerable<byte[]> LineByLine(byte[] b)
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

    private static IEnumerable<byte[]> AtCuts(byte[] b, IEnumerable<int> sizes)
    {
        var start = 0;
        foreach (var size in sizes)
        {
            if (start >= b.Length) break;
            var end = Math.Min(b.Length, start + size);
            yield return b[start..end];
            start = end;
        }
        if (start < b.Length) yield return b[start..];
    }

    private static IEnumerable<byte[]> RandomCuts(byte[] b, int seed)
    {
        var random = new Random(seed);
        return AtCuts(b, Enumerable.Range(0, b.Length).Select(_ => random.Next(0, 8)));
    }

    /// <summary>Also the <see cref="ReadOnlySequence{T}"/> overload, with one segment per piece.</summary>
    private static Outcome FeedAsSequence(IEnumerable<byte[]> pieces, Settings s)
    {
        var decoder = new DataDecoder(s.DotStuffed, s.Policy, s.MaxSize, s.MaxLineLength);
        var output = new ArrayBufferWriter<byte>();
        var consumed = decoder.Decode(Sequence(pieces), output);
        return new Outcome(Text(output.WrittenSpan), consumed, decoder.Completed, decoder.Faults, decoder.Size);
    }

    private static Outcome Decode(string input, Settings? settings = null)
    {
        var s = settings ?? Data;
        var b = Octets(input);
        var whole = Feed(Whole(b), s);
        Assert.Equal(whole, Feed(LineByLine(b), s));
        Assert.Equal(whole, Feed(ByteByByte(b), s));
        for (var seed = 0; seed < 5; seed++) Assert.Equal(whole, Feed(RandomCuts(b, seed), s));
        Assert.Equal(whole, FeedAsSequence(LineByLine(b), s));
        Assert.Equal(whole, FeedAsSequence(ByteByByte(b), s));
        return whole;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is null) return;
            RunningIndex = previous.RunningIndex + previous.Memory.Length;
            previous.Next = this;
        }
    }

    private static ReadOnlySequence<byte> Sequence(IEnumerable<byte[]> pieces)
    {
        Segment? first = null, last = null;
        foreach (var piece in pieces)
        {
            last = new Segment(piece, last);
            first ??= last;
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    // ---- DATA: termination, transparency, consumed count ----

    // input, decoded content, octets consumed (-1: all of it), completed
    [Theory]
    [InlineData(".\r\n", "", 3, true)]
    [InlineData("Hello\r\n.\r\n", "Hello\r\n", -1, true)]
    [InlineData("Subject: x\r\n\r\nbody\r\n.\r\n", "Subject: x\r\n\r\nbody\r\n", -1, true)]
    [InlineData("\r\n.\r\n", "\r\n", -1, true)]
    [InlineData("..\r\n.\r\n", ".\r\n", -1, true)]
    [InlineData("...\r\n.\r\n", "..\r\n", -1, true)]
    [InlineData("..dot\r\n.\r\n", ".dot\r\n", -1, true)]
    [InlineData(".x\r\n.\r\n", "x\r\n", -1, true)]
    [InlineData(". \r\n.\r\n", " \r\n", -1, true)]
    [InlineData("a\r\n..\r\nb\r\n.\r\n", "a\r\n.\r\nb\r\n", -1, true)]
    [InlineData("a.b\r\n.\r\n", "a.b\r\n", -1, true)]
    [InlineData("a\r\n.b.\r\n.\r\n", "a\r\nb.\r\n", -1, true)]
    [InlineData("Hello\r\n.\r\nMAIL FROM:<x@y>\r\n", "Hello\r\n", 10, true)]
    [InlineData(".\r\nQUIT\r\n", "", 3, true)]
    [InlineData("a\r\n.\r\n.\r\n", "a\r\n", 6, true)]
    [InlineData("", "", 0, false)]
    [InlineData("Hello", "Hello", -1, false)]
    [InlineData("Hello\r\n", "Hello\r\n", -1, false)]
    [InlineData("Hello\r\n.", "Hello\r\n", -1, false)]
    [InlineData("Hello\r\n.\r", "Hello\r\n", -1, false)]
    [InlineData("Hello\r\n..", "Hello\r\n.", -1, false)]
    [InlineData("Hello\r", "Hello", -1, false)]
    [InlineData("\u00ff\u0080\0\r\n.\r\n", "\u00ff\u0080\0\r\n", -1, true)]
    public void Data_content(string input, string content, int consumed, bool completed)
    {
        var r = Decode(input);
        Assert.Equal(content, r.Output);
        Assert.Equal(consumed < 0 ? input.Length : consumed, r.Consumed);
        Assert.Equal(completed, r.Completed);
        Assert.Equal(ContentFaults.None, r.Faults);
        Assert.Equal(content.Length, r.Size);
    }

    [Fact]
    public void Nothing_more_is_consumed_after_the_end()
    {
        var decoder = new DataDecoder(true, BareLineEndingPolicy.Reject, 100, Rfc5321LineLength);
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(6, decoder.Decode("a\r\n.\r\nRSET\r\n"u8, output));
        Assert.True(decoder.Completed);
        Assert.Equal(0, decoder.Decode("RSET\r\n"u8, output));
        Assert.Equal("a\r\n", Text(output.WrittenSpan));
    }

    [Fact]
    public void Sequence_overload_stops_inside_the_segment_that_holds_the_end()
    {
        var decoder = new DataDecoder(true, BareLineEndingPolicy.Reject, 100, Rfc5321LineLength);
        var output = new ArrayBufferWriter<byte>();
        var consumed = decoder.Decode(Sequence([Octets("Hel"), Octets("lo\r\n.\r"), Octets("\nQUIT\r\n"), Octets("NOOP\r\n")]), output);
        Assert.Equal(10, consumed);
        Assert.True(decoder.Completed);
        Assert.Equal("Hello\r\n", Text(output.WrittenSpan));
    }

    // ---- SMTP smuggling: only <CRLF>.<CRLF> ends DATA ----

    public static TheoryData<string> FalseEnds() => new()
    {
        "\n.\n",
        "\r.\r",
        "\r\n.\n",
        "\n.\r\n",
        "\r.\r\n",
        "\r\n.\r",
        "\r\n.\r\r\n",
        "\n.\r",
        "\r.\n",
        "\r\n\n.\r\n",
        "\r\n\r.\r\n",
        "\n\r.\r\n",
    };

    private const string Smuggled = "MAIL FROM:<evil@attacker.example>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nFrom: ceo@example.com\r\n\r\nwire the money\r\n";

    [Theory]
    [MemberData(nameof(FalseEnds))]
    public void A_false_end_never_completes_the_message(string falseEnd)
    {
        foreach (var settings in new[] { Data, Normalize })
        {
            var input = "Subject: hi\r\n\r\nbody" + falseEnd + Smuggled;
            var r = Decode(input, settings);
            Assert.False(r.Completed);
            Assert.Equal(input.Length, r.Consumed);
            Assert.Equal(ContentFaults.BareLineEnding, r.Faults);
        }
    }

    [Theory]
    [MemberData(nameof(FalseEnds))]
    public void A_false_end_stays_content_up_to_the_real_end(string falseEnd)
    {
        var input = "Subject: hi\r\n\r\nbody" + falseEnd + Smuggled + ".\r\nQUIT\r\n";
        var r = Decode(input);
        Assert.True(r.Completed);
        Assert.Equal(input.Length - "QUIT\r\n".Length, r.Consumed);
        Assert.Equal(ContentFaults.BareLineEnding, r.Faults);
        Assert.Contains("MAIL FROM:<evil@attacker.example>\r\n", r.Output);
    }

    [Fact]
    public void The_real_end_completes_and_what_follows_is_left_for_the_command_reader()
    {
        var input = "Subject: hi\r\n\r\nbody\r\n.\r\n" + Smuggled;
        var r = Decode(input);
        Assert.True(r.Completed);
        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", r.Output);
        Assert.Equal(input.Length - Smuggled.Length, r.Consumed);
        Assert.Equal(ContentFaults.None, r.Faults);
    }

    // ---- bare CR and bare LF ----

    // input, content under Normalize (every bare CR or LF becomes CRLF), content under Reject
    [Theory]
    [InlineData("a\nb\r\n.\r\n", "a\r\nb\r\n", "ab\r\n")]
    [InlineData("a\rb\r\n.\r\n", "a\r\nb\r\n", "ab\r\n")]
    [InlineData("a\n\r\n.\r\n", "a\r\n\r\n", "a\r\n")]
    [InlineData("a\r\r\n.\r\n", "a\r\n\r\n", "a\r\n")]
    [InlineData("a\n\nb\r\n.\r\n", "a\r\n\r\nb\r\n", "ab\r\n")]
    [InlineData("a\n\rb\r\n.\r\n", "a\r\n\r\nb\r\n", "ab\r\n")]
    [InlineData("\n.\r\n.\r\n", "\r\n.\r\n", ".\r\n")]
    [InlineData("\r.\r\n.\r\n", "\r\n.\r\n", ".\r\n")]
    [InlineData(".\n.\r\n.\r\n", ".\r\n.\r\n", "..\r\n")]
    [InlineData(".\rx\r\n.\r\n", ".\r\nx\r\n", ".x\r\n")]
    [InlineData("..\nx\r\n.\r\n", ".\r\nx\r\n", ".x\r\n")]
    [InlineData("a\n..\r\n.\r\n", "a\r\n..\r\n", "a..\r\n")]
    [InlineData("\n", "\r\n", "")]
    [InlineData("\r\n.\r\r\n.\r\n", "\r\n.\r\n\r\n", "\r\n.\r\n")]
    public void Bare_line_endings_are_flagged_and_normalized(string input, string normalized, string rejected)
    {
        var n = Decode(input, Normalize);
        Assert.Equal(normalized, n.Output);
        Assert.Equal(ContentFaults.BareLineEnding, n.Faults);
        var r = Decode(input, Data);
        Assert.Equal(rejected, r.Output);
        Assert.Equal(ContentFaults.BareLineEnding, r.Faults);
        Assert.Equal(n.Completed, r.Completed);
        Assert.Equal(n.Consumed, r.Consumed);
    }

    [Fact]
    public void A_cr_split_from_its_lf_is_not_bare()
    {
        var r = Feed([Octets("a\r"), Octets("\nb\r"), Octets("\n.\r"), Octets("\n")], Data);
        Assert.Equal(new Outcome("a\r\nb\r\n", 9, true, ContentFaults.None, 6), r);
    }

    // ---- size limit ----

    [Theory]
    [InlineData("12345678\r\n.\r\n", 10, false)]
    [InlineData("123456789\r\n.\r\n", 10, true)]
    [InlineData("..345678\r\n.\r\n", 9, false)] // the stuffed dot is not content
    [InlineData(".\r\n", 0, false)]
    [InlineData("\r\n.\r\n", 0, true)]
    [InlineData("a\n\r\n.\r\n", 5, false)] // the bare LF becomes two octets
    [InlineData("a\n\r\n.\r\n", 4, true)]
    public void Size_limit_counts_decoded_octets(string input, long maxSize, bool tooBig)
    {
        var r = Decode(input, Normalize with { MaxSize = maxSize });
        Assert.Equal(tooBig, (r.Faults & ContentFaults.TooBig) != 0);
        Assert.True(r.Completed);
    }

    [Fact]
    public void Too_big_content_is_still_read_to_the_end()
    {
        var input = string.Concat(Enumerable.Repeat("0123456789012345678901234567890123456789\r\n", 100)) + ".\r\nQUIT\r\n";
        var r = Decode(input, Data with { MaxSize = 100 });
        Assert.Equal(ContentFaults.TooBig, r.Faults);
        Assert.True(r.Completed);
        Assert.Equal(input.Length - "QUIT\r\n".Length, r.Consumed);
        Assert.Equal(4200, r.Size); // counted past the limit
        Assert.Equal(input[..100], r.Output); // output stops at the limit, wherever the fragments fell
    }

    // ---- line length ----

    [Theory]
    [InlineData("12345678\r\n.\r\n", false)] // 8 octets plus CRLF is exactly 10
    [InlineData("123456789\r\n.\r\n", true)]
    [InlineData("..2345678\r\n.\r\n", true)] // 11 octets on the wire, and again when relayed: the stuffing dot counts
    [InlineData(".123456789\r\n.\r\n", true)] // relayed as "..123456789": the removed dot still counts
    [InlineData("12345678\r\n12345678\r\n.\r\n", false)]
    [InlineData("1234\n12345678\r\n.\r\n", false)]
    [InlineData("123456789", true)]
    public void Long_lines_are_flagged(string input, bool tooLong)
    {
        var r = Decode(input, Normalize with { MaxLineLength = 10 });
        Assert.Equal(tooLong, (r.Faults & ContentFaults.LineTooLong) != 0);
        Assert.Equal(input.Length, r.Consumed);
    }

    [Fact]
    public void A_long_line_does_not_stop_reading()
    {
        var input = new string('x', 5000) + "\r\nnext\r\n.\r\n";
        var r = Decode(input);
        Assert.Equal(ContentFaults.LineTooLong, r.Faults);
        Assert.True(r.Completed);
        Assert.Equal(input[..^3], r.Output);
    }

    [Fact]
    public void Faults_accumulate()
    {
        var r = Decode("0123456789abc\n\r\n.\r\n", Data with { MaxSize = 5, MaxLineLength = 10 });
        Assert.Equal(ContentFaults.TooBig | ContentFaults.LineTooLong | ContentFaults.BareLineEnding, r.Faults);
    }

    // ---- BDAT: no dots, no end marker ----

    [Theory]
    [InlineData("a\r\n.\r\nMAIL FROM:<x@y>\r\n")]
    [InlineData(".\r\n")]
    [InlineData("..\r\n..x\r\n")]
    [InlineData("")]
    [InlineData("line without end")]
    public void Bdat_content_is_taken_as_is(string input)
    {
        var r = Decode(input, Bdat);
        Assert.False(r.Completed);
        Assert.Equal(input, r.Output);
        Assert.Equal(input.Length, r.Consumed);
        Assert.Equal(ContentFaults.None, r.Faults);
    }

    [Theory]
    [InlineData("a\nb", "a\r\nb")]
    [InlineData("a\rb", "a\r\nb")]
    [InlineData(".\n.\n", ".\r\n.\r\n")]
    public void Bdat_flags_bare_line_endings_too(string input, string normalized)
    {
        Assert.Equal(ContentFaults.BareLineEnding, Decode(input, Bdat).Faults);
        var n = Decode(input, Bdat with { Policy = BareLineEndingPolicy.Normalize });
        Assert.Equal(normalized, n.Output);
        Assert.False(n.Completed);
    }

    [Fact]
    public void Bdat_chunks_join_across_a_crlf()
    {
        var r = Feed([Octets("line one\r"), Octets("\n.line two\r\n")], Bdat);
        Assert.Equal(new Outcome("line one\r\n.line two\r\n", 21, false, ContentFaults.None, 21), r);
    }

    // ---- properties ----

    private static readonly Gen<string> Content =
        Gen.Frequency(
                (6, Gen.Elements("a", "b", "x y", "\u00e9", "\0")),
                (3, Gen.Elements("\r\n", ".", "..")),
                (2, Gen.Elements("\r", "\n", "\r\n.\r\n", "\r\n.", ".\r", ".\n")))
            .ListOf()
            .Select(string.Concat);

    private static readonly Gen<Settings> AnySettings =
        from dotStuffed in Gen.Elements(true, false)
        from policy in Gen.Elements(BareLineEndingPolicy.Reject, BareLineEndingPolicy.Normalize)
        from maxSize in Gen.Frequency((3, Gen.Constant(long.MaxValue)), (1, Gen.Choose(0, 40).Select(n => (long)n)))
        from maxLine in Gen.Frequency((3, Gen.Constant(Rfc5321LineLength)), (1, Gen.Choose(2, 12)))
        select new Settings(dotStuffed, policy, maxSize, maxLine);

    [Fact]
    public void Decoding_does_not_depend_on_fragmentation()
    {
        var cuts = Gen.Choose(0, 6).ListOf();
        Check.One(Properties.Deterministic(3000), Prop.ForAll(Content.ToArbitrary(), cuts.ToArbitrary(), AnySettings.ToArbitrary(), (input, sizes, settings) =>
        {
            var b = Octets(input);
            var whole = Feed(Whole(b), settings);
            Assert.Equal(whole, Feed(AtCuts(b, sizes), settings));
            Assert.Equal(whole, Feed(ByteByByte(b), settings));
            Assert.Equal(whole, FeedAsSequence(AtCuts(b, sizes), settings));
        }));
    }

    [Fact]
    public void Data_ends_exactly_at_the_first_crlf_dot_crlf()
    {
        Check.One(Properties.Deterministic(3000), Prop.ForAll(Content.ToArbitrary(), Gen.Elements(Data, Normalize).ToArbitrary(), (input, settings) =>
        {
            var r = Feed(Whole(Octets(input)), settings);
            // The content starts at the beginning of a line, as if just after a CRLF.
            var end = ("\r\n" + input).IndexOf("\r\n.\r\n", StringComparison.Ordinal);
            Assert.Equal(end >= 0, r.Completed);
            Assert.Equal(end >= 0 ? end + 3 : input.Length, r.Consumed);
        }));
    }

    [Fact]
    public void Data_output_matches_a_line_by_line_model()
    {
        Check.One(Properties.Deterministic(3000), Prop.ForAll(Content.ToArbitrary(), Gen.Elements(Data, Normalize).ToArbitrary(), (body, settings) =>
        {
            var input = body + "\r\n.\r\n";
            var r = Feed(Whole(Octets(input)), settings);
            var content = input[..(int)(r.Consumed - 3)];
            var bare = content.Replace("\r\n", "", StringComparison.Ordinal).AsSpan().IndexOfAny('\r', '\n') >= 0;
            Assert.Equal(bare ? ContentFaults.BareLineEnding : ContentFaults.None, r.Faults);
            Assert.Equal(Model(content, settings.Policy == BareLineEndingPolicy.Normalize ? "\r\n" : ""), r.Output);
        }));
    }

    [Fact]
    public void Normalized_output_never_holds_a_bare_line_ending()
    {
        Check.One(Properties.Deterministic(3000), Prop.ForAll(Content.ToArbitrary(), Gen.Elements(true, false).ToArbitrary(), (body, dotStuffed) =>
        {
            var input = body + "\r\n.\r\n";
            var r = Feed(Whole(Octets(input)), Normalize with { DotStuffed = dotStuffed });
            for (var i = 0; i < r.Output.Length; i++)
            {
                if (r.Output[i] == '\r') Assert.True(i + 1 < r.Output.Length && r.Output[i + 1] == '\n', $"bare CR at {i} of {r.Output}");
                if (r.Output[i] == '\n') Assert.True(i > 0 && r.Output[i - 1] == '\r', $"bare LF at {i} of {r.Output}");
            }
        }));
    }

    [Fact]
    public void Bdat_output_is_the_input_when_line_endings_are_clean()
    {
        Check.One(Properties.Deterministic(2000), Prop.ForAll(Content.ToArbitrary(), input =>
        {
            var r = Feed(Whole(Octets(input)), Bdat);
            Assert.False(r.Completed);
            Assert.Equal(input.Length, r.Consumed);
            var clean = input.Replace("\r\n", "", StringComparison.Ordinal).AsSpan().IndexOfAny('\r', '\n') < 0;
            // A trailing CR may still be waiting for its LF in the next chunk.
            if (clean) Assert.Equal(input, r.Output);
        }));
    }

    /// <summary>What DATA content should decode to: split at CRLF, unstuff each line, replace bare CR and LF.</summary>
    private static string Model(string content, string bareReplacement)
    {
        var lines = content.Split("\r\n");
        var sb = new StringBuilder();
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            // A leading dot is transparency only when more of the line follows (RFC 5321 4.5.2);
            // ".<bare CR or LF>" keeps its dot, since no line has ended there.
            if (line.Length > 1 && line[0] == '.' && line[1] is not ('\r' or '\n')) line = line[1..];
            foreach (var c in line)
            {
                if (c is '\r' or '\n') sb.Append(bareReplacement);
                else sb.Append(c);
            }
            if (n < lines.Length - 1) sb.Append("\r\n");
        }
        return sb.ToString();
    }

    [Theory]
    [InlineData(BareLineEndingPolicy.Reject, "abc")]
    [InlineData(BareLineEndingPolicy.Normalize, "abc\r\n")]
    public void Bdat_content_ending_in_a_lone_cr_is_a_bare_cr(BareLineEndingPolicy policy, string expected)
    {
        var d = new DataDecoder(dotStuffed: false, policy, maxSize: 1000, maxLineLength: 1000);
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        d.Decode("abc\r"u8, output);
        Assert.Equal(ContentFaults.None, d.Faults);
        d.Finish(output);
        Assert.Equal(ContentFaults.BareLineEnding, d.Faults);
        Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(output.WrittenSpan));
    }
}
