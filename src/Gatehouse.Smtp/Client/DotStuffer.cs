using System.Buffers;

namespace Gatehouse.Smtp.Client;

/// <summary>Sans-I/O writer of DATA content: dot-stuffs message octets as they stream past and ends them with CRLF.CRLF.</summary>
/// <remarks>
/// <para>Every line that starts with "." gets a second one (RFC 5321 §4.5.2). A bare LF or a bare CR in
/// the content becomes CRLF on the way (RFC 5321 §2.3.8): a receiver must not be left to guess where
/// a line ends, and it is what keeps <c>&lt;LF&gt;.&lt;CRLF&gt;</c> in content from ever ending the
/// data at a receiver that is lax about line endings (SMTP smuggling).</para>
/// <para><see cref="Complete"/> adds the CRLF that ends the last line when the content lacks it,
/// then the terminating ".". State carries over between calls, so content may be cut anywhere.
/// It holds no buffer of its own; output goes to the caller's <see cref="IBufferWriter{T}"/>.</para>
/// </remarks>
public sealed class DotStuffer
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private bool _lineStart = true;
    private bool _pendingCr;
    private bool _completed;

    /// <summary>Octets written to the output so far, stuffing and terminator included.</summary>
    public long Written { get; private set; }

    public void Write(ReadOnlySpan<byte> content, IBufferWriter<byte> output)
    {
        if (_completed) throw new InvalidOperationException("the content has already been completed");
        var i = 0;
        while (i < content.Length)
        {
            var b = content[i];
            if (_pendingCr)
            {
                _pendingCr = false;
                Emit(Crlf, output);
                _lineStart = true;
                if (b == '\n')
                {
                    i++;
                    continue;
                }
            }
            if (b == '\r')
            {
                _pendingCr = true;
                i++;
                continue;
            }
            if (b == '\n')
            {
                Emit(Crlf, output);
                _lineStart = true;
                i++;
                continue;
            }
            if (_lineStart && b == '.') Emit("."u8, output);
            _lineStart = false;
            var rest = content[i..];
            var run = rest.IndexOfAny((byte)'\r', (byte)'\n');
            if (run < 0) run = rest.Length;
            Emit(rest[..run], output);
            i += run;
        }
    }

    /// <summary>Ends the content: the last line's CRLF when it is missing, then ".CRLF".</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (_completed) return;
        if (_pendingCr || !_lineStart) Emit(Crlf, output);
        Emit(".\r\n"u8, output);
        _pendingCr = false;
        _lineStart = true;
        _completed = true;
    }

    /// <summary>Stuffs a whole message at once: for tests and small messages.</summary>
    public static byte[] Stuff(ReadOnlySpan<byte> content)
    {
        var output = new ArrayBufferWriter<byte>(content.Length + 16);
        var stuffer = new DotStuffer();
        stuffer.Write(content, output);
        stuffer.Complete(output);
        return output.WrittenSpan.ToArray();
    }

    private void Emit(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        output.Write(bytes);
        Written += bytes.Length;
    }
}
