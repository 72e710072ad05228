using System.Buffers;
using System.Text;
using Gatehouse.Core.Protocol;
using Gatehouse.Smtp.Client;

namespace Gatehouse.Smtp.Tests.Client;

/// <summary>Reply parsing fed whole, line by line, one byte at a time and as a sequence of one-byte segments.</summary>
/// <remarks>
/// A reply is written "CODE [STATUS] line|line|..." so that each case is one line of the table.
/// Every case runs through every fragmentation and they must all agree.
/// </remarks>
public class ReplyReaderTests
{
    private sealed record Outcome(IReadOnlyList<string> Replies, string? Error, int Leftover)
    {
        // After an error the unread rest depends on when the error was seen; it is thrown away with the connection.
        public override string ToString() => string.Join(" / ", Replies) + (Error is null ? $" (+{Leftover})" : " !" + Error);
    }

    private static string Render(SmtpReply r) => $"{r.Code}{(r.Status is { } s ? " " + s : "")} {string.Join('|', r.Lines)}";

    private static byte[] Octets(string s) => Encoding.Latin1.GetBytes(s);

    /// <summary>Feeds the pieces as the shell does: unconsumed bytes stay in front of the next piece.</summary>
    private static Outcome Feed(IEnumerable<byte[]> pieces)
    {
        var reader = new ReplyReader();
        var pending = new List<byte>();
        var replies = new List<string>();
        foreach (var piece in pieces)
        {
            pending.AddRange(piece);
            while (true)
            {
                var status = reader.TryRead(pending.ToArray().AsMemory(), out var consumed, out var reply);
                pending.RemoveRange(0, consumed);
                if (status == ReplyReadStatus.Complete)
                {
                    replies.Add(Render(reply!));
                    continue;
                }
                if (status == ReplyReadStatus.Malformed) return new Outcome(replies, reader.Error, pending.Count);
                break;
            }
        }
        return new Outcome(replies, null, pending.Count);
    }

    /// <summary>The whole input as a sequence of one-byte segments: every boundary falls inside a line.</summary>
    private static Outcome FeedSegmented(byte[] input)
    {
        var reader = new ReplyReader();
        var sequence = Segments.Of(input.Select(b => new[] { b }));
        var replies = new List<string>();
        while (true)
        {
            var status = reader.TryRead(sequence, out var consumed, out var reply);
            sequence = sequence.Slice(consumed);
            if (status == ReplyReadStatus.Complete)
            {
                replies.Add(Render(reply!));
                continue;
            }
            return new Outcome(replies, status == ReplyReadStatus.Malformed ? reader.Error : null, (int)sequence.Length);
        }
    }

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

    /// <summary>Runs every fragmentation, checks they agree, returns the outcome.</summary>
    private static Outcome Read(string input)
    {
        var bytes = Octets(input);
        var whole = Feed([bytes]);
        foreach (var (name, other) in new[]
        {
            ("line by line", Feed(LineByLine(bytes))),
            ("byte by byte", Feed(bytes.Select(b => new[] { b }))),
            ("segmented", FeedSegmented(bytes)),
        })
        {
            Assert.True(whole.ToString() == other.ToString(), $"{name} gave {other}, whole gave {whole}");
        }
        return whole;
    }

    [Theory]
    [InlineData("220 mx.example ESMTP\r\n", "220 mx.example ESMTP")]
    [InlineData("250 2.1.0 Ok\r\n", "250 2.1.0 Ok")]
    [InlineData("250-mx.example\r\n250-PIPELINING\r\n250 SIZE 100\r\n", "250 mx.example|PIPELINING|SIZE 100")]
    [InlineData("220 bare line feed\n", "220 bare line feed")]
    [InlineData("250-mixed\n250 endings\r\n", "250 mixed|endings")]
    [InlineData("250\r\n", "250 ")]
    [InlineData("250-\r\n250 \r\n", "250 |")]
    [InlineData("550-5.1.1 No such\r\n550 5.1.1 user here\r\n", "550 5.1.1 No such|user here")]
    [InlineData("550-5.1.1 first\r\n550 second has none\r\n", "550 5.1.1 first|second has none")]
    [InlineData("451 4.3.0\r\n", "451 4.3.0 ")]
    [InlineData("250 5.1.1 class does not match\r\n", "250 5.1.1 class does not match")]
    [InlineData("550 5.1.1.1 not a status\r\n", "550 5.1.1.1 not a status")]
    [InlineData("421 4.4.2 closing\r\n", "421 4.4.2 closing")]
    [InlineData("250 caf\u00e9 in Latin-1\r\n", "250 caf\u00e9 in Latin-1")]
    [InlineData("250 caf\u00c3\u00a9 in UTF-8\r\n", "250 caf\u00e9 in UTF-8")]
    public void Reads_one_reply(string input, string expected)
    {
        var outcome = Read(input);
        Assert.Null(outcome.Error);
        Assert.Equal([expected], outcome.Replies);
        Assert.Equal(0, outcome.Leftover);
    }

