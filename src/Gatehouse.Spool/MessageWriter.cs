using System.Buffers;
using Gatehouse.Core.Envelope;
using Microsoft.Win32.SafeHandles;

namespace Gatehouse.Spool;

/// <summary>Writes one message into the spool as it arrives; two-phase: <see cref="CommitAsync"/> or <see cref="Abort"/>.</summary>
/// <remarks>
/// Content is streamed to the file in <c>incoming/</c> through a small pooled buffer, so a message
/// is never held whole in memory. Disposing without committing aborts: nothing is left behind.
/// </remarks>
public sealed class MessageWriter : IAsyncDisposable
{
    // Rented, not owned: a buffer of its own per message was garbage enough to bring a collection every
    // few dozen messages.
    private const int BufferSize = 16 * 1024;

    private readonly MessageSpool _spool;
    private readonly string _incomingPath;
    private SafeFileHandle? _file;
    private byte[]? _buffer;
    private int _buffered;
    private long _position;
    private long _bodyLength;
    private readonly MailEnvelope _envelope;
    private readonly long _bodyOffset;
    private bool _done;
    private bool _committed;

    internal MessageWriter(MessageSpool spool, string queueId, MailEnvelope envelope)
    {
        _spool = spool;
        QueueId = queueId;
        _envelope = envelope;
        _incomingPath = Path.Combine(spool.IncomingDirectory, queueId);
        _file = spool.CreateIncoming(_incomingPath);
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            Append(QueueFile.Magic);
            var json = EnvelopeCodec.Encode(queueId, envelope);
            Append(json);
            Append("\n"u8);
            _bodyOffset = QueueFile.Magic.Length + json.Length + 1;
        }
        catch
        {
            Abort();
            throw;
        }
    }

    public string QueueId { get; }

    /// <summary>The message as the queue holds it, once <see cref="CommitAsync"/> has returned.</summary>
    public QueuedMessage Committed => _committed
        ? new QueuedMessage(QueueId, _envelope, Path.Combine(_spool.QueueDirectory, QueueId), _bodyOffset, _bodyLength)
        : throw new InvalidOperationException("the message is not committed");

    /// <summary>Octets of message content written so far.</summary>
    public long Length => _bodyLength;

    public void Write(ReadOnlySpan<byte> content)
    {
        ObjectDisposedException.ThrowIf(_file is null, this);
        Append(content);
        _bodyLength += content.Length;
    }

    /// <summary>Writes synchronously: the writes go to the page cache, which is quicker than a hop to another thread; the sync at commit is what waits for the disk.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        if (ct.IsCancellationRequested) return ValueTask.FromCanceled(ct);
        Write(content.Span);
        return ValueTask.CompletedTask;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        var buffer = _buffer!;
        if (_buffered + bytes.Length > buffer.Length)
        {
            WriteBuffered();
            if (bytes.Length >= buffer.Length)
            {
                RandomAccess.Write(_file!, bytes, _position);
                _position += bytes.Length;
                return;
            }
        }
        bytes.CopyTo(buffer.AsSpan(_buffered));
        _buffered += bytes.Length;
    }

    private void WriteBuffered()
    {
        if (_buffered == 0) return;
        RandomAccess.Write(_file!, _buffer.AsSpan(0, _buffered), _position);
        _position += _buffered;
        _buffered = 0;
    }

    /// <summary>Finishes the file and returns once it is on stable storage; only then may the client be told 250.</summary>
    public async Task CommitAsync()
    {
        ObjectDisposedException.ThrowIf(_file is null, this);
        try
        {
            Append(QueueFile.Trailer(_bodyLength));
            WriteBuffered();
            CloseFile();
            await _spool.CommitAsync(_incomingPath, Path.Combine(_spool.QueueDirectory, QueueId)).ConfigureAwait(false);
            _done = true;
            _committed = true;
        }
        catch
        {
            Abort();
            throw;
        }
    }

    private void CloseFile()
    {
        _file?.Dispose();
        _file = null;
        if (_buffer is { } b) ArrayPool<byte>.Shared.Return(b);
        _buffer = null;
    }

    /// <summary>Drops the message: the client was not told 250 for it.</summary>
    public void Abort()
    {
        if (_done) return;
        _done = true;
        CloseFile();
        File.Delete(_incomingPath);
        // A commit that failed after the rename leaves the file in queue/, unacknowledged: remove it too.
        File.Delete(Path.Combine(_spool.QueueDirectory, QueueId));
    }

    public ValueTask DisposeAsync()
    {
        Abort();
        return ValueTask.CompletedTask;
    }
}
