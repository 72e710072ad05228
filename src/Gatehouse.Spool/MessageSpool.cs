using System.Collections.Concurrent;
using Gatehouse.Core.Envelope;
using Microsoft.Win32.SafeHandles;

namespace Gatehouse.Spool;

/// <summary>The durable spool: where accepted messages live until they are delivered.</summary>
/// <remarks>
/// <para>Layout under the spool directory: <c>incoming/</c> holds messages being received,
/// <c>queue/</c> holds accepted ones, <c>corrupt/</c> holds queue files that failed their check at
/// start-up (kept for the administrator, never deleted silently), and <c>spool.lock</c> keeps a
/// second server off the same directory.</para>
/// <para>A message is accepted in three steps: its file is written whole in <c>incoming/</c>,
/// renamed into <c>queue/</c>, and then made durable together with every other message finished at
/// the same time (<see cref="SyncMethod.Syncfs"/>), or on its own (<see cref="SyncMethod.Fsync"/>).
/// Only then does <see cref="MessageWriter.CommitAsync"/> return and the session say 250.</para>
/// <para>A removed message's file is emptied and kept in <c>free/</c> (up to <see cref="MaxFreeFiles"/>)
/// for the next message to be written into: on ext4, allocating and freeing an inode for every
/// message costs more CPU than anything else the spool does, and two renames cost far less. What
/// is in <c>free/</c> is garbage by definition: start-up deletes it.</para>
/// <para>It does not schedule or deliver: it stores, finds and removes.</para>
/// </remarks>
public sealed class MessageSpool : IDisposable
{
    /// <summary>Most empty files kept for reuse; beyond that a removed message's file is deleted.</summary>
    public const int MaxFreeFiles = 1024;

    private readonly SafeFileHandle _lock;
    private readonly GroupCommitter? _committer;
    private readonly ConcurrentStack<string> _free = new();
    private int _freeCount;

    private MessageSpool(string root, SyncMethod method, SafeFileHandle lockHandle)
    {
        Root = root;
        Method = method;
        _lock = lockHandle;
        IncomingDirectory = Path.Combine(root, "incoming");
        QueueDirectory = Path.Combine(root, "queue");
        CorruptDirectory = Path.Combine(root, "corrupt");
        StateDirectory = Path.Combine(root, "state");
        FreeDirectory = Path.Combine(root, "free");
        if (method == SyncMethod.Syncfs) _committer = new GroupCommitter(lockHandle, Statistics);
    }

    public string Root { get; }

    public SyncMethod Method { get; }

    public string IncomingDirectory { get; }

    public string QueueDirectory { get; }

    public string CorruptDirectory { get; }

    /// <summary>Progress of messages not finished at their first attempt (<see cref="QueueState"/>), one file per queue id.</summary>
    public string StateDirectory { get; }

    /// <summary>Empty files of removed messages, waiting to be reused for new ones.</summary>
    public string FreeDirectory { get; }

    public SpoolStatistics Statistics { get; } = new();

    /// <summary>What start-up found: messages in the queue, and files it set aside.</summary>
    public RecoveryReport Recovery { get; private set; } = new(0, 0, 0);

