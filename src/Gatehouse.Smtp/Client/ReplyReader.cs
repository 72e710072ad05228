using System.Buffers;
using System.Text;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Smtp.Client;

/// <summary>What <see cref="ReplyReader"/> found in the bytes it was given.</summary>
public enum ReplyReadStatus
{
    /// <summary>No whole reply yet: read more and call again with the unconsumed bytes plus the new ones.</summary>
    NeedMore,

    /// <summary>A whole reply was read.</summary>
    Complete,

    /// <summary>The peer sent something that is not an SMTP reply; <see cref="ReplyReader.Error"/> says what.</summary>
    Malformed,
}

/// <summary>Sans-I/O reader of SMTP replies as a client receives them (RFC 5321 §4.2).</summary>
/// <remarks>
/// <para>Takes the bytes received so far and reports how far it consumed them; lines of a multi-line
/// reply (<c>250-</c> … <c>250 </c>) are consumed as they arrive and held until the last one, so the
/// caller never has to keep more than one unfinished line. A bare LF ends a line as CRLF does,
/// because servers that send one are common and harmless to a client.</para>
/// <para>An RFC 2034 enhanced status code at the start of the first line is taken out of the text
/// into <see cref="SmtpReply.Status"/> when its class matches the reply code (RFC 3463 §2), and the
/// same code is taken off the following lines.</para>
/// <para>Hostile or broken input ends with <see cref="ReplyReadStatus.Malformed"/>, never an exception:
/// a line that does not start with a code from 200 to 599 followed by space, hyphen or nothing; a
/// code that changes within a reply; a line longer than <see cref="MaxLineLength"/> octets; a reply
/// of more than <see cref="MaxLines"/> lines. After that the connection cannot be trusted and the
/// reader must not be used again.</para>
/// <para>Text is decoded as UTF-8 and, where that fails, as Latin-1, so no octet sequence fails a reply.</para>
/// </remarks>
public sealed class ReplyReader
{
    /// <summary>Longest reply line accepted, without its line ending; RFC 5321 §4.5.3.1.5 asks for 512.</summary>
    public const int MaxLineLength = 4096;

    /// <summary>Most lines accepted in one reply; an EHLO reply has about a dozen.</summary>
    public const int MaxLines = 100;

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

    private readonly List<string> _lines = [];
    private int _code;
    private EnhancedStatusCode? _status;

    /// <summary>Why the last read was <see cref="ReplyReadStatus.Malformed"/>; null otherwise.</summary>
    public string? Error { get; private set; }

    /// <summary>Reads at most one reply from the start of <paramref name="buffer"/>.</summary>
    /// <param name="consumed">Where the caller's next call should start: after the reply when complete,
    /// after the last whole line when more is needed.</param>
    public ReplyReadStatus TryRead(in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out SmtpReply? reply)
    {
        reply = null;
        var reader = new SequenceReader<byte>(buffer);
        Span<byte> bytes = stackalloc byte[MaxLineLength + 1];
        while (true)
        {
            consumed = reader.Position;
            if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                return reader.Remaining > MaxLineLength + 1
                    ? Fail($"reply line longer than {MaxLineLength} octets")
                    : ReplyReadStatus.NeedMore;
            }
            consumed = reader.Position;
            if (line.Length > MaxLineLength + 1) return Fail($"reply line longer than {MaxLineLength} octets");
            line.CopyTo(bytes);
            var content = bytes[..(int)line.Length];
            if (content.Length > 0 && content[^1] == '\r') content = content[..^1];
            var status = OnLine(content, out reply);
            if (status != ReplyReadStatus.NeedMore) return status;
        }
    }

    /// <summary>Convenience for callers that hold a contiguous buffer; <paramref name="consumed"/> is an octet count.</summary>
    public ReplyReadStatus TryRead(ReadOnlyMemory<byte> buffer, out int consumed, out SmtpReply? reply)
    {
        var sequence = new ReadOnlySequence<byte>(buffer);
        var status = TryRead(sequence, out var position, out reply);
        consumed = (int)sequence.Slice(0, position).Length;
        return status;
    }

    private ReplyReadStatus OnLine(ReadOnlySpan<byte> line, out SmtpReply? reply)
    {
        reply = null;
        if (line.Length < 3 || !IsDigit(line[0], '2', '5') || !IsDigit(line[1], '0', '9') || !IsDigit(line[2], '0', '9'))
        {
            return Fail($"not a reply line: \"{Printable(line)}\"");
        }
        if (line.Length > 3 && line[3] is not ((byte)' ' or (byte)'-'))
        {
            return Fail($"not a reply line: \"{Printable(line)}\"");
        }
        var code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
        if (_lines.Count > 0 && code != _code) return Fail($"reply code changed from {_code} to {code} within one reply");
        var last = line.Length == 3 || line[3] == ' ';
        var text = line.Length > 4 ? Decode(line[4..]) : "";
        if (_lines.Count == 0)
        {
            _code = code;
            _status = LeadingStatus(text, code, out var rest) is { } s ? s : null;
            if (_status is not null) text = rest;
        }
        else if (_status is { } first && LeadingStatus(text, code, out var rest) == first)
        {
            text = rest;
        }
        if (_lines.Count == MaxLines) return Fail($"reply longer than {MaxLines} lines");
        _lines.Add(text);
        if (!last) return ReplyReadStatus.NeedMore;
        reply = new SmtpReply(_code, _status, [.. _lines]);
        _lines.Clear();
        _status = null;
        return ReplyReadStatus.Complete;
    }

    /// <summary>The enhanced status code that starts <paramref name="text"/>, when it is one of the same class as the reply code.</summary>
    private static EnhancedStatusCode? LeadingStatus(string text, int code, out string rest)
    {
        rest = text;
        var end = text.IndexOf(' ', StringComparison.Ordinal);
        var candidate = end < 0 ? text : text[..end];
        if (!EnhancedStatusCode.TryParse(candidate, out var status) || status.Class != code / 100) return null;
        rest = end < 0 ? "" : text[(end + 1)..];
        return status;
    }

    private ReplyReadStatus Fail(string error)
    {
        Error = error;
        _lines.Clear();
        _status = null;
        return ReplyReadStatus.Malformed;
    }

    private static bool IsDigit(byte b, char low, char high) => b >= low && b <= high;

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    /// <summary>The start of a bad line for an error message, with control characters and non-ASCII escaped.</summary>
    private static string Printable(ReadOnlySpan<byte> line)
    {
        var sb = new StringBuilder();
        foreach (var b in line[..Math.Min(line.Length, 60)])
        {
            if (b is >= 0x20 and < 0x7F) sb.Append((char)b);
            else sb.Append("\\x").Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        if (line.Length > 60) sb.Append("...");
        return sb.ToString();
    }
}
