using System.Buffers;

namespace Gatehouse.Smtp.Data;

/// <summary>What to do with a CR or LF that is not part of a CRLF pair in message content.</summary>
public enum BareLineEndingPolicy
{
    /// <summary>Read to the end of the content, then refuse the message (550 5.6.11).</summary>
    Reject,

    /// <summary>Turn every bare CR and bare LF into CRLF and accept the message.</summary>
    Normalize,
}

/// <summary>How a content stream ended, or why it will be refused once it has.</summary>
[Flags]
public enum ContentFaults
{
    None = 0,
    TooBig = 1,
    BareLineEnding = 2,
    LineTooLong = 4,
}

/// <summary>Sans-I/O decoder of SMTP message content: DATA (dot-stuffed, ends at CRLF.CRLF) or BDAT chunks.</summary>
/// <remarks>
/// <para>Only <c>&lt;CRLF&gt;.&lt;CRLF&gt;</c> ends DATA (RFC 5321 §4.1.1.4). A line may begin only after
/// a CRLF, so <c>&lt;LF&gt;.&lt;LF&gt;</c>, <c>&lt;CR&gt;.&lt;CR&gt;</c>, <c>&lt;LF&gt;.&lt;CRLF&gt;</c> and every other
/// mix are content, never an end: this is what rules out SMTP smuggling. Content after such a
/// sequence is read as part of the same message, and a message with a bare CR or LF is then refused
/// whole (<see cref="BareLineEndingPolicy.Reject"/>) or stored with CRLF in their place
/// (<see cref="BareLineEndingPolicy.Normalize"/>), so that no bare line ending ever leaves this
/// server to confuse the next one.</para>
/// <para>Leading dots are removed (RFC 5321 §4.5.2). Output stops once the size limit is passed,
/// but input is consumed to the end so the session stays in step with the client.
/// The decoder keeps its state between calls, so input may arrive in fragments of any size.</para>
/// </remarks>
public sealed class DataDecoder
{
    private readonly bool _dotStuffed;
    private readonly BareLineEndingPolicy _policy;
    private readonly long _maxSize;
    private readonly int _maxLineLength;
    private State _state = State.LineStart;
    private long _lineLength;
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    /// <param name="dotStuffed">True for DATA, false for BDAT chunks (no dots, no end marker).</param>
    /// <param name="policy">What to do with bare CR and LF.</param>
    /// <param name="maxSize">Largest content in octets after decoding.</param>
    /// <param name="maxLineLength">Longest line in octets, CRLF included.</param>
    public DataDecoder(bool dotStuffed, BareLineEndingPolicy policy, long maxSize, int maxLineLength)
    {
        _dotStuffed = dotStuffed;
        _policy = policy;
        _maxSize = maxSize;
        _maxLineLength = maxLineLength;
        if (!dotStuffed) _state = State.InLine;
    }

    private enum State
    {
        LineStart,
        LineStartDot,
        LineStartDotCr,
        InLine,
        InLineCr,
    }

    /// <summary>Octets of decoded content so far (counted even past the limit).</summary>
    public long Size { get; private set; }

    public ContentFaults Faults { get; private set; }

    /// <summary>True once CRLF.CRLF has been read (DATA only).</summary>
    public bool Completed { get; private set; }

    /// <summary>Decodes as much of <paramref name="input"/> as belongs to the content.</summary>
    /// <returns>How many octets were consumed; fewer than the input only when the end marker was found.</returns>
    public long Decode(ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        long consumed = 0;
        foreach (var segment in input)
        {
            var n = Decode(segment.Span, output);
            consumed += n;
            if (Completed) break;
        }
        return consumed;
    }

    /// <summary>Decodes one contiguous span; returns octets consumed.</summary>
    public int Decode(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        var i = 0;
        while (i < input.Length && !Completed)
        {
            switch (_state)
            {
                case State.InLine:
                    {
                        var rest = input[i..];
                        var stop = rest.IndexOfAny((byte)'\r', (byte)'\n');
                        var run = stop < 0 ? rest : rest[..stop];
                        Emit(run, output);
                        _lineLength += run.Length;
                        CheckLineLength();
                        i += run.Length;
                        if (stop < 0) break;
                        if (rest[stop] == '\r')
                        {
                            _state = State.InLineCr;
                        }
                        else
                        {
                            BareEnding(output);
                        }
                        i++;
                        break;
                    }
                case State.InLineCr:
                    if (input[i] == '\n')
                    {
                        Emit(Crlf, output);
                        i++;
                        EndLine();
                    }
                    else
                    {
                        // A CR not followed by LF: the CR is bare; the byte after it is read again in-line.
                        BareEnding(output);
                    }
                    break;
                case State.LineStart:
                    if (input[i] == '.')
                    {
                        _state = State.LineStartDot;
                        i++;
                    }
                    else
                    {
                        _state = State.InLine;
                    }
                    break;
                case State.LineStartDot:
                    if (input[i] == '\r')
                    {
                        _state = State.LineStartDotCr;
                        i++;
                    }
                    else if (input[i] == '\n')
                    {
                        // ".<LF>" after CRLF: a line holding a dot and a bare LF, never the end of data.
                        Emit("."u8, output);
                        _lineLength = 1;
                        BareEnding(output);
                        i++;
                    }
                    else
                    {
                        // Transparency: the leading dot is removed; the rest of the line is content.
                        // The dot still counts towards the line length: it is sent again when the line is relayed.
                        _lineLength = 1;
                        _state = State.InLine;
                    }
                    break;
                case State.LineStartDotCr:
                    if (input[i] == '\n')
                    {
                        Completed = true;
                        i++;
                    }
                    else
                    {
                        // ".<CR>x": a dot then a bare CR; x is read again in-line.
                        Emit("."u8, output);
                        _lineLength = 1;
                        BareEnding(output);
                    }
                    break;
            }
        }
        return i;
    }

    /// <summary>Ends BDAT content (after the LAST chunk): a CR left waiting for its LF is a bare CR.</summary>
    public void Finish(IBufferWriter<byte> output)
    {
        if (_state == State.InLineCr) BareEnding(output);
    }

    private void BareEnding(IBufferWriter<byte> output)
    {
        Faults |= ContentFaults.BareLineEnding;
        // Under Reject the message is refused at the end, so what is written no longer matters.
        if (_policy == BareLineEndingPolicy.Normalize) Emit(Crlf, output);
        // After a bare line ending no line has started: a dot here is content and cannot end DATA.
        _lineLength = 0;
        _state = State.InLine;
    }

    private void EndLine()
    {
        _lineLength = 0;
        _state = _dotStuffed ? State.LineStart : State.InLine;
    }

    private void CheckLineLength()
    {
        if (_lineLength + 2 > _maxLineLength) Faults |= ContentFaults.LineTooLong;
    }

    private void Emit(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        if (bytes.IsEmpty) return;
        var room = _maxSize - Size;
        Size += bytes.Length;
        if (Size > _maxSize)
        {
            Faults |= ContentFaults.TooBig;
            // Write up to the limit exactly, so that the output does not depend on how the input was fragmented.
            if (room > 0) output.Write(bytes[..(int)room]);
            return;
        }
        output.Write(bytes);
    }
}