    /// <summary>Opens (creating if needed) the spool, takes its lock and recovers from a crash.</summary>
    /// <exception cref="IOException">The directory cannot be used or another process holds it.</exception>
    public static MessageSpool Open(string root, SyncMethod method)
    {
        if (method == SyncMethod.Syncfs && !NativeSync.SyncFsAvailable) method = SyncMethod.Fsync;
        root = Path.GetFullPath(root);
        Directory.CreateDirectory(root);
        foreach (var d in new[] { "incoming", "queue", "corrupt", "state", "free" }) Directory.CreateDirectory(Path.Combine(root, d));
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(Path.Combine(root, "spool.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"spool {root} is in use by another process ({e.Message})", e);
        }
        var spool = new MessageSpool(root, method, handle);
        spool.Recover();
        return spool;
    }

    private void Recover()
    {
        // Files in incoming/ were never acknowledged: the client was not told 250 and will retry.
        var dropped = 0;
        foreach (var f in Directory.EnumerateFiles(IncomingDirectory))
        {
            File.Delete(f);
            dropped++;
        }
        // A file in free/ may still hold a delivered message (a crash between its rename and its truncation).
        foreach (var f in Directory.EnumerateFiles(FreeDirectory)) File.Delete(f);
        var queued = 0;
        var corrupt = 0;
        foreach (var f in Directory.EnumerateFiles(QueueDirectory))
        {
            try
            {
                QueueFile.Read(f);
                queued++;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                File.Move(f, Path.Combine(CorruptDirectory, Path.GetFileName(f)), overwrite: true);
                corrupt++;
            }
        }
        // A state whose message is gone was left by a crash between the two removals.
        foreach (var f in Directory.EnumerateFiles(StateDirectory))
        {
            var name = Path.GetFileName(f);
            if (name.EndsWith(".tmp", StringComparison.Ordinal) || !File.Exists(Path.Combine(QueueDirectory, name))) File.Delete(f);
        }
        Recovery = new RecoveryReport(queued, dropped, corrupt);
    }

    /// <summary>Replaces the progress record of a message (write, then rename: never half-written).</summary>
    public void SaveState(string queueId, QueueState state)
    {
        var path = Path.Combine(StateDirectory, queueId);
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, QueueState.Encode(state));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The progress record of a message, or null when it has none (never attempted, or finished at the first attempt).</summary>
    /// <exception cref="InvalidDataException">The record is damaged.</exception>
    public QueueState? LoadState(string queueId)
    {
        var path = Path.Combine(StateDirectory, queueId);
        try
        {
            return QueueState.Decode(File.ReadAllBytes(path));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Removes a message that is finished (every recipient delivered, or failed with its DSN queued) or deleted by an administrator.</summary>
    /// <remarks>Not synced: if the removal is lost in a crash the message is delivered again (a duplicate, never a loss).</remarks>
    public void Remove(string queueId)
    {
        var path = Path.Combine(QueueDirectory, queueId);
        if (!Recycle(path, queueId)) File.Delete(path);
        File.Delete(Path.Combine(StateDirectory, queueId));
    }

    /// <summary>Moves a finished message's file to free/ and empties it; false when it should simply be deleted.</summary>
    /// <remarks>Renamed first, emptied second: a crash in between leaves a whole file in free/, never an empty one in
    /// queue/ (which recovery would take for a damaged message).</remarks>
    private bool Recycle(string path, string queueId)
    {
        if (Volatile.Read(ref _freeCount) >= MaxFreeFiles) return false;
        var free = Path.Combine(FreeDirectory, queueId);
        if (!NativeSync.TryRename(path, free)) return false;
        if (!NativeSync.TryTruncate(free))
        {
            File.Delete(free);
            return true;
        }
        _free.Push(free);
        Interlocked.Increment(ref _freeCount);
        return true;
    }

    /// <summary>Opens a new, empty file at <paramref name="incomingPath"/> for writing: an emptied one from free/ when there is one.</summary>
    internal SafeFileHandle CreateIncoming(string incomingPath)
    {
        while (_free.TryPop(out var free))
        {
            Interlocked.Decrement(ref _freeCount);
            if (!NativeSync.TryRename(free, incomingPath)) continue;
            try
            {
                return File.OpenHandle(incomingPath, FileMode.Open, FileAccess.Write, FileShare.None);
            }
            catch (IOException)
            {
                File.Delete(incomingPath);
            }
        }
        return File.OpenHandle(incomingPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
    }

    /// <summary>Starts a message: its envelope is written now, its content as it arrives.</summary>
    public MessageWriter Begin(string queueId, MailEnvelope envelope) => new(this, queueId, envelope);

    /// <summary>Lists the accepted messages (skipping any file that cannot be read whole).</summary>
    public IEnumerable<QueuedMessage> List()
    {
        foreach (var f in Directory.EnumerateFiles(QueueDirectory))
        {
            QueuedMessage? m;
            try
            {
                m = QueueFile.Read(f);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                m = null;
            }
            if (m is not null) yield return m;
        }
    }

    /// <summary>Finds one accepted message by queue id, or null.</summary>
    public QueuedMessage? Find(string queueId)
    {
        if (!Core.Queue.QueueIdGenerator.IsValid(queueId)) return null;
        var path = Path.Combine(QueueDirectory, queueId);
        return File.Exists(path) ? QueueFile.Read(path) : null;
    }

    internal async Task CommitAsync(string incomingPath, string queuePath)
    {
        if (Method == SyncMethod.Syncfs)
        {
            Rename(incomingPath, queuePath);
            await _committer!.CommitAsync().ConfigureAwait(false);
            return;
        }
        using (var h = File.OpenHandle(incomingPath, FileMode.Open, FileAccess.ReadWrite))
        {
            RandomAccess.FlushToDisk(h);
        }
        Rename(incomingPath, queuePath);
        NativeSync.SyncDirectory(QueueDirectory);
        Statistics.AddSyncs(2);
        Statistics.AddCommitted(1);
    }

    // Queue ids are unique, so File.Move's existence checks (several lstat calls per message) buy nothing here.
    private static void Rename(string from, string to)
    {
        if (!NativeSync.TryRename(from, to)) throw new IOException($"cannot move {from} to {to}");
    }

    public void Dispose()
    {
        _committer?.Dispose();
        _lock.Dispose();
    }
}

/// <summary>What spool recovery found at start-up.</summary>
/// <param name="Queued">Whole messages in the queue.</param>
/// <param name="DroppedIncoming">Unacknowledged partial receptions removed.</param>
/// <param name="Corrupt">Queue files that failed their check, moved to corrupt/.</param>
public sealed record RecoveryReport(int Queued, int DroppedIncoming, int Corrupt);
