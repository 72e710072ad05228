using System.Globalization;
using System.Text;
using Gatehouse.Core.Envelope;

namespace Gatehouse.Spool;

/// <summary>The on-disk layout of one queued message, and its reader.</summary>
/// <remarks>
/// <code>
/// GATEHOUSE-QUEUE 1\n
/// {envelope JSON}\n
/// message octets (Received header first), exactly as they will be sent
/// \n#GATEHOUSE-END 0000000000001234\n     (trailer: body length in 16 hex digits)
/// </code>
/// A file is whole only when its trailer is present and names the length of what precedes it; a
/// file cut short by a crash fails that check and is never taken for a message.
/// </remarks>
public static class QueueFile
{
    public static readonly byte[] Magic = "GATEHOUSE-QUEUE 1\n"u8.ToArray();
    private static readonly byte[] TrailerTag = "\n#GATEHOUSE-END "u8.ToArray();
    public const int TrailerLength = 16 + 16 + 1; // tag + 16 hex digits + LF

    public static byte[] Trailer(long bodyLength)
    {
        var t = new byte[TrailerLength];
        TrailerTag.CopyTo(t, 0);
        Encoding.ASCII.GetBytes(bodyLength.ToString("X16", CultureInfo.InvariantCulture), 0, 16, t, TrailerTag.Length);
        t[^1] = (byte)'\n';
        return t;
    }

    /// <summary>Reads the envelope and the body's place in the file; throws <see cref="InvalidDataException"/> when the file is not whole.</summary>
    public static QueuedMessage Read(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        var length = fs.Length;
        if (length < Magic.Length + 2 + TrailerLength) throw new InvalidDataException("file too short");
        Span<byte> magic = stackalloc byte[Magic.Length];
        fs.ReadExactly(magic);
        if (!magic.SequenceEqual(Magic)) throw new InvalidDataException("bad magic");
        // The envelope is one line; read it in blocks until the newline.
        var header = new MemoryStream();
        var buf = new byte[4096];
        long bodyStart = -1;
        while (bodyStart < 0)
        {
            var n = fs.Read(buf);
            if (n == 0) throw new InvalidDataException("no end of envelope");
            var nl = Array.IndexOf(buf, (byte)'\n', 0, n);
            if (nl >= 0)
            {
                header.Write(buf, 0, nl);
                bodyStart = Magic.Length + header.Length + 1;
            }
            else
            {
                header.Write(buf, 0, n);
                if (header.Length > 16 * 1024 * 1024) throw new InvalidDataException("envelope too long");
            }
        }
        var trailer = new byte[TrailerLength];
        fs.Seek(length - TrailerLength, SeekOrigin.Begin);
        fs.ReadExactly(trailer);
        if (!trailer.AsSpan(0, TrailerTag.Length).SequenceEqual(TrailerTag) || trailer[^1] != '\n') throw new InvalidDataException("no trailer");
        var hex = Encoding.ASCII.GetString(trailer, TrailerTag.Length, 16);
        if (!long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bodyLength)) throw new InvalidDataException("bad trailer");
        if (bodyStart + bodyLength + TrailerLength != length) throw new InvalidDataException("length mismatch");
        var (id, envelope) = EnvelopeCodec.Decode(header.ToArray());
        return new QueuedMessage(id, envelope, path, bodyStart, bodyLength);
    }
}

/// <summary>A message found in the queue: its envelope and where its content lies in the queue file.</summary>
public sealed record QueuedMessage(string QueueId, MailEnvelope Envelope, string Path, long BodyOffset, long BodyLength)
{
    /// <summary>Opens the message content (Received header first) for reading.</summary>
    public Stream OpenContent()
    {
        // Unbuffered: every reader reads in large chunks of its own (pooled) buffers, and a FileStream
        // buffer would be a fresh 64 KiB array per open, twice per message, most of the mail path's garbage.
        var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        fs.Seek(BodyOffset, SeekOrigin.Begin);
        return new BoundedStream(fs, BodyLength);
    }
}

/// <summary>A read-only view of the first N octets from the current position of a stream.</summary>
internal sealed class BoundedStream(Stream inner, long length) : Stream
{
    private readonly long _length = length;
    private long _remaining = length;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _length - _remaining; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_remaining <= 0) return 0;
        var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        _remaining -= n;
        return n;
    }

    // The queue file was written moments ago and is in the page cache: reading it here costs less than
    // the hop to another pool thread that FileStream's asynchronous read would make (and the base
    // Stream.ReadAsync, with its semaphore and task, would be slower still).
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
