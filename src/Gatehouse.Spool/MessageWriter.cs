using Gatehouse.Core.Envelope;

namespace Gatehouse.Spool;

/// <summary>Writes one message into the spool as it arrives; two-phase: <see cref="CommitAsync"/> or <see cref="Abort"/>.</summary>
/// <remarks>
/// Content is streamed to the file in <c>incoming/</c> through a small buffer, so a message is
/// never held whole in memory. Disposing without committing aborts: nothing is left behind.
/// </remarks>
public sealed class MessageWriter : IAsyncDisposable
{
    private readonly MessageSpool _spool;
    private readonly string _incomingPath;
    private FileStream? _file;
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
        try
        {
            _file.Write(QueueFile.Magic);
            var json = EnvelopeCodec.Encode(queueId, envelope);
            _file.Write(json);
            _file.WriteByte((byte)'\n');
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
        _file.Write(content);
        _bodyLength += content.Length;
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_file is null, this);
        _bodyLength += content.Length;
        return _file.WriteAsync(content, ct);
    }

    /// <summary>Finishes the file and returns once it is on stable storage; only then may the client be told 250.</summary>
    public async Task CommitAsync()
    {
        ObjectDisposedException.ThrowIf(_file is null, this);
        try
        {
            _file.Write(QueueFile.Trailer(_bodyLength));
            await _file.DisposeAsync().ConfigureAwait(false);
            _file = null;
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

    /// <summary>Drops the message: the client was not told 250 for it.</summary>
    public void Abort()
    {
        if (_done) return;
        _done = true;
        try
        {
            _file?.Dispose();
        }
        catch (IOException)
        {
            // The file is being thrown away; a failed flush of it changes nothing.
        }
        _file = null;
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