    [Fact]
    public void Pipelined_replies_come_out_one_at_a_time_in_order()
    {
        var outcome = Read("250 2.1.0 Sender ok\r\n250 2.1.5 Rcpt ok\r\n550 5.1.1 No such user\r\n354 Go ahead\r\n");
        Assert.Null(outcome.Error);
        Assert.Equal(["250 2.1.0 Sender ok", "250 2.1.5 Rcpt ok", "550 5.1.1 No such user", "354 Go ahead"], outcome.Replies);
    }

    [Fact]
    public void An_unfinished_reply_consumes_only_its_whole_lines()
    {
        var reader = new ReplyReader();
        var input = Octets("250-first\r\n250-second\r\n250 thi");
        Assert.Equal(ReplyReadStatus.NeedMore, reader.TryRead(input.AsMemory(), out var consumed, out var reply));
        Assert.Null(reply);
        Assert.Equal("250-first\r\n250-second\r\n".Length, consumed);
        Assert.Equal(ReplyReadStatus.Complete, reader.TryRead(Octets("250 third\r\n250 next\r\n").AsMemory(), out consumed, out reply));
        Assert.Equal("250 first|second|third", Render(reply!));
        Assert.Equal("250 third\r\n".Length, consumed);
    }

    [Theory]
    [InlineData("abc\r\n", "not a reply line")]
    [InlineData("25\r\n", "not a reply line")]
    [InlineData("\r\n", "not a reply line")]
    [InlineData("250x ok\r\n", "not a reply line")]
    [InlineData("2a0 ok\r\n", "not a reply line")]
    [InlineData("099 ok\r\n", "not a reply line")]
    [InlineData("600 ok\r\n", "not a reply line")]
    [InlineData("150 ok\r\n", "not a reply line")]
    [InlineData("+OK POP3 server ready\r\n", "not a reply line")]
    [InlineData("HTTP/1.1 400 Bad Request\r\n", "not a reply line")]
    [InlineData("250-first\r\n251 second\r\n", "reply code changed from 250 to 251")]
    [InlineData("250-first\r\n550 second\r\n", "reply code changed from 250 to 550")]
    [InlineData("250-first\r\nsecond\r\n", "not a reply line")]
    public void Refuses_garbage(string input, string error)
    {
        var outcome = Read(input);
        Assert.Empty(outcome.Replies);
        Assert.NotNull(outcome.Error);
        Assert.StartsWith(error, outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_line_longer_than_4_KiB_even_before_it_ends()
    {
        var line = "250 " + new string('a', ReplyReader.MaxLineLength);
        var outcome = Read(line + "\r\n");
        Assert.StartsWith("reply line longer than 4096", outcome.Error, StringComparison.Ordinal);
        // A peer that never sends a line feed is caught as soon as the line is too long, not at the end of time.
        var endless = Read(line + new string('a', 100));
        Assert.StartsWith("reply line longer than 4096", endless.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Takes_a_line_of_exactly_4_KiB()
    {
        var text = new string('a', ReplyReader.MaxLineLength - 4);
        var outcome = Read("250 " + text + "\r\n");
        Assert.Null(outcome.Error);
        Assert.Equal(["250 " + text], outcome.Replies);
    }

    [Fact]
    public void Refuses_a_reply_of_more_than_100_lines()
    {
        var hundred = string.Concat(Enumerable.Repeat("250-x\r\n", ReplyReader.MaxLines - 1)) + "250 last\r\n";
        Assert.Single(Read(hundred).Replies);
        var more = string.Concat(Enumerable.Repeat("250-x\r\n", ReplyReader.MaxLines)) + "250 last\r\n";
        var outcome = Read(more);
        Assert.Empty(outcome.Replies);
        Assert.StartsWith("reply longer than 100 lines", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_names_the_bad_line_with_control_characters_escaped()
    {
        var outcome = Read("\u0001\u00ffgarbage\r\n");
        Assert.Equal("not a reply line: \"\\x01\\xFFgarbage\"", outcome.Error);
    }
}

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, as a pipe hands them over.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Of(IEnumerable<byte[]> pieces)
    {
        Segments? first = null;
        Segments? last = null;
        foreach (var p in pieces)
        {
            var s = new Segments(p, last is null ? 0 : last.RunningIndex + last.Memory.Length);
            if (last is null) first = s;
            else last.Next = s;
            last = s;
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }
}
